"""Regenerate migration 0001 from `iamd.store.schema` (only until the first release).

    .venv/bin/python scripts/regenerate_initial_migration.py

No database made by a released iamd exists yet, so the initial schema is still one
migration; once iamd is released, schema changes become new migrations instead.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "src" / "iamd" / "store" / "migrations"


def main() -> None:
    target = MIGRATIONS / "versions" / "0001_initial_schema.py"
    target.unlink(missing_ok=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", "sqlite:///:memory:")
    command.revision(config, message="initial schema", autogenerate=True, rev_id="0001")
    ruff = Path(sys.executable).parent / "ruff"
    subprocess.run([str(ruff), "format", "-q", str(target)], check=True)
    subprocess.run([str(ruff), "check", "-q", "--fix", str(target)], check=False)


if __name__ == "__main__":
    main()
