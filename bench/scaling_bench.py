"""Signed reads from 1, 2 and 4 `iamd serve` worker processes on one PostgreSQL.

    python scripts/with_postgres.py -- .venv/bin/python bench/scaling_bench.py \
        [--seconds 10] [--connections 32] [--workers 1 2 4]

For each worker count, starts `iamd serve --workers N` on the throwaway cluster of
`with_postgres.py` (``IAMD_TEST_DATABASE_URL``; one fresh database per run), makes an
IAMReadOnlyAccess user, and drives GetUser with wrk (the request signed once, replayed
over keep-alive connections). Prints requests per second and the speed-up over one
worker. Reads scale with the cores the machine has: on a 2-core machine, 4 workers can
only share the same two.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, start, user_key, wait_ready
from trail_bench import GET_USER, lua_script, wrk


def fresh_database(server_url: str, name: str) -> str:
    url = make_url(server_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def serve(port: int, workers: int, database_url: str) -> object:
    return start(
        [
            sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port),
            "--data-dir", tempfile.mkdtemp(prefix="iamd-scaling-"),
            "--database-url", database_url, "--account-id", ACCOUNT,
            "--root-access-key-id", KEY_ID, "--root-secret-access-key", SECRET,
            "--log-level", "warning", "--no-audit-trail", "--workers", str(workers),
        ]
    )  # fmt: skip


def read_only(port: int) -> None:
    import boto3

    boto3.client(
        "iam",
        endpoint_url=f"http://127.0.0.1:{port}",
        region_name="us-east-1",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    ).attach_user_policy(UserName="bench", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    options = parser.parse_args()
    server_url = os.environ.get("IAMD_TEST_DATABASE_URL")
    if not server_url:
        raise SystemExit("run through scripts/with_postgres.py (IAMD_TEST_DATABASE_URL)")
    rates: dict[int, float] = {}
    for workers in options.workers:
        port = free_port()
        process = serve(port, workers, fresh_database(server_url, f"scaling_{workers}"))
        try:
            wait_ready(f"http://127.0.0.1:{port}/healthz")
            key = user_key(port)
            read_only(port)
            script = lua_script(port, [GET_USER], *key)
            wrk(port, script, 2, options.connections)  # warm every worker's caches
            rates[workers] = wrk(port, script, options.seconds, options.connections)
        finally:
            process.terminate()  # type: ignore[attr-defined]
    print(f"{'workers':>7} {'GetUser req/s':>14} {'speed-up':>9}  (cpus: {os.cpu_count()})")
    for workers, rate in rates.items():
        print(f"{workers:7d} {rate:14.0f} {rate / rates[options.workers[0]]:9.2f}")


if __name__ == "__main__":
    main()
