"""index posts.title: unsafe on a populated table, CREATE INDEX without CONCURRENTLY blocks writes
to posts while it builds"""
from alembic import op

revision = "a3"
down_revision = "a2"


def upgrade():
    op.create_index("posts_title_idx", "posts", ["title"])
