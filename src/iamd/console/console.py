"""What every console request shares: the server, the console's keys, the templates."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from iamd.console import signing
from iamd.console.throttle import SignInThrottle
from iamd.server.pipeline import Server


@dataclass(frozen=True)
class Console:
    server: Server
    session_key: bytes
    csrf_key: bytes
    throttle: SignInThrottle
    templates: Environment


def create_console(server: Server) -> Console:
    master_key = server.sealer.key
    return Console(
        server=server,
        session_key=signing.derive_key(master_key, "session"),
        csrf_key=signing.derive_key(master_key, "csrf"),
        throttle=SignInThrottle(),
        templates=template_environment(),
    )


def template_environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("iamd.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment
