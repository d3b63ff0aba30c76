"""``iamd serve``: open the store, bootstrap the first account, run uvicorn."""

from __future__ import annotations

import gc
import logging
import os
from pathlib import Path

import click
import uvicorn

from iamd import root_login
from iamd.accounts import RootCredential, create_account, ensure_root_key, has_accounts
from iamd.audit.trail import Trail
from iamd.cli.asgi import create_combined_app
from iamd.cli.http_edge import IamProtocol
from iamd.cli.root_login import link_text
from iamd.cli.settings import Settings, open_store, trail_settings
from iamd.clock import SystemClock
from iamd.console.console import ConsoleSettings
from iamd.server.app import ApiFirst
from iamd.server.pipeline import Server
from iamd.store.database import Database

# Worker processes rebuild the app from these (uvicorn imports a factory by name).
_ENV_DATA_DIR = "IAMD__DATA_DIR"
_ENV_DATABASE_URL = "IAMD__DATABASE_URL"
_ENV_SIGNUP = "IAMD__SIGNUP"
_ENV_SIGNUPS_PER_HOUR = "IAMD__SIGNUPS_PER_HOUR"
_ENV_AUDIT_TRAIL = "IAMD__AUDIT_TRAIL"
_ENV_AUDIT_RETENTION_DAYS = "IAMD__AUDIT_RETENTION_DAYS"

log = logging.getLogger("iamd")


def run_server(
    settings: Settings,
    *,
    host: str,
    port: int,
    workers: int,
    bootstrap: tuple[str | None, str | None, str | None] | None,
    console: ConsoleSettings,
    log_level: str,
    forwarded_allow_ips: str = "127.0.0.1",
) -> None:
    db, sealer = open_store(settings)
    clock = SystemClock()
    if bootstrap is not None:
        account_id, key_id, secret = bootstrap
        assert account_id and key_id and secret
        ensure_root_key(db, sealer, clock, RootCredential(account_id, key_id, secret))
        click.echo(f"iamd: account {account_id} ready with the root access key {key_id}")
    elif not has_accounts(db):
        credential = create_account(db, sealer, clock, email="root@iamd.local")
        _announce(credential, host, port)
        _announce_login_link(db, credential.account_id, f"http://{host}:{port}/console")
    db.dispose()
    os.environ[_ENV_DATA_DIR] = str(settings.data_dir)
    os.environ[_ENV_DATABASE_URL] = settings.database_url or ""
    os.environ[_ENV_SIGNUP] = "open" if console.is_signup_open else "closed"
    os.environ[_ENV_SIGNUPS_PER_HOUR] = str(console.signups_per_hour)
    os.environ[_ENV_AUDIT_TRAIL] = "1" if settings.audit_trail else ""
    os.environ[_ENV_AUDIT_RETENTION_DAYS] = str(settings.audit_retention_days)
    click.echo(f"iamd: serving IAM and STS on http://{host}:{port}")
    uvicorn.run(
        "iamd.cli.serve:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_level=log_level,
        access_log=False,
        http=IamProtocol,
        # asyncio's loop, not uvloop (which the gateway runs on): the API's work is the
        # interpreter's, not the loop's, and its reads ran no faster on uvloop.
        loop="asyncio",
        forwarded_allow_ips=forwarded_allow_ips,
    )


def app_from_environment() -> ApiFirst:
    """The app of one worker process, configured by `run_server` through the environment."""
    settings = Settings(
        data_dir=Path(os.environ[_ENV_DATA_DIR]),
        database_url=os.environ.get(_ENV_DATABASE_URL) or None,
        audit_trail=bool(os.environ.get(_ENV_AUDIT_TRAIL)),
        audit_retention_days=int(os.environ.get(_ENV_AUDIT_RETENTION_DAYS) or 90),
    )
    db, sealer = open_store(settings)
    db.follow_versions()
    console = ConsoleSettings(
        is_signup_open=os.environ.get(_ENV_SIGNUP) == "open",
        signups_per_hour=int(os.environ.get(_ENV_SIGNUPS_PER_HOUR) or 5),
    )
    clock = SystemClock()
    trail = Trail(db, clock, trail_settings(settings))
    app = create_combined_app(Server(db=db, sealer=sealer, clock=clock, trail=trail), console)
    # What start-up built (botocore's models, the policy catalog, the app) lives as long
    # as the process: keep it out of the garbage collector's full passes, which would
    # otherwise trace all of it whenever the objects requests leave behind add up.
    gc.freeze()
    return app


def _announce_login_link(db: Database, account_id: str, console_url: str) -> None:
    """Print, once, the link that gives the new root user its console email and password."""
    with db.transaction() as conn:
        token = root_login.issue_link(conn, account_id, root_login.SET_LOGIN, SystemClock().now())
    url = root_login.link_url(console_url, root_login.SET_LOGIN, token)
    click.echo(link_text(account_id, root_login.SET_LOGIN, url))
    click.echo(f"Later: iamd account set-root-login --account-id {account_id} prints a new one.")


def _announce(credential: RootCredential, host: str, port: int) -> None:
    """Print the new root credential once; it is stored only sealed."""
    click.echo(
        "\n".join(
            [
                "iamd: created account " + credential.account_id + " with a root access key.",
                "  Account id:             " + credential.account_id,
                "  Root access key id:     " + credential.access_key_id,
                "  Root secret access key: " + credential.secret_access_key,
                "This secret is shown once and stored only encrypted. To use it:",
                "  aws configure --profile iamd-root",
                f"  aws configure set endpoint_url http://{host}:{port} --profile iamd-root",
                "  aws --profile iamd-root sts get-caller-identity",
            ]
        )
    )
