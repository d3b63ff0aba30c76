"""Test helpers for the data plane: moto's S3 server as the upstream, ``iamd gateway``
processes in front of it, and the AWS CLI pointed at a gateway.

The upstream is a real S3-compatible HTTP server (moto in server mode, from PyPI);
the gateway re-signs for it with a fixed credential, which moto accepts.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from support import REGION, IamdServer, RootCredential, _free_port

PATH_STYLE = {"addressing_style": "path"}
UPSTREAM_KEY = ("AKIAUPSTREAMEXAMPLE1", "upstream-secret-key-for-tests")


def _wait(url: str, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited early:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not become ready:\n{log.read_text(errors='replace')}")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class LoopbackRelay(ABC):
    """A listener on a loopback port that hands each accepted client to `serve`.

    Subclasses set what `serve` needs before calling ``__init__``, which starts
    accepting at once.
    """

    scheme = "http"

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @abstractmethod
    def serve(self, client: socket.socket) -> None:
        """Take one accepted client (on the accepting thread: start another to wait)."""

    def stop(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.serve(client)


@dataclass
class MotoServer:
    directory: Path
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=UPSTREAM_KEY[0],
            aws_secret_access_key=UPSTREAM_KEY[1],
            config=Config(s3={"addressing_style": "path"}),
        )

    def stop(self) -> None:
        _stop(self.process)


def start_moto(directory: Path) -> MotoServer:
    moto = MotoServer(directory)
    log = directory / "moto.log"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto.port)]
    moto.process = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    _wait(moto.endpoint + "/moto-api/", moto.process, log, "moto's server")
    return moto


@dataclass
class GatewayProcess:
    server: IamdServer
    upstream: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def stop(self) -> None:
        _stop(self.process)


def start_gateway(server: IamdServer, moto: MotoServer, *extra: str) -> GatewayProcess:
    keys = ["--upstream-access-key-id", UPSTREAM_KEY[0],
            "--upstream-secret-access-key", UPSTREAM_KEY[1]]  # fmt: skip
    return _start(server, moto.endpoint, "s3", [*keys, *extra])


def _start(server: IamdServer, upstream: str, service: str, extra: list[str]) -> GatewayProcess:
    gateway = GatewayProcess(server, upstream)
    command = [
        sys.executable, "-m", "iamd.cli.main", "gateway",
        "--service", service, "--upstream", upstream,
        "--port", str(gateway.port), "--data-dir", str(server.data_dir),
        "--log-level", "warning", *extra,
    ]  # fmt: skip
    if server.database_url:
        command += ["--database-url", server.database_url]
    gateway.log_path = server.data_dir.parent / f"gateway-{gateway.port}.log"
    log = gateway.log_path.open("ab")
    gateway.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    _wait(gateway.endpoint + "/_iamd/health", gateway.process, gateway.log_path, "iamd gateway")
    return gateway


def gateway_client(
    gateway: GatewayProcess,
    key_id: str,
    secret: str,
    token: str | None = None,
    *,
    region: str = REGION,
    **config: Any,
) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=gateway.endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=Config(
            signature_version="s3v4", retries={"max_attempts": 1}, **{"s3": PATH_STYLE, **config}
        ),
    )


def aws_cli(
    gateway: GatewayProcess, key_id: str, secret: str, *args: str, token: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real AWS CLI against the gateway with these credentials."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID=key_id,
        AWS_SECRET_ACCESS_KEY=secret,
        AWS_DEFAULT_REGION=REGION,
        AWS_MAX_ATTEMPTS="1",
    )
    if token:
        env["AWS_SESSION_TOKEN"] = token
    command = [sys.executable, "-m", "awscli", "--endpoint-url", gateway.endpoint, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def allow_policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@dataclass
class RawAnswer:
    status: int
    body: bytes
    headers: dict[str, str]


def signed_request(
    gateway: GatewayProcess,
    credential: tuple[str, str],
    method: str,
    path: str,
    *,
    host: str | None = None,
    headers: dict[str, str] | None = None,
    payload: str | None = None,
    body: bytes | Iterator[bytes] = b"",
    region: str = REGION,
) -> RawAnswer:
    """A request signed by botocore's S3 signer for ``host`` (default: the gateway's own),
    sent to the gateway as it is — the way to say what boto3 would not."""
    host = host or f"127.0.0.1:{gateway.port}"
    request = AWSRequest(
        method=method, url=f"http://{host}{path}", headers=dict(headers or {}), data=b""
    )
    claim = payload or hashlib.sha256(body if isinstance(body, bytes) else b"").hexdigest()
    _ClaimSigner(Credentials(*credential), region, claim).add_auth(request)
    return send_raw(gateway, method, path, {"Host": host, **request.headers}, body)


def send_raw(
    gateway: GatewayProcess,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | Iterator[bytes] = b"",
) -> RawAnswer:
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=60)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        pieces = [body] if isinstance(body, bytes) else body
        try:
            for piece in pieces:
                connection.send(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the gateway answered before the body was all sent
        answer = connection.getresponse()
        return RawAnswer(answer.status, answer.read(), dict(answer.getheaders()))
    finally:
        connection.close()


class _ClaimSigner(S3SigV4Auth):  # type: ignore[misc]
    def __init__(self, credentials: Credentials, region: str, claim: str) -> None:
        super().__init__(credentials, "s3", region)
        self._claim = claim

    def payload(self, request: AWSRequest) -> str:
        return self._claim


def chunked_body(
    secret: str, seed_signature: str, amz_date: str, region: str, data: list[bytes]
) -> list[bytes]:
    """aws-chunked framing with chunk signatures, computed here from AWS's definition."""
    scope = f"{amz_date[:8]}/{region}/s3/aws4_request"
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    previous, pieces = seed_signature, []
    empty = hashlib.sha256(b"").hexdigest()
    for chunk in [*data, b""]:
        text = "\n".join(
            ["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, empty,
             hashlib.sha256(chunk).hexdigest()]
        )  # fmt: skip
        previous = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()
        pieces.append(f"{len(chunk):x};chunk-signature={previous}\r\n".encode() + chunk + b"\r\n")
    return pieces


def streaming_headers(
    credential: tuple[str, str], host: str, path: str, decoded: int, encoded: int
) -> dict[str, str]:
    """Headers of a STREAMING-AWS4-HMAC-SHA256-PAYLOAD upload, signed by botocore."""
    request = AWSRequest(
        method="PUT",
        url=f"http://{host}{path}",
        headers={
            "content-encoding": "aws-chunked",
            "x-amz-decoded-content-length": str(decoded),
            "content-length": str(encoded),
        },
        data=b"",
    )
    _ClaimSigner(Credentials(*credential), REGION, STREAMING).add_auth(request)
    return {"Host": host, **request.headers}


STREAMING = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"


def seed_of(headers: dict[str, str]) -> tuple[str, str]:
    """(seed signature, X-Amz-Date) of signed headers."""
    return headers["Authorization"].rsplit("Signature=", 1)[1], headers["X-Amz-Date"]


class EchoUpstream:
    """An HTTP API that answers every request with what it received, as JSON."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        echo = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                seen = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": self.rfile.read(length).decode("latin-1"),
                }
                echo.requests.append(seen)
                answer = json.dumps(seen).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _answer

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_api_gateway(
    server: IamdServer, upstream_endpoint: str, account_id: str, policy: str | None = None
) -> GatewayProcess:
    """``iamd gateway --service execute-api`` for API ``a1b2c3d4e5``, stage ``prod``."""
    extra = ["--api-id", API_ID, "--stage", "prod", "--account-id", account_id]
    if policy is not None:
        path = server.data_dir.parent / f"api-policy-{secrets.token_hex(4)}.json"
        path.write_text(policy)
        extra += ["--resource-policy", str(path)]
    return _start(server, upstream_endpoint, "execute-api", extra)


API_ID = "a1b2c3d4e5"


def user(
    make_client: Callable[..., Any], owner: RootCredential, name: str, *statements: dict[str, Any]
) -> tuple[str, str]:
    """A user of ``owner``'s account with these inline statements, and its access key."""
    iam = make_client("iam", owner.access_key_id, owner.secret_access_key)
    iam.create_user(UserName=name)
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=allow_policy(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def signed_headers(key: tuple[str, str], method: str, url: str) -> dict[str, str]:
    request = AWSRequest(method=method, url=url, headers={})
    SigV4Auth(Credentials(*key), "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def check(url: str, method: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, dict(answer.headers.items())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items())


def api_arn(account_id: str, rest: str) -> str:
    return f"arn:aws:execute-api:us-east-1:{account_id}:{API_ID}/{rest}"


def api_curl(
    gateway: GatewayProcess, key: tuple[str, str], path: str, *args: str, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    command = [
        "curl",
        "-s",
        "-o",
        "-",
        "-w",
        "\n%{http_code}",
        "--aws-sigv4",
        "aws:amz:us-east-1:execute-api",
        "--user",
        f"{key[0]}:{key[1]}",
        *args,
        f"{gateway.endpoint}{path}",
    ]
    if token:
        command[-1:-1] = ["-H", f"x-amz-security-token: {token}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    body, _, status = out.rpartition("\n")
    return int(status), json.loads(body) if body else {}


def recording(client: Any) -> Any:
    """``client``, keeping the headers of every request it sends (names lowercased)."""
    client.sent = []
    client.meta.events.register(
        "before-send.s3.*",
        lambda request, **_: client.sent.append({k.lower(): v for k, v in request.headers.items()}),
    )
    return client
