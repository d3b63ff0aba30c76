"""Signed reads from 1, 2 and 4 `iamd serve` worker processes on one PostgreSQL.

    python scripts/with_postgres.py -- .venv/bin/python bench/scaling_bench.py \
        [--seconds 10] [--connections 32] [--workers 1 2 4] [--nodes]

For each worker count, starts `iamd serve --workers N` on the throwaway cluster of
`with_postgres.py` (``IAMD_TEST_DATABASE_URL``; one fresh database per run), makes an
IAMReadOnlyAccess user, and drives GetUser with wrk (the request signed once, replayed
over keep-alive connections). Prints requests per second and the speed-up over one
worker. With ``--nodes``, N separate `iamd serve` processes (nodes, one worker each,
each on its own port) share the database instead, each driven by its own wrk at the
same time with its share of the connections, and the rates are summed. Reads scale
with the cores the machine has: on a 2-core machine, 4 workers can only share the
same two.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from run import ACCOUNT, KEY_ID, SECRET, free_port, scratch_dir, start, user_key, wait_ready
from trail_bench import GET_USER, lua_script, wrk


def fresh_database(server_url: str, name: str) -> str:
    url = make_url(server_url)
    with psycopg.connect(
        host=url.host, port=url.port, user=url.username, dbname=url.database, autocommit=True
    ) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def serve(port: int, workers: int, database_url: str, data_dir: str | None = None) -> object:
    """`iamd serve` on the database; nodes of one store share a data directory (its
    master key opens the access keys' secrets)."""
    return start(
        [
            sys.executable, "-m", "iamd.cli.main", "serve", "--port", str(port),
            "--data-dir", data_dir or scratch_dir("iamd-scaling-"),
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


def workers_rate(server_url: str, workers: int, options: argparse.Namespace) -> float:
    """GetUser per second from one `iamd serve --workers N`."""
    port = free_port()
    process = serve(port, workers, fresh_database(server_url, f"scaling_{workers}"))
    try:
        wait_ready(f"http://127.0.0.1:{port}/healthz")
        key = user_key(port)
        read_only(port)
        script = lua_script(port, [GET_USER], *key)
        wrk(port, script, 2, options.connections)  # warm every worker's caches
        return wrk(port, script, options.seconds, options.connections)
    finally:
        process.terminate()  # type: ignore[attr-defined]


def nodes_rate(server_url: str, nodes: int, options: argparse.Namespace) -> float:
    """GetUser per second from N `iamd serve` processes on one database, summed."""
    database_url = fresh_database(server_url, f"scaling_nodes_{nodes}")
    ports = [free_port() for _ in range(nodes)]
    data_dir = scratch_dir("iamd-scaling-nodes-")
    processes = []
    try:
        for port in ports:  # one after the other: the first migrates, makes the account
            processes.append(serve(port, 1, database_url, data_dir))
            wait_ready(f"http://127.0.0.1:{port}/healthz")
        key = user_key(ports[0])
        read_only(ports[0])
        scripts = {port: lua_script(port, [GET_USER], *key) for port in ports}
        for port, script in scripts.items():
            wrk(port, script, 2, options.connections)  # warm every node's caches
        share = max(1, options.connections // nodes)
        with ThreadPoolExecutor(nodes) as pool:
            found = pool.map(lambda port: wrk(port, scripts[port], options.seconds, share), ports)
            return sum(found)
    finally:
        for process in processes:
            process.terminate()  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--nodes", action="store_true", help="N processes, not N workers")
    options = parser.parse_args()
    server_url = os.environ.get("IAMD_TEST_DATABASE_URL")
    if not server_url:
        raise SystemExit("run through scripts/with_postgres.py (IAMD_TEST_DATABASE_URL)")
    measure = nodes_rate if options.nodes else workers_rate
    rates = {count: measure(server_url, count, options) for count in options.workers}
    kind = "nodes" if options.nodes else "workers"
    print(f"{kind:>7} {'GetUser req/s':>14} {'speed-up':>9}  (cpus: {os.cpu_count()})")
    for count, rate in rates.items():
        print(f"{count:7d} {rate:14.0f} {rate / rates[options.workers[0]]:9.2f}")


if __name__ == "__main__":
    main()
