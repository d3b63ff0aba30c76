"""STS fixtures: users with keys, roles with trust policies, a server whose clock moves."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config

from sts.oidc_issuer import Issuer
from support import REGION, IamdServer, set_signing_clock, start_server

CLOCK_FILE_ENV = "IAMD_CLOCK_OFFSET_FILE"


@dataclass
class UserKeys:
    name: str
    arn: str
    user_id: str
    key_id: str
    secret: str


def trust_document(principal: dict[str, Any], **statement: Any) -> str:
    """A trust policy allowing sts:AssumeRole (and TagSession) to `principal`."""
    actions = statement.pop("Action", ["sts:AssumeRole", "sts:TagSession"])
    body = {"Effect": "Allow", "Principal": principal, "Action": actions, **statement}
    return json.dumps({"Version": "2012-10-17", "Statement": [body]})


def allow_document(action: str | list[str], resource: str = "*") -> str:
    statement = {"Effect": "Allow", "Action": action, "Resource": resource}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def new_user(iam: Any) -> Callable[..., UserKeys]:
    """new_user("alice", policy=allow_document("iam:ListUsers")): a user with a key."""

    def create(name: str, *, policy: str | None = None, path: str = "/") -> UserKeys:
        user = iam.create_user(UserName=name, Path=path)["User"]
        if policy is not None:
            iam.put_user_policy(UserName=name, PolicyName="grant", PolicyDocument=policy)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        return UserKeys(
            name, user["Arn"], user["UserId"], key["AccessKeyId"], key["SecretAccessKey"]
        )

    return create


@pytest.fixture
def new_role(iam: Any) -> Callable[..., dict[str, Any]]:
    """new_role("reader", trust, policy=…): a role with an inline policy."""

    def create(name: str, trust: str, *, policy: str | None = None, **extra: Any) -> dict[str, Any]:
        role: dict[str, Any] = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=trust, **extra
        )["Role"]
        if policy is not None:
            iam.put_role_policy(RoleName=name, PolicyName="grant", PolicyDocument=policy)
        return role

    return create


def session_client(make_client: Callable[..., Any], service: str, answer: dict[str, Any]) -> Any:
    """A client signing with the temporary credentials of an STS answer."""
    credentials = answer["Credentials"]
    return make_client(
        service,
        credentials["AccessKeyId"],
        credentials["SecretAccessKey"],
        credentials["SessionToken"],
    )


@pytest.fixture
def trust_doc() -> Callable[..., str]:
    return trust_document


@pytest.fixture
def allow_doc() -> Callable[..., str]:
    return allow_document


@pytest.fixture
def as_session(make_client: Callable[..., Any]) -> Callable[[str, dict[str, Any]], Any]:
    """as_session("iam", answer): a client with the answer's temporary credentials."""
    return lambda service, answer: session_client(make_client, service, answer)


@dataclass
class ClockServer:
    """An ``iamd serve`` whose clock a test moves by writing an offset file."""

    server: IamdServer
    offset_file: Path

    def shift(self, seconds: float, monkeypatch: pytest.MonkeyPatch) -> None:
        """Move the server's clock and this process's signing clock together."""
        import datetime as dt

        self.offset_file.write_text(str(seconds))
        set_signing_clock(
            monkeypatch, lambda: dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
        )

    def reset(self) -> None:
        self.offset_file.write_text("0")


@pytest.fixture(scope="module")
def clock_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClockServer]:
    directory = tmp_path_factory.mktemp("iamd-clock")
    offset_file = directory / "clock-offset"
    offset_file.write_text("0")
    saved = os.environ.get(CLOCK_FILE_ENV)
    os.environ[CLOCK_FILE_ENV] = str(offset_file)
    try:
        running = start_server(directory)
    finally:
        if saved is None:
            os.environ.pop(CLOCK_FILE_ENV, None)
        else:
            os.environ[CLOCK_FILE_ENV] = saved
    yield ClockServer(running, offset_file)
    running.stop()


@dataclass
class MfaDevice:
    """A virtual MFA device enabled for a user, handing out codes never used before."""

    serial: str
    seed: str
    next_offset: int = 0

    def next_code(self) -> str:
        """The code of the next unused 30-second step (the current one, then the next)."""
        import pyotp

        counter = int(time.time()) // 30 + self.next_offset
        self.next_offset += 1
        return str(pyotp.TOTP(self.seed).generate_otp(counter))


@pytest.fixture
def enable_mfa(iam: Any) -> Callable[[str], MfaDevice]:
    """enable_mfa("alice"): a device enabled with the two previous codes; two are left."""
    import pyotp

    def enable(user_name: str) -> MfaDevice:
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user_name}-phone")
        seed = device["VirtualMFADevice"]["Base32StringSeed"].decode()
        counter = int(time.time()) // 30
        otp = pyotp.TOTP(seed)
        serial = device["VirtualMFADevice"]["SerialNumber"]
        iam.enable_mfa_device(
            UserName=user_name,
            SerialNumber=serial,
            AuthenticationCode1=otp.generate_otp(counter - 2),
            AuthenticationCode2=otp.generate_otp(counter - 1),
        )
        return MfaDevice(serial, seed)

    return enable


@pytest.fixture
def unsigned_sts(server: IamdServer) -> Any:
    """An STS client that signs nothing, as AssumeRoleWithWebIdentity/SAML callers are."""
    return boto3.client(
        "sts",
        endpoint_url=server.endpoint,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 1}),
    )


@pytest.fixture
def new_issuer() -> Iterator[Callable[..., Issuer]]:
    """new_issuer(path="/realms/corp", jwks_delay=2): an OIDC issuer on loopback for this test."""
    started: list[Issuer] = []

    def start(**options: Any) -> Issuer:
        started.append(Issuer(**options))
        return started[-1]

    yield start
    for issuer in started:
        issuer.stop()


@pytest.fixture
def oidc_role(iam: Any) -> Callable[..., dict[str, Any]]:
    """oidc_role(issuer, conditions, client_ids=[...]): a provider for the issuer and a role
    it may assume when `conditions` (a trust policy Condition block) hold."""

    def create(
        issuer: Issuer,
        conditions: dict[str, Any] | None = None,
        *,
        client_ids: list[str] | None = None,
        name: str = "web",
    ) -> dict[str, Any]:
        provider_arn = iam.create_open_id_connect_provider(
            Url=issuer.url,
            ClientIDList=client_ids or ["iamd-test-client"],
            ThumbprintList=["a" * 40],
        )["OpenIDConnectProviderArn"]
        statement: dict[str, Any] = {
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        }
        if conditions:
            statement["Condition"] = conditions
        trust = {"Version": "2012-10-17", "Statement": [statement]}
        role: dict[str, Any] = iam.create_role(
            RoleName=name, AssumeRolePolicyDocument=json.dumps(trust)
        )["Role"]
        return role

    return create
