"""The issuer's keys are fetched before AssumeRoleWithWebIdentity's transaction, and only
from an OIDC provider registered in the role's account.

A slow issuer must not hold the database (on SQLite, the write lock) while iamd waits
for it, and a token must not be able to make iamd fetch a URL of its choosing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from iamd.store.providers import OidcProvider
from iamd.sts import oidc_keys, oidc_prefetch
from sts.oidc_issuer import Issuer
from support import IamdServer, error_of

JWKS_DELAY = 2.0


def test_a_slow_issuer_does_not_hold_up_a_concurrent_write(
    unsigned_sts: Any,
    iam: Any,
    new_issuer: Callable[..., Issuer],
    oidc_role: Callable[..., dict[str, Any]],
) -> None:
    issuer = new_issuer(jwks_delay=JWKS_DELAY)
    role = oidc_role(issuer)
    token = issuer.token(issuer.claims())
    outcome: dict[str, Any] = {}

    def assume() -> None:
        try:
            outcome["answer"] = unsigned_sts.assume_role_with_web_identity(
                RoleArn=role["Arn"], RoleSessionName="slow", WebIdentityToken=token
            )
        except Exception as error:  # reported below, on the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=assume)
    thread.start()
    _wait_until(lambda: issuer.jwks_requests == 1)  # the slow fetch has begun
    started = time.monotonic()
    iam.create_user(UserName="written-meanwhile")
    created = time.monotonic()
    thread.join(timeout=15)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["answer"]["SubjectFromWebIdentityToken"] == "user-123"
    assert issuer.jwks_served_at is not None
    assert created < issuer.jwks_served_at  # CreateUser finished while the fetch still ran
    assert created - started < JWKS_DELAY / 2


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_an_unregistered_issuer_is_never_fetched(
    unsigned_sts: Any,
    new_issuer: Callable[..., Issuer],
    oidc_role: Callable[..., dict[str, Any]],
) -> None:
    registered, stranger = new_issuer(), new_issuer()
    role = oidc_role(registered)
    token = stranger.token(stranger.claims(aud="iamd-test-client"))
    with pytest.raises(ClientError) as excinfo:
        unsigned_sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="s1", WebIdentityToken=token
        )
    assert error_of(excinfo)[:2] == (
        "InvalidIdentityToken",
        f"No OpenIDConnect provider found in your account for {stranger.url}",
    )
    assert stranger.requests == 0


def test_an_issuer_registered_in_another_account_is_never_fetched(
    server: IamdServer,
    unsigned_sts: Any,
    new_issuer: Callable[..., Issuer],
    oidc_role: Callable[..., dict[str, Any]],
) -> None:
    mine, theirs = new_issuer(), new_issuer()
    role = oidc_role(mine)
    other = server.new_account()
    other_iam = server.client("iam", other.access_key_id, other.secret_access_key)
    other_iam.create_open_id_connect_provider(
        Url=theirs.url, ClientIDList=["iamd-test-client"], ThumbprintList=["b" * 40]
    )
    with pytest.raises(ClientError) as excinfo:
        unsigned_sts.assume_role_with_web_identity(
            RoleArn=role["Arn"],
            RoleSessionName="s1",
            WebIdentityToken=theirs.token(theirs.claims()),
        )
    assert error_of(excinfo)[0] == "InvalidIdentityToken"
    assert theirs.requests == 0


def test_the_operation_reads_keys_only_from_what_was_prepared_or_cached(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a preparation the operation finds no keys rather than fetch in its transaction."""

    def no_fetch(issuer_url: str) -> tuple[oidc_keys.Jwk, ...]:
        raise AssertionError(f"fetched {issuer_url} inside the transaction")

    monkeypatch.setattr(oidc_keys, "CACHE", oidc_keys.KeyCache(no_fetch))
    provider = OidcProvider(
        arn="arn:aws:iam::111122223333:oidc-provider/idp.example.com",
        account_id="111122223333",
        url="https://idp.example.com",
        client_ids=("c",),
        thumbprints=(),
        created_at=datetime.now(UTC),
    )
    assert oidc_prefetch.keys_for(None, provider) is None
    other = oidc_prefetch.PreparedKeys("https://elsewhere.example.com", oidc_keys.KeySet((), 0, 0))
    assert oidc_prefetch.keys_for(other, provider) is None
    mine = oidc_prefetch.PreparedKeys(provider.url, oidc_keys.KeySet(({"kty": "RSA"},), 0, 0))
    assert oidc_prefetch.keys_for(mine, provider) is mine.keys
