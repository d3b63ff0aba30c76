"""Alembic's environment: runs migrations on the connection iamd hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from iamd.store.schema import metadata

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    # Only for `alembic revision --autogenerate` during development.
    url = config.get_main_option("sqlalchemy.url") or "sqlite:///:memory:"
    with create_engine(url).connect() as dev_connection:
        context.configure(connection=dev_connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
