"""Session tokens: sealed, bound to their key id, tamper-evident, and readable by any node."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from iamd.auth.caller import Session
from iamd.auth.sessions import (
    SessionClaims,
    account_of_key_id,
    caller_of,
    open_token,
    seal_token,
    session_key_id,
)
from iamd.store.sealing import Sealer

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _claims(key_id: str, **session: object) -> SessionClaims:
    return SessionClaims(
        access_key_id=key_id,
        secret_access_key="s" * 40,
        account_id="123456789012",
        kind="assumed-role",
        entity_id="AROAEXAMPLEEXAMPLE123",
        name="reader",
        path="/team/",
        session_name="alice",
        session=Session(
            origin="assumed-role",
            issued_at=NOW,
            expires_at=NOW + timedelta(hours=1),
            parent_arn="arn:aws:iam::123456789012:role/team/reader",
            **session,  # type: ignore[arg-type]
        ),
    )


@pytest.fixture
def sealer() -> Sealer:
    return Sealer(secrets.token_bytes(32))


def test_round_trip_keeps_every_claim(sealer: Sealer) -> None:
    key_id = session_key_id("123456789012")
    claims = _claims(
        key_id,
        policy_texts=('{"Version":"2012-10-17"}',),
        policy_arns=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
        tags=(("team", "blue"),),
        transitive_tag_keys=("team",),
        source_identity="alice@example.com",
        mfa_at=NOW,
        provider_arn="arn:aws:iam::123456789012:oidc-provider/example.com",
    )
    assert open_token(seal_token(claims, sealer), key_id, sealer) == claims


def test_another_server_with_the_same_master_key_opens_it(sealer: Sealer) -> None:
    key_id = session_key_id("123456789012")
    token = seal_token(_claims(key_id), sealer)
    assert open_token(token, key_id, Sealer(sealer.key)) is not None
    assert open_token(token, key_id, Sealer(secrets.token_bytes(32))) is None


def test_every_altered_byte_is_refused(sealer: Sealer) -> None:
    key_id = session_key_id("123456789012")
    raw = base64.b64decode(seal_token(_claims(key_id), sealer))
    for index in range(len(raw)):
        altered = bytearray(raw)
        altered[index] ^= 0x01
        assert open_token(base64.b64encode(bytes(altered)).decode(), key_id, sealer) is None


def test_every_altered_character_is_refused(sealer: Sealer) -> None:
    key_id = session_key_id("123456789012")
    token = seal_token(_claims(key_id), sealer)
    for index, char in enumerate(token):
        for replacement in {"A", "B", "+", "="} - {char}:
            altered = token[:index] + replacement + token[index + 1 :]
            assert open_token(altered, key_id, sealer) is None, (index, replacement)


def test_token_is_bound_to_its_access_key_id(sealer: Sealer) -> None:
    key_id = session_key_id("123456789012")
    token = seal_token(_claims(key_id), sealer)
    assert open_token(token, session_key_id("123456789012"), sealer) is None


def test_garbage_is_refused(sealer: Sealer) -> None:
    for token in ("", "not base64!", base64.b64encode(b"\x01short").decode(), "AAAA"):
        assert open_token(token, "ASIAEXAMPLE", sealer) is None


@pytest.mark.parametrize("account_id", ["123456789012", "000000000001", "999999999999"])
def test_key_ids_name_their_account(account_id: str) -> None:
    key_id = session_key_id(account_id)
    assert key_id.startswith("ASIA") and len(key_id) == 20
    assert account_of_key_id(key_id) == account_id


def test_aws_published_key_id_decodes_to_its_account() -> None:
    # AWS's documented example: ASIAY34FZKBOKMUTVV7A belongs to account 609629065308.
    assert account_of_key_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"


def test_caller_of_a_role_session(sealer: Sealer) -> None:
    caller = caller_of(_claims(session_key_id("123456789012")), "aws-cn")
    assert caller.arn == "arn:aws-cn:sts::123456789012:assumed-role/reader/alice"
    assert caller.user_id == "AROAEXAMPLEEXAMPLE123:alice"
    assert caller.session is not None and caller.kind == "assumed-role"
