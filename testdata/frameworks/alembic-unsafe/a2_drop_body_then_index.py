"""drop posts.body, then index posts.title outside the revision's transaction (autocommit_block, as
CREATE INDEX CONCURRENTLY needs): the DROP is unsafe, the old release still reads body"""
from alembic import op

revision = "a2"
down_revision = "a1"


def upgrade():
    op.drop_column("posts", "body")
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY posts_title_idx ON posts (title)")
