# PostsController reads posts.body on every GET /, so a release that drops the column while this
# code still runs breaks it.
class PostsController < ApplicationController
  def index
    body = Post.order(:id).limit(1).pluck(:body).first
    render plain: "#{Post.count} posts; first: #{body}\n"
  end

  def up
    head :ok
  end
end
