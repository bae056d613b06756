# PostsController reads posts.body on every GET /, so a release that drops the column while this
# code still runs breaks it.
class PostsController < ApplicationController
  def index
    # Named columns, as a real query names them: `SELECT *` would just return fewer after a drop.
    id, title, body = Post.order(:id).limit(1).pluck(:id, :title, :body).first
    render json: { count: Post.count, first: id && { id: id, title: title, body: body } }
  end

  def up
    head :ok
  end
end
