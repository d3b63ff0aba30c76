"""``iamd gateway``: the data plane in front of an S3-compatible store or an HTTP API.

It opens the same store as ``iamd serve`` (``--data-dir`` or ``--database-url``), so
users, keys, policies and sessions made through the IAM API decide its requests, and
runs one uvicorn process with the service's app: ``--service s3`` (`iamd.gateway.
s3_app`) or ``--service execute-api`` (`iamd.gateway.api_app`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iamd.cli.settings import audit_trail_options, proxy_option

if TYPE_CHECKING:  # the data plane is imported only when the command runs
    from starlette.types import ASGIApp

    from iamd.audit.trail import TrailSettings
    from iamd.store.database import Database
    from iamd.store.sealing import Sealer


@dataclass(frozen=True)
class ApiOptions:
    api_id: str | None
    stage: str | None
    account_id: str | None
    region: str
    resource_policy: Path | None


@click.command("gateway")
@click.option(
    "--service", type=click.Choice(["s3", "execute-api"]), required=True, help="The service."
)
@click.option("--upstream", "upstream_url", required=True, help="Where allowed requests go.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=4600, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--data-dir",
    default="./iamd-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The store iamd serve uses: SQLite database and master key.",
)
@click.option("--database-url", envvar="IAMD_DATABASE_URL", help="PostgreSQL URL instead.")
@click.option(
    "--upstream-access-key-id", envvar="IAMD_UPSTREAM_ACCESS_KEY_ID", help="S3: re-sign with this."
)
@click.option(
    "--upstream-secret-access-key", envvar="IAMD_UPSTREAM_SECRET_ACCESS_KEY", help="Its secret."
)
@click.option("--upstream-region", default="us-east-1", show_default=True)
@click.option(
    "--upstream-max-connections",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="At most this many connections open to the upstream; requests past it wait "
    "(10 s at most, then 503 SlowDown).",
)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    default=("localhost",),
    show_default=True,
    help="S3: serve BUCKET.DOMAIN virtual-hosted-style (repeatable).",
)
@click.option("--api-id", help="execute-api: the API's id, as in its ARN.")
@click.option("--stage", help="execute-api: the stage, the path's first segment.")
@click.option("--account-id", help="execute-api: the account that owns the API.")
@click.option("--region", default="us-east-1", show_default=True, help="execute-api: region.")
@click.option(
    "--resource-policy",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="execute-api: the API's resource policy (JSON).",
)
@audit_trail_options("every decision, as a data event,")
@proxy_option
@click.option("--log-level", default="info", show_default=True)
def gateway(
    service: str,
    upstream_url: str,
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    upstream_access_key_id: str | None,
    upstream_secret_access_key: str | None,
    upstream_region: str,
    upstream_max_connections: int,
    domains: tuple[str, ...],
    api_id: str | None,
    stage: str | None,
    account_id: str | None,
    region: str,
    resource_policy: Path | None,
    audit_trail: bool,
    audit_retention_days: int,
    forwarded_allow_ips: str,
    log_level: str,
) -> None:
    """Authenticate and authorize requests with iamd's policies, and forward the allowed."""
    import uvicorn  # only here: other commands need none of the data plane

    from iamd.cli.gateway_edge import ApiProtocol, S3Protocol
    from iamd.cli.settings import Settings, open_store, trail_settings

    if bool(upstream_access_key_id) != bool(upstream_secret_access_key):
        raise click.UsageError(
            "--upstream-access-key-id and --upstream-secret-access-key go together."
        )
    settings = Settings(
        data_dir=data_dir,
        database_url=database_url,
        audit_trail=audit_trail,
        audit_retention_days=audit_retention_days,
    )
    db, sealer = open_store(settings)
    db.follow_versions()
    if service == "s3":
        keys = (upstream_access_key_id, upstream_secret_access_key, upstream_region)
        app = _s3_app(
            db,
            sealer,
            upstream_url,
            keys,
            upstream_max_connections,
            domains,
            trail_settings(settings),
        )
    else:
        options = ApiOptions(api_id, stage, account_id, region, resource_policy)
        app = _api_app(
            db, sealer, upstream_url, options, upstream_max_connections, trail_settings(settings)
        )
    click.echo(f"iamd: gateway for {service} on http://{host}:{port} → {upstream_url}")
    protocol = S3Protocol if service == "s3" else ApiProtocol
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        http=protocol,
        loop="auto",  # uvloop where it installs (pyproject.toml says why)
        forwarded_allow_ips=forwarded_allow_ips,
    )


def _s3_app(
    db: Database,
    sealer: Sealer,
    upstream_url: str,
    keys: tuple[str | None, str | None, str],
    max_connections: int,
    domains: tuple[str, ...],
    trail: TrailSettings,
) -> ASGIApp:
    from iamd.audit.trail import Trail
    from iamd.clock import SystemClock
    from iamd.gateway.s3_app import create_s3_app
    from iamd.gateway.s3_request import S3Gateway
    from iamd.gateway.upstream import Upstream, UpstreamCredentials

    key_id, secret, region = keys
    credentials = UpstreamCredentials(key_id, secret, region) if key_id and secret else None
    upstream = Upstream(upstream_url, credentials, max_connections=max_connections)
    lowered = tuple(domain.lower() for domain in domains)
    clock = SystemClock()
    return create_s3_app(S3Gateway(db, sealer, clock, upstream, lowered, Trail(db, clock, trail)))


def _api_app(
    db: Database,
    sealer: Sealer,
    upstream_url: str,
    options: ApiOptions,
    max_connections: int,
    trail: TrailSettings,
) -> ASGIApp:
    import httpx

    from iamd.audit.trail import Trail
    from iamd.clock import SystemClock
    from iamd.errors import MalformedPolicyDocument
    from iamd.gateway.api_app import ApiGateway, create_api_app
    from iamd.gateway.api_authorize import Api, expanded_policy
    from iamd.gateway.upstream_client import DEFAULT_POOL_WAIT
    from iamd.policy import validate_policy

    if not (options.api_id and options.stage and options.account_id):
        raise click.UsageError("--service execute-api needs --api-id, --stage and --account-id.")
    api = Api(options.api_id, options.stage, options.account_id, options.region)
    if options.resource_policy is not None:
        try:
            policy = expanded_policy(options.resource_policy.read_text(), api)
            validate_policy(policy, "resource")
        except ValueError:
            raise click.UsageError("--resource-policy: not a JSON policy document") from None
        except MalformedPolicyDocument as error:
            raise click.UsageError(f"--resource-policy: {error.message}") from None
        api = replace(api, policy=policy)
    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=max_connections),
        timeout=httpx.Timeout(60.0, connect=10.0, pool=DEFAULT_POOL_WAIT),
    )
    clock = SystemClock()
    recorder = Trail(db, clock, trail)
    return create_api_app(ApiGateway(db, sealer, clock, upstream_url, api, client, recorder))
