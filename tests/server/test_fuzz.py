"""Property: whatever a signed client sends, iamd answers in AWS's XML, never a 5xx, and
keeps serving.

Requests are drawn from botocore's IAM and STS models: a real operation, then for its
input shape's members (at any depth) values of the right type, of the wrong type, or
hostile (U+0000 and other control characters, lone surrogates, invalid UTF-8, huge
lengths, numbers Java cannot hold), with list members duplicated, out of order or
misnumbered, and junk fields besides. Each is signed by botocore's own signer and
sent to a server of this module's own; each answer must be a well-formed AWS XML
answer (a 4xx as ``<ErrorResponse>``) and a plain read must still work after it.

The budget is small and the examples fixed (``derandomize``) in the normal suite;
``make fuzz`` sets ``IAMD_FUZZ_EXAMPLES`` high and draws fresh examples. A crash it
finds becomes a regular test beside the code it broke.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote_from_bytes
from xml.etree import ElementTree

import pytest
from botocore.model import OperationModel, Shape
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from iamd.protocol import service_model
from iamd.protocol.patterns import compile_java_pattern
from iamd.server.pipeline import OPERATIONS
from support import BOOTSTRAP, IamdServer, RootCredential, send_signed, start_server

EXAMPLES = int(os.environ.get("IAMD_FUZZ_EXAMPLES", "120"))
# The normal suite replays the same examples every run; `make fuzz` explores.
DERANDOMIZE = os.environ.get("IAMD_FUZZ_RANDOM") != "1"
MAX_DEPTH = 4

# Operations whose input reaches the JWT, JWKS and SAML readers, which are hardened on
# another branch; include them once it lands.
IMPLEMENTED: list[OperationModel] = [
    service_model(service).operation_model(name)
    for service in ("iam", "sts")
    for name in sorted(OPERATIONS[service])
]
FORM = "application/x-www-form-urlencoded; charset=utf-8"
MAX_QUERY_STRING = 8192
MAX_VALUE = 200_000
XML_NAMESPACE = re.compile(r"^\{https://(iam|sts)\.amazonaws\.com/doc/\d{4}-\d\d-\d\d/\}")


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IamdServer]:
    running = start_server(tmp_path_factory.mktemp("fuzzed"))
    yield running
    running.stop()
    assert running.traceback() is None, running.traceback()


@pytest.fixture(scope="module")
def root(fuzzed: IamdServer) -> RootCredential:
    """The server's bootstrap account: generated ARNs can name its entities."""
    return BOOTSTRAP


# --- values ------------------------------------------------------------------------------

ACCOUNT = BOOTSTRAP.account_id
NAMES = ["a", "b", "B", "c-1"]
ARNS = [
    f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"
    for kind in ("user", "group", "role", "policy", "instance-profile", "mfa", "saml-provider")
    for name in ("a", "b")
]
ARNS += [
    f"arn:aws:iam::{ACCOUNT}:oidc-provider/example.com",
    f"arn:aws:iam::{ACCOUNT}:root",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/a/s1",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/AdministratorAccess",
    "arn:aws:iam::aws:policy/aws-service-role/AccessAnalyzerServiceRolePolicy",
    "arn:aws:iam::999999999999:role/a",
]


def _policy(statement: str) -> str:
    return '{"Version": "2012-10-17", "Statement": ' + statement + "}"


DOCUMENTS = [
    _policy('{"Effect": "Allow", "Action": "*", "Resource": "*"}'),
    _policy('[{"Effect": "Deny", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::*"}]'),
    _policy(
        '{"Effect": "Allow", "Action": "s3:GetObject",'
        ' "Resource": "arn:aws:s3:::b/${aws:username}/*",'
        ' "Condition": {"StringLike": {"aws:PrincipalTag/team": ["a*", "?"]},'
        ' "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "Bool": {"aws:SecureTransport": "true"}}}'
    ),
    _policy(
        '{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"DateGreaterThan":'
        ' {"aws:CurrentTime": "9999-12-31T23:59:59-01:00"}, "NumericLessThan":'
        ' {"aws:MultiFactorAuthAge": "1e400"}, "ForAnyValue:StringEquals": {"aws:TagKeys": "a"}}}'
    ),
    _policy(
        '{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com", "AWS": "'
        + ACCOUNT
        + '"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}'
    ),
    _policy(
        '{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::'
        + ACCOUNT
        + ':oidc-provider/example.com"}, "Action": "sts:AssumeRoleWithWebIdentity",'
        ' "Condition": {"StringEquals": {"example.com:aud": "c1"}}}'
    ),
    _policy('{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {"Nope": {}}}'),
    "[" * 3000 + "]" * 3000,
    '{"a":' * 2000 + "1" + "}" * 2000,
    "{",
]
# U+0000 thrice: PostgreSQL refuses it where SQLite stores it, a difference to find.
BAD_CHARACTERS = [
    "\x00",
    "\x00",
    "\x00",
    "\x01",
    "\x1f",
    "\x7f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
    "\x85",
]
BAD_CHARACTERS += ["\u2028", "\U0001f600", "%", "%00", "&", "=", "+", "<", "]]>", "\\", "'", '"']
HOSTILE_TEXT = [
    "",
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "\ufffe\uffff",
    "\ud800",  # a lone surrogate: sent as the bytes Python's surrogatepass makes
    "\U0010ffff",
    "²",
    "٣",
    " ",
    "%00",
    "&=+",
    "<![CDATA[",
    "../../",
    "9999-12-31T23:59:59-01:00",
    *DOCUMENTS,
    *ARNS,
]
# Values of the wrong form for a member's type, by type.
WRONG = {
    "integer": ["0", "-1", "2147483648", "1e3", "NaN", "١", "99999999999999999999999", " 5", "1_0"],
    "long": ["-9223372036854775809", "9223372036854775808", "0x10", "+7"],
    "boolean": ["TRUE", "False", "yes", "1", ""],
    "timestamp": ["9999-12-31T23:59:59-01:00", "0", "1e400", "-1", "x"],
    "blob": ["not base64!", "=" * 5],
}
VALID_BY_TYPE = {
    "boolean": ["true", "false"],
    "timestamp": ["2026-01-01T00:00:00Z"],
    "blob": ["", "AAAA"],
}
LENGTHS = [63, 64, 65, 128, 129, 226, 227, 256, 257, 1000, 2048, 2049, 3000, 20000, 140000]

# Values a real client would send, by the model's shape name: the same few names and
# ARNs again and again, so that creates, reads and deletes meet one another.
VALID: dict[str, list[str]] = {
    "arnType": ARNS,
    "ResourceNameType": ["*", *ARNS],
    "serialNumberType": [f"arn:aws:iam::{ACCOUNT}:mfa/{name}" for name in NAMES],
    "policyDocumentType": DOCUMENTS,
    "sessionPolicyDocumentType": DOCUMENTS,
    "unrestrictedSessionPolicyDocumentType": DOCUMENTS,
    "pathType": ["/", "/a/", "/a/b/"],
    "pathPrefixType": ["/", "/a"],
    "policyPathType": ["/", "/a/"],
    "policyVersionIdType": ["v1", "v2", "v3", "v6"],
    "roleSessionNameType": ["s1", "session"],
    # Never the key the fuzzer signs with: deactivating it is allowed, and ends the run.
    "accessKeyIdType": ["AKIAAAAAAAAAAAAAAAAA"],
    "tagKeyType": ["k", "K", "Team"],
    "tagValueType": ["", "v"],
    "ActionNameType": ["iam:GetUser", "s3:GetObject", "sts:AssumeRole", "*", "iam:*"],
    "ContextKeyNameType": ["aws:username", "aws:CurrentTime", "aws:SourceIp", "aws:TagKeys"],
    "ContextKeyValueType": ["1", "10.0.0.1", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00"],
    "authenticationCodeType": ["123456", "000000"],
    "tokenCodeType": ["123456"],
    "OpenIDConnectProviderUrlType": ["https://example.com", "https://example.com/a"],
    "urlType": ["https://example.com"],
    "thumbprintType": ["a" * 40, "0" * 40],
    "clientIDType": ["c1", "sts.amazonaws.com"],
    "accountAliasType": ["my-alias", "abc"],
    "serviceName": ["codecommit.amazonaws.com", "cassandra.amazonaws.com"],
    "passwordType": ["Corr3ct-Horse-Battery!", "short"],
    "markerType": ["YQ==", "1", "MTA=", "MTox"],
    "certificateIdType": ["C" * 24],
    "publicKeyIdType": ["APKA" + "A" * 17],
    "serviceSpecificCredentialId": ["ACCA" + "A" * 17],
    "privateKeyIdType": ["A" * 22],
    "externalIdType": ["ext-id"],
    "sourceIdentityType": ["src"],
}
NAME_SHAPES = (
    "userNameType",
    "existingUserNameType",
    "groupNameType",
    "roleNameType",
    "policyNameType",
    "instanceProfileNameType",
    "serverCertificateNameType",
    "SAMLProviderNameType",
    "virtualMFADeviceName",
    "AttachmentName",
    "customSuffixType",
)
VALID.update({shape: NAMES for shape in NAME_SHAPES})

texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=24)
long_texts = st.builds(lambda n, c: c * n, st.sampled_from(LENGTHS), st.sampled_from(["a", "/"]))
hostile = st.one_of(texts, st.sampled_from(HOSTILE_TEXT), long_texts)


def scalar(shape: Shape, *, hostile_too: bool) -> st.SearchStrategy[str]:
    """A value for a scalar member: what a client would send, or now and then hostile."""
    valid = valid_value(shape)
    if not hostile_too:
        return valid
    wrong = st.sampled_from(WRONG[shape.type_name]) if shape.type_name in WRONG else hostile
    bad = corrupted(valid)
    return st.one_of(valid, valid, bad, bad, bad, wrong, hostile)


def repeat(text: str, times: int) -> str:
    """``text`` over and over, to 200,000 characters: past every limit of the model, yet
    within the server's body limit (`tests/server/test_http_edge.py` goes past that)."""
    return text * min(times, MAX_VALUE // max(len(text), 1))


def corrupted(valid: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """A valid value with a bad character put in it, or repeated past any length limit:
    what gets past a check of the value's form and reaches the store or the answer."""
    spliced = st.builds(
        lambda text, bad, at: text[: at % (len(text) + 1)] + bad + text[at % (len(text) + 1) :],
        valid,
        st.sampled_from(BAD_CHARACTERS),
        st.integers(0, 10_000),
    )
    repeated = st.builds(repeat, valid, st.sampled_from([40, 400, 4000]))
    return st.one_of(spliced, spliced, repeated)


def valid_value(shape: Shape) -> st.SearchStrategy[str]:
    """A value of the member's type within its model's constraints (as far as we can)."""
    kind = shape.type_name
    low, high = shape.metadata.get("min", 0), shape.metadata.get("max")
    enum = getattr(shape, "enum", None)
    if enum:
        return st.sampled_from(list(enum))
    if kind in ("integer", "long", "float", "double"):
        return st.integers(low or -1000, high if high is not None else 100000).map(str)
    if kind in VALID_BY_TYPE:
        return st.sampled_from(VALID_BY_TYPE[kind])
    fitting = [text for text in VALID.get(shape.name, []) if low <= len(text) <= (high or 10**9)]
    if fitting:
        return st.sampled_from(fitting)
    pattern = shape.metadata.get("pattern")
    if pattern and low <= 3:
        matching = st.from_regex(compile_java_pattern(pattern), fullmatch=True)
        return matching.filter(lambda text: low <= len(text) <= (high or 1000))
    return st.text(
        st.characters(codec="utf-8"), min_size=min(low, 40), max_size=min(high or 40, 40)
    )


Fields = list[tuple[str, str]]
INDICES = st.one_of(st.integers(1, 4).map(str), st.sampled_from(["0", "01", "-1", "x", "1.5"]))


def join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix and key else prefix or key


def numbered(
    element: st.SearchStrategy[Any], *, hostile_too: bool, min_size: int = 0
) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Elements numbered 1, 2, …; now and then repeated, out of order or misnumbered."""
    in_order = st.lists(element, min_size=min(min_size, 5), max_size=5).map(
        lambda items: [(str(index), item) for index, item in enumerate(items, 1)]
    )
    if not hostile_too:
        return in_order
    misnumbered = st.lists(st.tuples(INDICES, element), max_size=5)
    return st.one_of(in_order, in_order, in_order, misnumbered)


def optional(fields: st.SearchStrategy[Fields], is_optional: bool) -> st.SearchStrategy[Fields]:
    """A required member is always sent; an optional one half the time."""
    return st.one_of(st.just([]), fields) if is_optional else fields


@functools.cache
def fields_of(
    shape: Shape, prefix: str, depth: int, hostile_too: bool
) -> st.SearchStrategy[Fields]:
    """The Query fields botocore would write for ``shape`` under ``prefix``, or worse."""
    if depth > MAX_DEPTH:
        return st.just([])
    kind = shape.type_name
    if kind == "structure":
        required = set(shape.required_members)
        members = [
            optional(
                fields_of(member, join(prefix, name), depth + 1, hostile_too), name not in required
            )
            for name, member in shape.members.items()
        ]
        return st.tuples(*members).map(lambda parts: [field for part in parts for field in part])
    if kind == "list":
        element = fields_of(shape.member, "", depth + 1, hostile_too)
        at_least = shape.metadata.get("min", 0)
        return numbered(element, hostile_too=hostile_too, min_size=at_least).map(
            lambda items: list_fields(prefix, items)
        )
    if kind == "map":
        key, value = (
            scalar(shape.key, hostile_too=hostile_too),
            scalar(shape.value, hostile_too=hostile_too),
        )
        return numbered(st.tuples(key, value), hostile_too=hostile_too).map(
            lambda items: map_fields(prefix, items)
        )
    return scalar(shape, hostile_too=hostile_too).map(lambda value: [(prefix, value)])


def list_fields(prefix: str, items: list[tuple[str, Fields]]) -> Fields:
    """List elements as ``Name.member.N…`` fields; no element at all is ``Name=``."""
    fields = [
        (join(join(prefix, f"member.{index}"), key), value)
        for index, element in items
        for key, value in element
    ]
    return fields or [(prefix, "")]


def map_fields(prefix: str, items: list[tuple[str, tuple[str, str]]]) -> Fields:
    """Map entries as ``Name.entry.N.key`` and ``Name.entry.N.value`` fields."""
    return [
        (join(prefix, f"entry.{index}.{part}"), text)
        for index, (key, value) in items
        for part, text in (("key", key), ("value", value))
    ]


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, Fields]:
    """(service, HTTP method, fields) of one hostile request."""
    operation = draw(st.sampled_from(IMPLEMENTED))
    service = operation.service_model.service_name
    head = [("Action", operation.name), ("Version", operation.service_model.api_version)]
    # Half the requests are what a client would send, so that the operations themselves
    # run; the other half carry hostile values, misnumbered members and junk fields.
    hostile_too = draw(st.booleans())
    shape = operation.input_shape
    fields = draw(fields_of(shape, "", 0, hostile_too)) if shape else []
    junk = draw(st.lists(st.tuples(hostile, hostile), max_size=2)) if hostile_too else []
    order = draw(st.permutations(head + fields + junk))
    method = draw(st.sampled_from(["POST", "POST", "POST", "GET"]))
    return service, method, list(order)


# --- sending and judging -----------------------------------------------------------------


def encode(fields: Fields) -> bytes:
    def part(text: str) -> str:
        return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")

    return "&".join(f"{part(name)}={part(value)}" for name, value in fields).encode("ascii")


def send(
    server: IamdServer, root: RootCredential, service: str, method: str, body: bytes
) -> tuple[int, bytes]:
    # A request line past uvicorn's limit (h11: 16 KiB with the headers) is refused by
    # the HTTP layer before iamd sees it, as any front end would; long input is POSTed.
    if method == "GET" and len(body) < MAX_QUERY_STRING:
        return send_signed(server, root, b"", service=service, method="GET", query=body.decode())
    return send_signed(server, root, body, service=service)


def judge(status: int, body: bytes) -> None:
    """A 2xx is an operation's XML answer, a 4xx AWS's error envelope; a 5xx is a bug."""
    assert status < 500, body[:2000]
    document = ElementTree.fromstring(body)  # well-formed XML 1.0, or this raises
    assert XML_NAMESPACE.match(document.tag), document.tag
    if status >= 400:
        assert document.tag.endswith("}ErrorResponse"), body[:500]
        error = document.find("{*}Error")
        assert error is not None and error.findtext("{*}Code"), body[:500]
        assert error.findtext("{*}Type") in ("Sender", "Receiver"), body[:500]
        event(f"{status} {error.findtext('{*}Code')}")  # --hypothesis-show-statistics
    else:
        assert document.tag.endswith("Response"), body[:500]
        event(f"{status} {document.tag.rpartition('}')[2]}")


# A failing example can hold 140,000 characters; Hypothesis warns before printing it.
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(
    max_examples=EXAMPLES,
    derandomize=DERANDOMIZE,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(request=requests())
def test_any_request_gets_aws_xml_and_the_server_keeps_serving(
    fuzzed: IamdServer, root: RootCredential, request: tuple[str, str, Fields]
) -> None:
    service, method, fields = request
    judge(*send(fuzzed, root, service, method, encode(fields)))
    status, body = send(fuzzed, root, "iam", "POST", b"Action=GetUser&Version=2010-05-08")
    assert status == 200, body
