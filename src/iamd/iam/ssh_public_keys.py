"""SSH public keys (for CodeCommit): UploadSSHPublicKey, GetSSHPublicKey,
ListSSHPublicKeys, UpdateSSHPublicKey, DeleteSSHPublicKey.

In: a public key in OpenSSH form (``ssh-rsa AAAA… comment``; also ECDSA and Ed25519)
or PEM (``-----BEGIN PUBLIC KEY-----``). The body is kept as uploaded; GetSSHPublicKey
converts it to the encoding asked for. The fingerprint is AWS's: the MD5 of the
key's OpenSSH wire blob, as colon-separated hex (``ssh-keygen -l -E md5``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from iamd import ids
from iamd.errors import (
    DuplicateSSHPublicKey,
    InvalidPublicKey,
    LimitExceeded,
    NoSuchEntity,
    UnrecognizedPublicKeyEncoding,
)
from iamd.iam.credentials import list_page, owned_credential
from iamd.iam.users import target_user
from iamd.operation import OperationContext, OperationTable, Output, Params, list_output
from iamd.store import user_credentials, users
from iamd.store.locks import hold
from iamd.store.user_credentials import SSH, Credential

MAX_KEYS_PER_USER = 5
MIN_RSA_BITS = 2048
_OPENSSH_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-ed25519",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
    }
)
_EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey

UNRECOGNIZED_MESSAGE = "The public key encoding format is unsupported or unrecognized."
INVALID_MESSAGE = "The public key is malformed or otherwise invalid."


def not_found(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Public Key with id {key_id} cannot be found.")


def is_pem(body: str) -> bool:
    return body.lstrip().startswith("-----BEGIN ")


def parse_public_key(body: str) -> PublicKey:
    """The key a body holds; AWS's two errors tell a foreign format from a bad key."""
    text = body.strip()
    words = text.split(maxsplit=1)
    if is_pem(text):
        loaded = _load(serialization.load_pem_public_key, text)
    elif words and words[0] in _OPENSSH_TYPES:
        loaded = _load(serialization.load_ssh_public_key, text)
    else:
        raise UnrecognizedPublicKeyEncoding(UNRECOGNIZED_MESSAGE)
    return _supported(loaded)


def _load(loader: Callable[[bytes], object], text: str) -> object:
    try:
        return loader(text.encode())
    except (ValueError, UnsupportedAlgorithm, TypeError):
        raise InvalidPublicKey(INVALID_MESSAGE) from None


def _supported(key: object) -> PublicKey:
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise InvalidPublicKey(f"The public key must be at least {MIN_RSA_BITS} bits long.")
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, _EC_CURVES):
        return key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return key
    raise InvalidPublicKey(INVALID_MESSAGE)


def openssh_line(key: PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def fingerprint_of(key: PublicKey) -> str:
    """MD5 of the OpenSSH wire blob, ``aa:bb:…`` — what AWS and ``ssh-keygen -E md5`` show."""
    blob = base64.b64decode(openssh_line(key).split()[1])
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def encoded_body(body: str, encoding: str) -> str:
    """The stored key in the encoding asked for: as uploaded when it already is."""
    if is_pem(body) == (encoding == "PEM"):
        return body
    key = parse_public_key(body)
    if encoding == "PEM":
        pem = key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode()
    return openssh_line(key)


def metadata_output(key: Credential) -> Output:
    return {
        "UserName": key.user_name,
        "SSHPublicKeyId": key.credential_id,
        "Status": key.status,
        "UploadDate": key.created_at,
    }


def key_output(key: Credential, body: str) -> Output:
    return {**metadata_output(key), "Fingerprint": key.fingerprint, "SSHPublicKeyBody": body}


def upload_ssh_public_key(ctx: OperationContext, params: Params) -> Output:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    body = params["SSHPublicKeyBody"]
    fingerprint = fingerprint_of(parse_public_key(body))
    hold(ctx.conn, ("user", user.user_id))  # the checks below stay true until we commit
    duplicate = user_credentials.find_by_fingerprint(
        ctx.conn, ctx.account_id, SSH, fingerprint, user_id=user.user_id
    )
    if duplicate is not None:
        raise DuplicateSSHPublicKey(
            "The SSH public key is already associated with the specified IAM user."
        )
    if user_credentials.count_credentials(ctx.conn, SSH, user.user_id) >= MAX_KEYS_PER_USER:
        raise LimitExceeded(f"Cannot exceed quota for SSHPublicKeysPerUser: {MAX_KEYS_PER_USER}")
    key = Credential(
        credential_id=ids.entity_id(ids.SSH_KEY),
        account_id=ctx.account_id,
        kind=SSH,
        user_id=user.user_id,
        user_name=user.name,
        status="Active",
        created_at=ctx.now,
        body=body,
        fingerprint=fingerprint,
    )
    user_credentials.insert_credential(ctx.conn, key)
    return {"SSHPublicKey": key_output(key, body)}


def _named_key(ctx: OperationContext, params: Params) -> Credential:
    user = users.get_user(ctx.conn, ctx.account_id, params["UserName"])
    return owned_credential(ctx, SSH, user, params["SSHPublicKeyId"], not_found)


def get_ssh_public_key(ctx: OperationContext, params: Params) -> Output:
    key = _named_key(ctx, params)
    return {"SSHPublicKey": key_output(key, encoded_body(key.body, params["Encoding"]))}


def list_ssh_public_keys(ctx: OperationContext, params: Params) -> Output:
    user = target_user(ctx, params)
    page = list_page(ctx, SSH, params, user_id=user.user_id)
    return list_output("SSHPublicKeys", [metadata_output(key) for key in page.items], page)


def update_ssh_public_key(ctx: OperationContext, params: Params) -> Output:
    user_credentials.set_status(ctx.conn, _named_key(ctx, params), params["Status"])
    return {}


def delete_ssh_public_key(ctx: OperationContext, params: Params) -> Output:
    user_credentials.delete_credential(ctx.conn, _named_key(ctx, params))
    return {}


OPERATIONS: OperationTable = {
    "UploadSSHPublicKey": upload_ssh_public_key,
    "GetSSHPublicKey": get_ssh_public_key,
    "ListSSHPublicKeys": list_ssh_public_keys,
    "UpdateSSHPublicKey": update_ssh_public_key,
    "DeleteSSHPublicKey": delete_ssh_public_key,
}
