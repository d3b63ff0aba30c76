"""``iamd gateway``: the data plane in front of an S3-compatible store or an HTTP API.

It opens the same store as ``iamd serve`` (``--data-dir`` or ``--database-url``), so
users, keys, policies and sessions made through the IAM API decide its requests, and
runs one uvicorn process with the service's app.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("gateway")
@click.option("--service", type=click.Choice(["s3"]), required=True, help="The service fronted.")
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
    "--upstream-access-key-id", envvar="IAMD_UPSTREAM_ACCESS_KEY_ID", help="Re-sign with this."
)
@click.option(
    "--upstream-secret-access-key", envvar="IAMD_UPSTREAM_SECRET_ACCESS_KEY", help="Its secret."
)
@click.option("--upstream-region", default="us-east-1", show_default=True)
@click.option(
    "--domain",
    "domains",
    multiple=True,
    default=("localhost",),
    show_default=True,
    help="S3: serve BUCKET.DOMAIN virtual-hosted-style (repeatable).",
)
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
    domains: tuple[str, ...],
    log_level: str,
) -> None:
    """Authenticate and authorize requests with iamd's policies, and forward the allowed."""
    import uvicorn  # only here: other commands need none of the data plane

    from iamd.cli.settings import Settings, open_store
    from iamd.clock import SystemClock
    from iamd.gateway.s3_app import create_s3_app
    from iamd.gateway.s3_request import S3Gateway
    from iamd.gateway.upstream import Upstream, UpstreamCredentials

    if bool(upstream_access_key_id) != bool(upstream_secret_access_key):
        raise click.UsageError(
            "--upstream-access-key-id and --upstream-secret-access-key go together."
        )
    credentials = None
    if upstream_access_key_id and upstream_secret_access_key:
        credentials = UpstreamCredentials(
            upstream_access_key_id, upstream_secret_access_key, upstream_region
        )
    db, sealer = open_store(Settings(data_dir=data_dir, database_url=database_url))
    upstream = Upstream(upstream_url, credentials)
    app = create_s3_app(
        S3Gateway(db, sealer, SystemClock(), upstream, tuple(d.lower() for d in domains))
    )
    click.echo(f"iamd: gateway for {service} on http://{host}:{port} → {upstream_url}")
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)
