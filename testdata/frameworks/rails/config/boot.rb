# No Gemfile and no Bundler: RubyGems loads Debian's packaged gems (ruby-rails, ruby-pg, puma), so the
# app boots on a machine without network. The app is a test fixture; it always runs as production.
ENV["RAILS_ENV"] ||= "production"
