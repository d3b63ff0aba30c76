"""Secrets at rest: AES-256-GCM under the master key.

In: plaintext bytes and the id of what they belong to (bound as associated data, so
a sealed secret copied onto another row does not open). Out: nonce || ciphertext.
The master key lives in a 0600 file in the data dir, or in ``IAMD_MASTER_KEY``
(base64 of 32 bytes) when a deployment keeps it elsewhere.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MASTER_KEY_ENV = "IAMD_MASTER_KEY"
MASTER_KEY_FILE = "master.key"
_NONCE_BYTES = 12


class Sealer:
    """Seals and opens secrets with one AES-GCM key."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the master key must be 32 bytes")
        self._aead = AESGCM(key)
        self.key = key

    def seal(self, plaintext: bytes, bound_to: str) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, bound_to.encode())

    def open(self, sealed: bytes, bound_to: str) -> bytes:
        nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, ciphertext, bound_to.encode())


def load_master_key(data_dir: Path) -> bytes:
    """The master key from the environment, else the data dir's key file (created once)."""
    from_env = os.environ.get(MASTER_KEY_ENV)
    if from_env:
        return base64.b64decode(from_env)
    path = data_dir / MASTER_KEY_FILE
    if path.exists():
        return base64.b64decode(path.read_bytes().strip())
    key = secrets.token_bytes(32)
    data_dir.mkdir(parents=True, exist_ok=True)
    # Create with 0600 from the start: never a moment when others could read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(base64.b64encode(key) + b"\n")
    return key
