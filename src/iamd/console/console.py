"""What every console request shares: the server, the console's keys and settings, the
templates."""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from iamd.console import name_rules, signing
from iamd.console.throttle import SignInThrottle
from iamd.server.pipeline import Server


@dataclass(frozen=True)
class ConsoleSettings:
    """What the operator chooses (``iamd serve --signup open|closed``)."""

    is_signup_open: bool = False  # closed unless asked for: anyone could make accounts
    signups_per_hour: int = 5  # per client address, while sign-up is open


@dataclass(frozen=True)
class Console:
    server: Server
    settings: ConsoleSettings
    session_key: bytes
    csrf_key: bytes
    throttle: SignInThrottle
    templates: Environment


def create_console(server: Server, settings: ConsoleSettings | None = None) -> Console:
    master_key = server.sealer.key
    return Console(
        server=server,
        settings=settings or ConsoleSettings(),
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
    environment.globals["name_rules"] = name_rules  # the rules forms check as typed
    return environment
