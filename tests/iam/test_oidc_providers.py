"""OpenID Connect providers through boto3 against a live server: AWS's shapes and errors."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from support import error_of

THUMB_A, THUMB_B, THUMB_C = "a" * 40, "b" * 40, "c" * 40


def create(iam: Any, url: str = "https://oidc.example.com", **kwargs: Any) -> str:
    arn: str = iam.create_open_id_connect_provider(Url=url, **kwargs)["OpenIDConnectProviderArn"]
    return arn


def test_create_get_list_delete(iam: Any, account: Any) -> None:
    arn = create(iam, ThumbprintList=[THUMB_B], ClientIDList=["client-id-1"])
    assert arn == f"arn:aws:iam::{account.account_id}:oidc-provider/oidc.example.com"
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Url"] == "oidc.example.com"
    assert got["ClientIDList"] == ["client-id-1"]
    assert got["ThumbprintList"] == [THUMB_B]
    assert got["Tags"] == []
    assert "CreateDate" in got

    other = create(iam, "https://auth.example.com/tenant/v2")
    assert other.endswith(":oidc-provider/auth.example.com/tenant/v2")
    listed = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert sorted(p["Arn"] for p in listed) == sorted([arn, other])

    iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    with pytest.raises(ClientError) as excinfo:
        iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"OpenIDConnect Provider not found for arn {arn}",
        404,
    )
    with pytest.raises(ClientError) as excinfo:
        iam.delete_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(excinfo) == (
        "NoSuchEntity",
        f"OpenId connect Provider {arn} cannot be found.",
        404,
    )


def test_thumbprints_are_optional(iam: Any) -> None:
    arn = create(iam)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ThumbprintList"] == []
    assert got["ClientIDList"] == []


def test_duplicate_url(iam: Any) -> None:
    create(iam, "https://oidc-dup.example.com")
    with pytest.raises(ClientError) as excinfo:
        create(iam, "https://oidc-dup.example.com")
    assert error_of(excinfo) == (
        "EntityAlreadyExists",
        "Provider with url https://oidc-dup.example.com already exists.",
        409,
    )


@pytest.mark.parametrize("url", ["example.org", "http://example.org", "https://", "ftp://x.org"])
def test_invalid_url(iam: Any, url: str) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(iam, url, ThumbprintList=[THUMB_A])
    assert error_of(excinfo) == ("ValidationError", "Invalid Open ID Connect Provider URL", 400)


def test_too_many_thumbprints(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(iam, ThumbprintList=[c * 40 for c in "abcdef"])
    assert error_of(excinfo) == (
        "InvalidInput",
        "Thumbprint list must contain fewer than 5 entries.",
        400,
    )
    create(iam, ThumbprintList=[c * 40 for c in "abcde"])


def test_client_id_quota(iam: Any) -> None:
    quota = ("LimitExceeded", "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100", 409)
    with pytest.raises(ClientError) as excinfo:
        create(iam, ClientIDList=[str(i) for i in range(101)])
    assert error_of(excinfo) == quota
    arn = create(iam, ClientIDList=[str(i) for i in range(100)])
    with pytest.raises(ClientError) as excinfo:
        iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="x")
    assert error_of(excinfo) == quota


def test_validation_errors_are_reported_together(iam: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        create(iam, "b" * 256, ThumbprintList=["b" * 41], ClientIDList=["b" * 256])
    assert error_of(excinfo) == (
        "ValidationError",
        "3 validation errors detected: Value at 'clientIDList' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 255, "
        "Member must have length greater than or equal to 1]; Value at 'thumbprintList' failed "
        "to satisfy constraint: Member must satisfy constraint: [Member must have length less "
        "than or equal to 40, Member must have length greater than or equal to 40]; Value at "
        "'url' failed to satisfy constraint: Member must have length less than or equal to 255",
        400,
    )


def test_client_ids_and_thumbprints_change(iam: Any) -> None:
    arn = create(iam, ThumbprintList=[THUMB_A], ClientIDList=["one"])
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="two")
    iam.add_client_id_to_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="two")
    iam.remove_client_id_from_open_id_connect_provider(OpenIDConnectProviderArn=arn, ClientID="one")
    iam.remove_client_id_from_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, ClientID="never-there"
    )
    iam.update_open_id_connect_provider_thumbprint(
        OpenIDConnectProviderArn=arn, ThumbprintList=[THUMB_B, THUMB_C]
    )
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ClientIDList"] == ["two"]
    assert got["ThumbprintList"] == [THUMB_B, THUMB_C]
    with pytest.raises(ClientError) as excinfo:
        iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=[c * 40 for c in "abcdef"]
        )
    assert error_of(excinfo)[0] == "InvalidInput"


def test_tags(iam: Any) -> None:
    tags = [{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]
    created = iam.create_open_id_connect_provider(Url="https://oidc.example.com", Tags=tags)
    arn = created["OpenIDConnectProviderArn"]
    assert created["Tags"] == tags
    listed = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn)
    assert (listed["Tags"], listed["IsTruncated"]) == (tags, False)
    iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["k2"])
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn, Tags=[{"Key": "k3", "Value": ""}]
    )
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["Tags"] == [tags[0], {"Key": "k3", "Value": ""}]


def test_tag_pages_and_limit(iam: Any) -> None:
    tags = [{"Key": f"k{i:02d}", "Value": f"v{i}"} for i in range(10)]
    arn = create(iam, Tags=tags)
    first = iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn, MaxItems=4)
    second = iam.list_open_id_connect_provider_tags(
        OpenIDConnectProviderArn=arn, MaxItems=4, Marker=first["Marker"]
    )
    last = iam.list_open_id_connect_provider_tags(
        OpenIDConnectProviderArn=arn, Marker=second["Marker"]
    )
    assert [len(page["Tags"]) for page in (first, second, last)] == [4, 4, 2]
    assert "Marker" not in last
    iam.tag_open_id_connect_provider(
        OpenIDConnectProviderArn=arn,
        Tags=[{"Key": f"x{i:02d}", "Value": "v"} for i in range(40)],
    )
    with pytest.raises(ClientError) as excinfo:
        iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, Tags=[{"Key": "string", "Value": "string"}]
        )
    assert error_of(excinfo) == (
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
        409,
    )


def test_missing_provider_errors(iam: Any, account: Any) -> None:
    arn = f"arn:aws:iam::{account.account_id}:oidc-provider/non-existent.example.com"
    for call in (
        lambda: iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn),
        lambda: iam.add_client_id_to_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, ClientID="x"
        ),
        lambda: iam.remove_client_id_from_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, ClientID="x"
        ),
        lambda: iam.update_open_id_connect_provider_thumbprint(
            OpenIDConnectProviderArn=arn, ThumbprintList=[THUMB_A]
        ),
        lambda: iam.tag_open_id_connect_provider(
            OpenIDConnectProviderArn=arn, Tags=[{"Key": "a", "Value": "b"}]
        ),
        lambda: iam.untag_open_id_connect_provider(OpenIDConnectProviderArn=arn, TagKeys=["a"]),
        lambda: iam.list_open_id_connect_provider_tags(OpenIDConnectProviderArn=arn),
    ):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_of(excinfo) == (
            "NoSuchEntity",
            f"OpenIDConnect Provider not found for arn {arn}",
            404,
        )


def test_providers_of_other_accounts_are_invisible(iam: Any, server: Any) -> None:
    arn = create(iam)
    stranger = server.new_account()
    other = server.client("iam", stranger.access_key_id, stranger.secret_access_key)
    with pytest.raises(ClientError) as excinfo:
        other.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert error_of(excinfo)[0] == "NoSuchEntity"
    assert other.list_open_id_connect_providers()["OpenIDConnectProviderList"] == []
    # The same issuer in another account is another provider.
    assert create(other) != arn


CONTEXT = {"SubjectSourceKey": "sub", "KeyDefinitionList": [{"SourceKey": "email"}]}


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as excinfo:
        call()
    return str(excinfo.value.response["Error"]["Code"])


def test_update_sets_and_removes_the_context_provider(iam: Any) -> None:
    arn = iam.create_open_id_connect_provider(Url="https://idp.example.com", ClientIDList=["a"])[
        "OpenIDConnectProviderArn"
    ]
    assert "ContextProvider" not in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, ContextProvider=CONTEXT)
    got = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert got["ContextProvider"] == CONTEXT
    assert got["ClientIDList"] == ["a"]  # nothing else changes
    iam.update_open_id_connect_provider(OpenIDConnectProviderArn=arn, RemoveContextProvider=True)
    assert "ContextProvider" not in iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)


def test_update_rules(iam: Any, account: Any) -> None:
    arn = iam.create_open_id_connect_provider(
        Url="https://idp2.example.com", ClientIDList=["a"], ContextProvider=CONTEXT
    )["OpenIDConnectProviderArn"]
    assert iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)["ContextProvider"] == (
        CONTEXT
    )
    update = iam.update_open_id_connect_provider
    both = lambda: update(  # noqa: E731
        OpenIDConnectProviderArn=arn, ContextProvider=CONTEXT, RemoveContextProvider=True
    )
    assert _code(both) == "InvalidInput"
    nothing = lambda: update(OpenIDConnectProviderArn=arn)  # noqa: E731
    assert _code(nothing) == "InvalidInput"
    instance = "arn:aws:sso:::instance/ssoins-1234567890abcdef"
    two_changes = lambda: update(  # noqa: E731
        OpenIDConnectProviderArn=arn, ContextProvider=CONTEXT, IdentityCenterInstanceArn=instance
    )
    assert _code(two_changes) == "InvalidInput"
    no_center = lambda: update(OpenIDConnectProviderArn=arn, IdentityCenterInstanceArn=instance)  # noqa: E731
    assert _code(no_center) == "NoSuchEntity"  # iamd has no IAM Identity Center instance
    missing = f"arn:aws:iam::{account.account_id}:oidc-provider/nope.example.com"
    gone = lambda: update(OpenIDConnectProviderArn=missing, RemoveContextProvider=True)  # noqa: E731
    assert _code(gone) == "NoSuchEntity"
