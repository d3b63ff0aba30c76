"""AssumeRoleWithWebIdentity with tokens shaped like real identity providers' ID tokens.

Each issuer runs on loopback, so its URL is ``https://127.0.0.1:<port>/<the provider's
path>`` rather than the provider's host; the claims, headers and key sets are the ones
those providers send, and the trust policies use the condition keys AWS derives from
them (``<issuer host/path>:sub`` and the like), allowing and denying as AWS does.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from sts.oidc_issuer import Issuer, rsa_key
from support import error_of

NOT_AUTHORIZED = ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")


def _assume(sts: Any, role: dict[str, Any], token: str, name: str = "session") -> Any:
    return sts.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName=name, WebIdentityToken=token
    )


def _refused(sts: Any, role: dict[str, Any], token: str) -> tuple[str, str]:
    with pytest.raises(ClientError) as excinfo:
        _assume(sts, role, token)
    code, message, _ = error_of(excinfo)
    return code, message


def _times(lifetime: int = 3600) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now, "nbf": now, "exp": now + lifetime}


def test_okta_id_token(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """Okta's custom authorization server: /oauth2/default, client id as aud, amr, jti."""
    okta = new_issuer(path="/oauth2/default", keys=[rsa_key("okta-kid-1", alg="RS256", use="sig")])
    client_id = "0oa1b2c3d4e5f6g7h8i9"
    role = oidc_role(
        okta,
        {"StringEquals": {f"{okta.host_path}:aud": client_id}},
        client_ids=[client_id],
    )
    claims = {
        "ver": 1,
        "jti": "ID." + secrets.token_urlsafe(15),
        "iss": okta.url,
        "aud": client_id,
        "sub": "00u1alice2exmpl3id4",
        "amr": ["pwd", "mfa"],
        "idp": "00o1corp2idp3exmpl4",
        "auth_time": int(time.time()) - 30,
        "name": "Alice Example",
        "email": "alice@example.com",
        "preferred_username": "alice@example.com",
        **_times(),
    }
    answer = _assume(unsigned_sts, role, okta.token(claims, kid="okta-kid-1"))
    assert answer["SubjectFromWebIdentityToken"] == "00u1alice2exmpl3id4"
    assert answer["Audience"] == client_id
    assert answer["Provider"] == okta.host_path


def test_entra_id_v2_token(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """Entra ID v2.0: tenant in the issuer path, tid/oid claims, a JWKS without alg."""
    tenant, client_id = str(uuid.uuid4()), str(uuid.uuid4())
    entra_key = rsa_key(secrets.token_urlsafe(20), use="sig")  # Entra's keys name no alg
    entra_key.jwk["x5t"] = entra_key.kid
    entra = new_issuer(path=f"/{tenant}/v2.0", keys=[entra_key])
    role = oidc_role(
        entra,
        {
            "StringEquals": {
                f"{entra.host_path}:sub": "AAAAAAAAAAAAAAAAAAAAAPairwiseSubjectForAlice"
            }
        },
        client_ids=[client_id],
    )
    claims = {
        "aud": client_id,
        "iss": entra.url,
        "tid": tenant,
        "oid": str(uuid.uuid4()),
        "sub": "AAAAAAAAAAAAAAAAAAAAAPairwiseSubjectForAlice",
        "ver": "2.0",
        "name": "Alice Example",
        "preferred_username": "alice@contoso.onmicrosoft.com",
        "aio": secrets.token_urlsafe(80),
        "uti": secrets.token_urlsafe(16),
        "rh": "0." + secrets.token_urlsafe(20),
        **_times(),
    }
    answer = _assume(unsigned_sts, role, entra.token(claims, kid=entra_key.kid, x5t=entra_key.kid))
    assert answer["Provider"] == entra.host_path
    other = {**claims, "sub": "AAAAAAAAAAAAAAAAAAAAAPairwiseSubjectForMallory"}
    assert _refused(unsigned_sts, role, entra.token(other, kid=entra_key.kid)) == NOT_AUTHORIZED


def test_keycloak_id_token_and_its_encryption_key(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """Keycloak publishes an RSA-OAEP key for encryption next to its signing key: a token
    signed with the encryption key must not verify, though kty and kid would fit."""
    signing = rsa_key("kc-sig", alg="RS256", use="sig")
    encryption = rsa_key("kc-enc", alg="RSA-OAEP", use="enc")
    keycloak = new_issuer(path="/realms/corp", keys=[signing, encryption])
    role = oidc_role(
        keycloak,
        {"StringEquals": {f"{keycloak.host_path}:azp": "aws-federation"}},
        client_ids=["aws-federation"],
    )
    claims = {
        "iss": keycloak.url,
        "aud": "aws-federation",
        "azp": "aws-federation",
        "sub": "f:3a2e1c0d-aaaa-bbbb-cccc-1234567890ab:alice",
        "typ": "ID",
        "sid": str(uuid.uuid4()),
        "at_hash": secrets.token_urlsafe(16),
        "acr": "1",
        "email_verified": True,
        "preferred_username": "alice",
        "auth_time": int(time.time()),
        "jti": str(uuid.uuid4()),
        **_times(300),
    }
    answer = _assume(unsigned_sts, role, keycloak.token(claims, kid="kc-sig"))
    assert answer["Audience"] == "aws-federation"
    code, message = _refused(unsigned_sts, role, keycloak.token(claims, kid="kc-enc"))
    assert code == "InvalidIdentityToken"
    assert message.startswith("Couldn't retrieve verification key")


def _github_claims(issuer: Issuer, repository: str, ref: str = "refs/heads/main") -> dict[str, Any]:
    owner = repository.split("/")[0]
    return {
        "jti": str(uuid.uuid4()),
        "sub": f"repo:{repository}:ref:{ref}",
        "aud": "sts.amazonaws.com",
        "ref": ref,
        "sha": "example-sha-0123456789abcdef0123456789abcdef",
        "repository": repository,
        "repository_owner": owner,
        "repository_owner_id": "65",
        "repository_id": "35",
        "repository_visibility": "private",
        "run_id": "example-run-id",
        "run_number": "10",
        "run_attempt": "2",
        "actor": "octocat",
        "actor_id": "12",
        "workflow": "deploy",
        "workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "workflow_sha": "example-sha-0123456789abcdef0123456789abcdef",
        "job_workflow_ref": f"{repository}/.github/workflows/deploy.yml@{ref}",
        "job_workflow_sha": "example-sha-0123456789abcdef0123456789abcdef",
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "ref_type": "branch",
        "ref_protected": "true",
        "runner_environment": "github-hosted",
        "iss": issuer.url,
        **_times(300),
    }


def test_github_actions_token_with_a_repository_pattern(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """The documented GitHub trust policy: aud sts.amazonaws.com, sub StringLike repo:org/repo:*."""
    github = new_issuer(keys=[rsa_key("gh-1", alg="RS256", use="sig")])
    role = oidc_role(
        github,
        {
            "StringEquals": {f"{github.host_path}:aud": "sts.amazonaws.com"},
            "StringLike": {f"{github.host_path}:sub": "repo:octo-org/octo-repo:*"},
        },
        client_ids=["sts.amazonaws.com"],
    )
    main = github.token(_github_claims(github, "octo-org/octo-repo"), kid="gh-1", x5t="gh-1")
    answer = _assume(unsigned_sts, role, main, name="GitHubActions")
    assert answer["SubjectFromWebIdentityToken"] == "repo:octo-org/octo-repo:ref:refs/heads/main"
    assert answer["Audience"] == "sts.amazonaws.com"
    other_repository = github.token(_github_claims(github, "octo-org/octo-repo-fork"), kid="gh-1")
    assert _refused(unsigned_sts, role, other_repository) == NOT_AUTHORIZED
    other_owner = github.token(_github_claims(github, "evil-org/octo-repo"), kid="gh-1")
    assert _refused(unsigned_sts, role, other_owner) == NOT_AUTHORIZED


def test_github_actions_token_pinned_to_a_branch(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    github = new_issuer(keys=[rsa_key("gh-1", alg="RS256", use="sig")])
    sub = "repo:octo-org/octo-repo:ref:refs/heads/main"
    role = oidc_role(
        github,
        {"StringEquals": {f"{github.host_path}:sub": sub}},
        client_ids=["sts.amazonaws.com"],
    )
    _assume(
        unsigned_sts, role, github.token(_github_claims(github, "octo-org/octo-repo"), kid="gh-1")
    )
    feature = _github_claims(github, "octo-org/octo-repo", ref="refs/heads/feature")
    assert _refused(unsigned_sts, role, github.token(feature, kid="gh-1")) == NOT_AUTHORIZED
    wrong_audience = {**_github_claims(github, "octo-org/octo-repo"), "aud": "someone-else"}
    assert _refused(unsigned_sts, role, github.token(wrong_audience, kid="gh-1")) == (
        "InvalidIdentityToken",
        "Incorrect token audience",
    )


def _irsa_claims(issuer: Issuer, namespace: str, service_account: str) -> dict[str, Any]:
    return {
        "aud": ["sts.amazonaws.com"],
        "iss": issuer.url,
        "sub": f"system:serviceaccount:{namespace}:{service_account}",
        "kubernetes.io": {
            "namespace": namespace,
            "pod": {"name": "app-7d4b9c8f6-x2x9z", "uid": str(uuid.uuid4())},
            "serviceaccount": {"name": service_account, "uid": str(uuid.uuid4())},
        },
        **_times(86400),
    }


def test_eks_irsa_service_account_token(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """EKS IAM roles for service accounts: /id/<cluster id>, sub names the service account."""
    eks = new_issuer(
        path="/id/5F3C0A1B2D4E6F708192A3B4C5D6E7F8",
        keys=[rsa_key("0123456789abcdef0123456789abcdef01234567", alg="RS256", use="sig")],
    )
    kid = eks.keys[0].kid
    role = oidc_role(
        eks,
        {
            "StringEquals": {
                f"{eks.host_path}:sub": "system:serviceaccount:default:my-service-account",
                f"{eks.host_path}:aud": "sts.amazonaws.com",
            }
        },
        client_ids=["sts.amazonaws.com"],
    )
    token = eks.token(_irsa_claims(eks, "default", "my-service-account"), kid=kid)
    answer = _assume(unsigned_sts, role, token, name="botocore-session-1700000000")
    assert answer["Provider"] == eks.host_path
    other = eks.token(_irsa_claims(eks, "kube-system", "my-service-account"), kid=kid)
    assert _refused(unsigned_sts, role, other) == NOT_AUTHORIZED


@pytest.mark.parametrize(
    ("algorithm", "key"),
    [
        ("PS256", lambda: rsa_key("k", alg="PS256", use="sig")),
        ("RS512", lambda: rsa_key("k")),  # no alg in the JWK: any RSA algorithm may use it
    ],
)
def test_other_asymmetric_algorithms(
    unsigned_sts: Any,
    new_issuer: Callable[..., Issuer],
    oidc_role: Callable[..., Any],
    algorithm: str,
    key: Callable[[], Any],
) -> None:
    issuer = new_issuer(keys=[key()])
    role = oidc_role(issuer)
    _assume(unsigned_sts, role, issuer.token(issuer.claims(), kid="k", algorithm=algorithm))


def test_a_key_is_bound_to_its_algorithm(
    unsigned_sts: Any, new_issuer: Callable[..., Issuer], oidc_role: Callable[..., Any]
) -> None:
    """A JWK that says alg RS256 does not verify a PS256 token, though its key would."""
    issuer = new_issuer(keys=[rsa_key("k", alg="RS256", use="sig")])
    role = oidc_role(issuer)
    code, message = _refused(
        unsigned_sts, role, issuer.token(issuer.claims(), kid="k", algorithm="PS256")
    )
    assert code == "InvalidIdentityToken"
    assert message.startswith("Couldn't retrieve verification key")
