# PostsController no longer reads posts.body: this release ignores the column, which its
# post-deployment migration drops.
class PostsController < ApplicationController
  def index
    title = Post.order(:id).limit(1).pluck(:title).first
    render plain: "#{Post.count} posts; first: #{title}\n"
  end

  def up
    head :ok
  end
end
