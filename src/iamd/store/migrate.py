"""Alembic, driven from code: the schema is upgraded to head when the server starts.

Several server processes may start at once against one PostgreSQL database; an
advisory lock makes them take turns so each migration runs exactly once.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

# An arbitrary constant naming iamd's migration lock in pg_advisory_lock's key space.
MIGRATION_LOCK_KEY = 0x1A3D_0001


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("iamd.store") / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(engine: Engine) -> None:
    with engine.connect() as conn:
        is_postgres = conn.dialect.name == "postgresql"
        if is_postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
        try:
            command.upgrade(alembic_config(conn), "head")
            conn.commit()
        finally:
            if is_postgres:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
                conn.commit()
