"""AWS-shaped unique identifiers: ``AIDA…`` users, ``AKIA…`` access keys and the rest.

Every id is a four-letter prefix and random characters from AWS's alphabet
(upper-case letters and digits 2-7 for entity ids, as AWS's base32-like ids look).
"""

from __future__ import annotations

import base64
import secrets

# Prefixes documented in the IAM User Guide ("Unique identifiers").
USER = "AIDA"
GROUP = "AGPA"
ROLE = "AROA"
POLICY = "ANPA"
INSTANCE_PROFILE = "AIPA"
ACCESS_KEY = "AKIA"
SESSION_KEY = "ASIA"
SSH_KEY = "APKA"
SIGNING_CERT = "ASCA"
SERVER_CERT = "ASCA"
SERVICE_CREDENTIAL = "ACCA"


def entity_id(prefix: str) -> str:
    """A 21-character unique id such as ``AIDAJQABLZS4A3QDU576Q``."""
    return prefix + _base32(17)


def access_key_id(prefix: str = ACCESS_KEY) -> str:
    """A 20-character access key id such as ``AKIAIOSFODNN7EXAMPLE``."""
    return prefix + _base32(16)


def secret_access_key() -> str:
    """A 40-character secret access key."""
    # 30 random bytes are exactly 40 characters of base64's alphabet (letters, digits,
    # "+" and "/"), each equally likely.
    return base64.b64encode(secrets.token_bytes(30)).decode()


def account_id() -> str:
    """A 12-digit account id that does not start with 0."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def request_id() -> str:
    """A request id in AWS's UUID form."""
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def _base32(length: int) -> str:
    """``length`` random characters of base32's alphabet (A-Z, 2-7), each equally
    likely: every one is five random bits (a character per call of `secrets.choice`
    cost ten times as much)."""
    raw = secrets.token_bytes((length * 5 + 7) // 8)
    return base64.b32encode(raw).decode()[:length]
