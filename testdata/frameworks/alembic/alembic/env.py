# The smallest Alembic environment: DATABASE_URL from the environment, every revision in one
# transaction, as `alembic init` sets up by default.
import os

from alembic import context
from sqlalchemy import create_engine

url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
with create_engine(url).connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
