"""Run a command against a throwaway PostgreSQL cluster, then remove the cluster.

    python scripts/with_postgres.py [--fsync] -- pytest ...

The cluster is made with this machine's ``initdb`` and ``pg_ctl`` in a temporary
directory, listens on a random loopback port, and is stopped and deleted afterwards,
also when the command fails or is interrupted. The command sees the cluster as
``IAMD_TEST_DATABASE_URL`` (a superuser URL; tests create one database per server).
PostgreSQL refuses to run as root, so as root the cluster runs as the ``postgres``
user (or ``nobody``). It runs with ``fsync`` off (a test suite's commits need not
survive a power cut) unless ``--fsync`` is given: then a commit is synced to disk as
on a real server, which is what a benchmark of durable writes measures.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    raise SystemExit("running as root and no 'postgres' or 'nobody' user to run PostgreSQL as")


def _chown(path: Path, prefix: list[str]) -> None:
    if prefix:
        entry = pwd.getpwnam(prefix[2])
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _wait_ready(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"PostgreSQL did not accept connections on port {port}")


def main(argv: list[str]) -> int:
    flags, command = (
        (argv[: argv.index("--")], argv[argv.index("--") + 1 :]) if "--" in argv else ([], argv)
    )
    if not command or set(flags) - {"--fsync"}:
        raise SystemExit("usage: with_postgres.py [--fsync] -- COMMAND ...")
    fsync = "on" if "--fsync" in flags else "off"
    prefix = _run_as()
    root = Path(tempfile.mkdtemp(prefix="iamd-pg-"))
    data = root / "data"
    _chown(root, prefix)
    port = _free_port()
    log = root / "server.log"
    started = False
    try:
        subprocess.run(
            [*prefix, "initdb", "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = f"-h 127.0.0.1 -p {port} -k {root} -c fsync={fsync} -c max_connections=300"
        subprocess.run(
            [*prefix, "pg_ctl", "-D", str(data), "-l", str(log), "-o", settings, "-w", "start"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        started = True
        _wait_ready(port, time.monotonic() + 30)
        env = dict(os.environ)
        env["IAMD_TEST_DATABASE_URL"] = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        print(f"with_postgres: cluster on 127.0.0.1:{port}", flush=True)
        return subprocess.call(command, env=env)
    finally:
        if started:
            subprocess.run(
                [*prefix, "pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
