"""add posts.subtitle: safe, a nullable column the old release ignores"""
import sqlalchemy as sa
from alembic import op

revision = "a2"
down_revision = "a1"


def upgrade():
    op.add_column("posts", sa.Column("subtitle", sa.Text, nullable=True))
