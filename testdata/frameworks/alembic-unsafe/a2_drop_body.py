"""drop posts.body: unsafe, the old release still reads it"""
from alembic import op

revision = "a2"
down_revision = "a1"


def upgrade():
    op.drop_column("posts", "body")
