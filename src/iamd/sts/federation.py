"""GetFederationToken: temporary credentials for a federated user, on an IAM user's behalf.

In: ``Name``, the session policies (``Policy``/``PolicyArns``), ``Tags`` and
``DurationSeconds`` (12 h by default, 36 h at most; one hour for the root user).
Out: ``Credentials``, ``FederatedUser`` (``arn:aws:sts::<acct>:federated-user/<name>``,
id ``<acct>:<name>``) and ``PackedPolicySize`` (0 without policies or tags, as AWS).

The federated user may do what both its IAM user's policies and its session
policies allow — nothing at all without a session policy — and never calls IAM or
any STS operation but GetCallerIdentity (`session_limits`). The caller needs
``sts:GetFederationToken`` (checked by `authorize`) and, to pass tags,
``sts:TagSession``.
"""

from __future__ import annotations

from iamd.arn import federated_user_arn
from iamd.auth.caller import FEDERATED_SESSION, Session
from iamd.authz.context_keys import request_keys
from iamd.authz.journal import Evaluation
from iamd.authz.principal_policies import policies_for, principal_of
from iamd.errors import AccessDenied
from iamd.operation import OperationContext, OperationTable, Output, Params
from iamd.policy import RequestContext, decide
from iamd.sts.credentials import Identity, expiry, issue
from iamd.sts.session_policies import packed_policy_size, read_session_policies
from iamd.sts.session_tags import read_session_tags, tag_context
from iamd.sts.session_token import caller_duration


def get_federation_token(ctx: OperationContext, params: Params) -> Output:
    caller = ctx.caller
    name = params["Name"]
    tags = read_session_tags(params, None)
    policies = read_session_policies(ctx.conn, params)
    arn = federated_user_arn(caller.account_id, name, partition=ctx.partition)
    if tags.requested:
        _require_tag_session(ctx, arn, tags.requested)
    packed = packed_policy_size(policies, tags.requested)
    session = Session(
        origin=FEDERATED_SESSION,
        issued_at=ctx.now,
        expires_at=expiry(ctx.now, caller_duration(ctx, params)),
        parent_arn=caller.arn,
        policy_texts=policies.texts,
        policy_arns=policies.arns,
        tags=tags.tags,
    )
    user_id = None if caller.is_root else caller.entity_id
    identity = Identity(caller.account_id, FEDERATED_SESSION, user_id, name)
    return {
        "Credentials": issue(ctx.sealer, identity, session),
        "FederatedUser": {"FederatedUserId": f"{caller.account_id}:{name}", "Arn": arn},
        "PackedPolicySize": packed,
    }


def _require_tag_session(
    ctx: OperationContext, resource: str, tags: tuple[tuple[str, str], ...]
) -> None:
    if ctx.caller.is_root:
        return
    own = policies_for(ctx)
    context = request_keys(ctx, {})
    context.update(tag_context(tags, ()))
    principal = principal_of(ctx.caller, own.tags)
    request = RequestContext(principal, "sts:TagSession", resource, context)
    decision = decide(request, identity=own.identity, boundary=own.boundary)
    ctx.journal.add(
        Evaluation(
            decision.request.action,
            resource,
            decision.allowed,
            decision=decision,
            origins=own.origins,
        )
    )
    if not decision.allowed:
        raise AccessDenied(
            f"User: {ctx.caller.arn} is not authorized to perform: sts:TagSession "
            f"on resource: {resource}"
        )


OPERATIONS: OperationTable = {"GetFederationToken": get_federation_token}
