"""Forward-auth on ``iamd serve`` and the gateway: a real nginx's ``auth_request`` in front
of a real upstream, and the check requests Traefik's ForwardAuth and Envoy's ext_authz
send, as those proxies send them."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gateway_support import (
    API_ID,
    EchoUpstream,
    allow_policy,
    check,
    signed_headers,
    start_api_gateway,
    user,
)
from support import IamdServer, RootCredential, _free_port

NGINX = "/usr/sbin/nginx"
INVOKE = "execute-api:Invoke"


@pytest.fixture
def owner(server: IamdServer) -> RootCredential:
    return server.new_account()


def invoke_anything(owner: RootCredential) -> dict[str, Any]:
    arn = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/GET/*"
    return {"Effect": "Allow", "Action": INVOKE, "Resource": arn}


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            auth_request /_iamd_auth;
            auth_request_set $iamd_principal $upstream_http_x_iamd_principal_arn;
            auth_request_set $iamd_account $upstream_http_x_iamd_account;
            auth_request_set $iamd_tags $upstream_http_x_iamd_session_tags;
            proxy_set_header X-Iamd-Principal-Arn $iamd_principal;
            proxy_set_header X-Iamd-Account $iamd_account;
            proxy_set_header X-Iamd-Session-Tags $iamd_tags;
            proxy_pass {upstream};
        }}
        location = /_iamd_auth {{
            internal;
            proxy_pass {iamd}/_iamd/forward-auth/us-east-1/{account}/{api}/prod;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Original-Method $request_method;
            proxy_set_header X-Original-URI $request_uri;
            proxy_set_header X-Original-Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(
    server: IamdServer, echo: EchoUpstream, owner: RootCredential, tmp_path: Path
) -> Iterator[str]:
    if not os.path.exists(NGINX):
        pytest.skip("nginx is not installed (make nginx installs Debian's)")
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(
            user="user root;" if os.geteuid() == 0 else "",
            dir=tmp_path,
            port=port,
            upstream=echo.endpoint,
            iamd=server.endpoint,
            account=owner.account_id,
            api=API_ID,
        )
    )
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(conf)],
                               stderr=subprocess.DEVNULL)  # fmt: skip
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(endpoint + "/", timeout=1)
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.05)
    yield endpoint
    process.terminate()
    process.wait(timeout=15)


def curl(endpoint: str, key: tuple[str, str] | None, path: str, *args: str) -> tuple[int, str]:
    signing = []
    if key is not None:
        signing = ["--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", f"{key[0]}:{key[1]}"]
    command = ["curl", "-s", "-o", "-", "-w", "\n%{http_code}", *signing, *args, endpoint + path]
    out = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout
    body, _, status = out.rpartition("\n")
    return int(status), body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_nginx_auth_request_lets_through_only_what_iamd_allows(
    nginx: str, echo: EchoUpstream, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    allowed = user(make_client, owner, "viewer", invoke_anything(owner))
    denied = user(make_client, owner, "stranger")
    before = len(echo.requests)
    status, body = curl(nginx, allowed, "/pets/1?x=1", "-H", "X-Iamd-Account: 999999999999")
    assert status == 200, body
    seen = echo.requests[-1]
    assert seen["path"] == "/pets/1?x=1"
    assert seen["headers"]["x-iamd-principal-arn"].endswith(f"{owner.account_id}:user/viewer")
    assert seen["headers"]["x-iamd-account"] == owner.account_id
    assert curl(nginx, denied, "/pets/1")[0] == 403
    assert curl(nginx, None, "/pets/1", "-H", "X-Iamd-Principal-Arn: arn:aws:iam::1:root")[0] == 401
    assert curl(nginx, allowed, "/pets/1", "-X", "DELETE")[0] == 403
    assert len(echo.requests) == before + 1


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_through_nginx_only_bodies_left_unsigned_can_be_checked(
    nginx: str, echo: EchoUpstream, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    arn = f"arn:aws:execute-api:us-east-1:{owner.account_id}:{API_ID}/prod/POST/*"
    poster = user(
        make_client, owner, "poster", {"Effect": "Allow", "Action": INVOKE, "Resource": arn}
    )
    status, _ = curl(nginx, poster, "/orders", "--data", "qty=2")
    assert status == 401  # the signature covers a body nginx does not show iamd
    status, body = curl(nginx, poster, "/orders", "--data", "qty=2",
                        "-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD")  # fmt: skip
    assert status == 200, body
    assert echo.requests[-1]["body"] == "qty=2"


def test_traefik_forward_auth_headers(
    server: IamdServer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    key = user(make_client, owner, "traefik-user", invoke_anything(owner))
    signed = signed_headers(key, "GET", "https://api.example.com/pets?limit=5")
    headers = {**signed, "X-Forwarded-Method": "GET", "X-Forwarded-Uri": "/pets?limit=5",
               "X-Forwarded-Host": "api.example.com", "X-Forwarded-Proto": "https",
               "X-Forwarded-For": "203.0.113.9"}  # fmt: skip
    url = f"{server.endpoint}/_iamd/forward-auth/us-east-1/{owner.account_id}/{API_ID}/prod"
    status, answer = check(url, "GET", headers)
    assert status == 200
    assert answer["x-iamd-principal-arn"].endswith(":user/traefik-user")
    assert check(url, "GET", {**headers, "X-Forwarded-Uri": "/admin"})[0] == 401
    assert check(url, "GET", {**headers, "X-Forwarded-Method": "DELETE"})[0] == 401
    assert check(url, "GET", {})[0] == 401


def test_envoy_ext_authz_check_requests(
    server: IamdServer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    key = user(make_client, owner, "envoy-user", invoke_anything(owner))
    signed = signed_headers(key, "GET", "http://api.internal/pets/9")
    prefix = f"{server.endpoint}/_iamd/ext-authz/us-east-1/{owner.account_id}/{API_ID}/prod"
    headers = {**signed, "Host": "api.internal"}
    status, answer = check(prefix + "/pets/9", "GET", headers)
    assert status == 200 and answer["x-iamd-account"] == owner.account_id
    assert check(prefix + "/pets/10", "GET", headers)[0] == 401
    other = user(make_client, owner, "no-invoke")
    signed = signed_headers(other, "GET", "http://api.internal/pets/9")
    assert check(prefix + "/pets/9", "GET", {**signed, "Host": "api.internal"})[0] == 403


def test_any_method_reaches_forward_auth_and_one_no_api_has_is_refused(
    server: IamdServer, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    key = user(make_client, owner, "any-method", invoke_anything(owner))
    url = f"{server.endpoint}/_iamd/forward-auth/us-east-1/{owner.account_id}/{API_ID}/prod"
    signed = signed_headers(key, "GET", "https://api.example.com/pets")
    headers = {**signed, "X-Original-Method": "GET", "X-Original-URI": "/pets",
               "X-Original-Host": "api.example.com"}  # fmt: skip
    assert check(url, "PROPFIND", headers)[0] == 200  # nginx asks with the client's method
    propfind = signed_headers(key, "PROPFIND", "https://api.example.com/pets")
    asked = {**propfind, "X-Original-Method": "PROPFIND", "X-Original-URI": "/pets",
             "X-Original-Host": "api.example.com"}  # fmt: skip
    status, answer = check(url, "PROPFIND", asked)
    assert status == 401 and answer["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_the_gateways_forward_auth_applies_its_resource_policy(
    server: IamdServer, echo: EchoUpstream, owner: RootCredential, make_client: Callable[..., Any]
) -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": INVOKE, "Resource": "execute-api:/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}}}  # fmt: skip
    gateway = start_api_gateway(server, echo.endpoint, owner.account_id, allow_policy(deny))
    try:
        key = user(make_client, owner, "viewer", invoke_anything(owner))
        signed = signed_headers(key, "GET", "http://api.example.com/pets")
        headers = {**signed, "X-Original-Method": "GET", "X-Original-URI": "/pets",
                   "X-Original-Host": "api.example.com", "X-Real-IP": "192.0.2.1"}  # fmt: skip
        url = gateway.endpoint + "/_iamd/forward-auth"
        assert check(url, "GET", headers)[0] == 200
        assert check(url, "GET", {**headers, "X-Real-IP": "198.51.100.7"})[0] == 403
    finally:
        gateway.stop()
