"""drop posts.body: safe only as a contract migration, once no release serving reads the column.
Run by the Procfile's `release: alembic upgrade head` it breaks the release still serving; with
`release: alembic upgrade a2` and `postdeploy: alembic upgrade head` it runs after that release
stopped."""
from alembic import op

revision = "a3"
down_revision = "a2"


def upgrade():
    op.drop_column("posts", "body")
