require_relative "boot"

require "rails"
require "active_record/railtie"
require "action_controller/railtie"

module Blog
  # Application is a blog of posts: GET / reads them, GET /up answers health checks.
  class Application < Rails::Application
    config.load_defaults 6.1
    config.api_only = true
    config.eager_load = true
    # A fixed secret for a test fixture: no credentials file, no master key.
    config.secret_key_base = "cutover-test-fixture-" + "0" * 64
    # The release folder may not be writable: log to stdout, cache nothing under tmp/, and do not
    # write db/schema.rb after migrating.
    config.logger = ActiveSupport::Logger.new($stdout)
    config.log_level = :info
    config.cache_store = :null_store
    config.active_record.dump_schema_after_migration = false

    # Post-deployment migrations (db/post_migrate) run with the others unless
    # SKIP_POST_DEPLOYMENT_MIGRATIONS is set: the release: command sets it, so they wait for the
    # postdeploy: command, which runs once the old release has stopped.
    unless ENV["SKIP_POST_DEPLOYMENT_MIGRATIONS"]
      config.paths["db/migrate"] << "db/post_migrate"
    end
  end
end
