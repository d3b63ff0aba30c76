"""Console passwords: argon2id hashing, constant-time checks, and the password policy's rules.

In: plain-text passwords, which are never logged and never stored, and a `PasswordPolicy`.
Out: argon2id hashes in PHC form (``$argon2id$v=19$m=19456,t=2,p=1$…``), whether a
password matches one, and which of the policy's rules a new password breaks.

Without a custom policy AWS applies its default one (IAM User Guide, "Custom password
policy options"): at least eight characters, three of the four character kinds, and
not the account's name or email address. `UpdateAccountPasswordPolicy`'s own defaults
(six characters, nothing required) apply only once a custom policy is set.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from iamd.store.account_settings import PasswordPolicy

# OWASP's first recommended argon2id configuration (19 MiB, two passes, one lane):
# a password change may verify up to 24 history hashes inside one store transaction,
# so each must stay well under a second. `needs_rehash` notices when these are raised.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# The non-alphanumeric characters AWS counts as symbols, exactly as its policy lists them.
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
_UPPER = frozenset(string.ascii_uppercase)
_LOWER = frozenset(string.ascii_lowercase)
_DIGITS = frozenset(string.digits)

DEFAULT_POLICY_MINIMUM_LENGTH = 8
DEFAULT_POLICY_KINDS_REQUIRED = 3


def hash_password(password: str) -> str:
    """A salted argon2id hash of ``password``."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the hash; argon2 compares in constant time."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_or_waste_time(password_hash: str | None, password: str) -> bool:
    """Like `verify_password`, taking as long when there is no hash to check against."""
    if password_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(password_hash, password)


def matches_any(password: str, password_hashes: Iterable[str]) -> bool:
    """Whether ``password`` is one of those hashed (for reuse prevention)."""
    return any(verify_password(known, password) for known in password_hashes)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@cache
def _dummy_hash() -> str:
    return _HASHER.hash("iamd: no password is set for this principal")


def character_kinds(password: str) -> set[str]:
    """Which of the four kinds (upper, lower, number, symbol) the password contains."""
    chars = set(password)
    kinds = {
        "uppercase": bool(chars & _UPPER),
        "lowercase": bool(chars & _LOWER),
        "numbers": bool(chars & _DIGITS),
        "symbols": bool(chars & SYMBOLS),
    }
    return {kind for kind, present in kinds.items() if present}


def policy_violations(policy: PasswordPolicy, password: str) -> list[str]:
    """The custom policy's rules that ``password`` breaks (empty: it conforms)."""
    kinds = character_kinds(password)
    broken = [] if len(password) >= policy.minimum_length else ["minimum_length"]
    required = {
        "symbols": policy.require_symbols,
        "numbers": policy.require_numbers,
        "uppercase": policy.require_uppercase,
        "lowercase": policy.require_lowercase,
    }
    broken += [kind for kind, needed in required.items() if needed and kind not in kinds]
    return broken


def default_policy_violations(password: str, *, account_name: str, email: str) -> list[str]:
    """The rules of AWS's default policy (no custom one set) that ``password`` breaks."""
    broken = []
    if len(password) < DEFAULT_POLICY_MINIMUM_LENGTH:
        broken.append("minimum_length")
    if len(character_kinds(password)) < DEFAULT_POLICY_KINDS_REQUIRED:
        broken.append("character_kinds")
    if password in (account_name, email):
        broken.append("account_identity")
    return broken


def expires_at(changed_at: datetime, policy: PasswordPolicy | None) -> datetime | None:
    """When a password set at ``changed_at`` expires under the policy; None: never."""
    if policy is None or policy.max_age_days is None:
        return None
    return changed_at + timedelta(days=policy.max_age_days)


def is_expired(changed_at: datetime, policy: PasswordPolicy | None, now: datetime) -> bool:
    expiry = expires_at(changed_at, policy)
    return expiry is not None and now >= expiry
