# Safe: Rails' way to build an index without blocking writes. The index is built outside a
# transaction (CREATE INDEX CONCURRENTLY cannot run in one); Rails then records the version in a
# transaction of its own.
class AddIndexConcurrentlyToPostsTitle < ActiveRecord::Migration[6.1]
  disable_ddl_transaction!

  def change
    add_index :posts, :title, algorithm: :concurrently
  end
end
