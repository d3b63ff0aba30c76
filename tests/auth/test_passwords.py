"""Console password hashing and the password policy's rules, without a server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from iamd.auth import passwords
from iamd.auth.passwords import PasswordPolicy

STRONG = "Correct-Horse-7"


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = passwords.hash_password(STRONG), passwords.hash_password(STRONG)
    assert first.startswith("$argon2id$")
    assert first != second  # a fresh salt every time
    assert STRONG not in first
    assert passwords.verify_password(first, STRONG)
    assert not passwords.verify_password(first, STRONG + "x")
    assert not passwords.needs_rehash(first)


def test_weaker_hashes_need_rehashing_but_still_verify() -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash(STRONG)
    assert passwords.verify_password(weak, STRONG)
    assert passwords.needs_rehash(weak)


def test_verify_refuses_garbage_hashes_instead_of_raising() -> None:
    assert not passwords.verify_password("not-a-hash", STRONG)
    assert not passwords.verify_password("", STRONG)
    assert passwords.needs_rehash("not-a-hash")


def test_verify_without_a_hash_is_false() -> None:
    assert not passwords.verify_or_waste_time(None, STRONG)
    assert passwords.verify_or_waste_time(passwords.hash_password(STRONG), STRONG)


def test_matches_any_finds_a_reused_password() -> None:
    history = [passwords.hash_password(p) for p in ("Old-Pass-1", "Old-Pass-2")]
    assert passwords.matches_any("Old-Pass-2", history)
    assert not passwords.matches_any("New-Pass-3", history)
    assert not passwords.matches_any("New-Pass-3", [])


def test_character_kinds_count_only_aws_symbols() -> None:
    assert passwords.character_kinds("aB3!") == {"uppercase", "lowercase", "numbers", "symbols"}
    # '.' and '~' are not in AWS's list of symbols.
    assert passwords.character_kinds("a.~") == {"lowercase"}
    assert passwords.character_kinds("") == set()


@pytest.mark.parametrize(
    ("policy", "password", "broken"),
    [
        (PasswordPolicy(), "abcdef", []),
        (PasswordPolicy(), "abcde", ["minimum_length"]),
        (PasswordPolicy(minimum_length=10), "abcdefghij", []),
        (PasswordPolicy(require_symbols=True), "abcdefg", ["symbols"]),
        (PasswordPolicy(require_numbers=True), "abcdefg", ["numbers"]),
        (PasswordPolicy(require_uppercase=True), "abcdefg", ["uppercase"]),
        (PasswordPolicy(require_lowercase=True), "ABCDEFG", ["lowercase"]),
        (
            PasswordPolicy(
                minimum_length=12,
                require_symbols=True,
                require_numbers=True,
                require_uppercase=True,
                require_lowercase=True,
            ),
            "short",
            ["minimum_length", "symbols", "numbers", "uppercase"],
        ),
        (
            PasswordPolicy(
                require_symbols=True,
                require_numbers=True,
                require_uppercase=True,
                require_lowercase=True,
            ),
            "Aa1|xyz",
            [],
        ),
    ],
)
def test_custom_policy_rules(policy: PasswordPolicy, password: str, broken: list[str]) -> None:
    assert passwords.policy_violations(policy, password) == broken


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Abcdef1!", []),
        ("abcdef12", ["character_kinds"]),  # two kinds of four
        ("Abcdef12", []),  # three kinds are enough
        ("Ab1!", ["minimum_length"]),
        ("ab", ["minimum_length", "character_kinds"]),
        ("Admin@Example1", ["account_identity"]),
    ],
)
def test_default_policy_rules(password: str, broken: list[str]) -> None:
    found = passwords.default_policy_violations(
        password, account_name="Admin@Example1", email="root@example.com"
    )
    assert found == broken


def test_expiry_follows_max_age() -> None:
    changed = datetime(2026, 1, 1, tzinfo=UTC)
    policy = PasswordPolicy(max_age_days=30)
    assert policy.expires_passwords
    assert passwords.expires_at(changed, policy) == changed + timedelta(days=30)
    assert passwords.expires_at(changed, PasswordPolicy()) is None
    assert passwords.expires_at(changed, None) is None
    assert not passwords.is_expired(changed, policy, changed + timedelta(days=29))
    assert passwords.is_expired(changed, policy, changed + timedelta(days=30))
    assert not passwords.is_expired(changed, None, changed + timedelta(days=9999))
