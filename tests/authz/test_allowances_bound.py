"""The remembered allowances of the whole process stay within one bound.

Accounts and users can be made at will and a caller may name any resource, so the
memo's bound is the process's, not each principal's; and an entry is found only for
the very policy set it was decided from.
"""

from __future__ import annotations

import pytest

from iamd.auth.caller import root_caller
from iamd.authz import allowances
from iamd.authz.principal_policies import PrincipalPolicies, principal_of
from iamd.policy import Decision, RequestContext, compile_policy, decide, parse_policy

ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
CALLER = root_caller("123456789012", access_key_id=None, partition="aws")


def _allowance(policies: PrincipalPolicies, arn: str) -> Decision:
    request = RequestContext(principal_of(CALLER), "iam:GetUser", arn)
    decision = decide(request, identity=policies.identity)
    assert decision.allowed
    return decision


def test_many_principals_naming_many_resources_stay_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(allowances, "MAX_REMEMBERED", 5)
    monkeypatch.setattr(allowances, "_remembered", {})
    policy = compile_policy(parse_policy(ALLOW_ALL), policy_id="p")
    for n in range(40):
        policies = PrincipalPolicies((policy,), None, ())  # a principal of its own
        arn = f"arn:aws:iam::123456789012:user/u{n}"
        decision = _allowance(policies, arn)
        allowances.remember(policies, CALLER, "iam:GetUser", arn, decision)
        assert allowances.remembered(policies, CALLER, "iam:GetUser", arn) is decision
        assert allowances.remembered_count() <= 5


def test_an_allowance_is_found_only_for_its_own_policy_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(allowances, "_remembered", {})
    policy = compile_policy(parse_policy(ALLOW_ALL), policy_id="p")
    first, rebuilt = PrincipalPolicies((policy,), None, ()), PrincipalPolicies((policy,), None, ())
    arn = "arn:aws:iam::123456789012:user/a"
    allowances.remember(first, CALLER, "iam:GetUser", arn, _allowance(first, arn))
    assert allowances.remembered(first, CALLER, "iam:GetUser", arn) is not None
    assert allowances.remembered(rebuilt, CALLER, "iam:GetUser", arn) is None


def test_one_allowance_stands_for_every_resource_when_no_statement_names_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(allowances, "_remembered", {})
    everything = PrincipalPolicies(
        (compile_policy(parse_policy(ALLOW_ALL), policy_id="p"),), None, ()
    )
    first, other = "arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:user/b"
    decision = _allowance(everything, first)
    allowances.remember(everything, CALLER, "iam:GetUser", first, decision)
    assert allowances.remembered(everything, CALLER, "iam:GetUser", other) is decision
    assert allowances.remembered(everything, CALLER, "iam:ListUsers", other) is None
    assert allowances.remembered_count() == 1


def test_an_allowance_of_named_resources_is_for_its_resource_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(allowances, "_remembered", {})
    named = ALLOW_ALL.replace('"Resource":"*"', '"Resource":"arn:aws:iam::*:user/*"')
    users = PrincipalPolicies((compile_policy(parse_policy(named), policy_id="p"),), None, ())
    first, other = "arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:user/b"
    allowances.remember(users, CALLER, "iam:GetUser", first, _allowance(users, first))
    assert allowances.remembered(users, CALLER, "iam:GetUser", first) is not None
    assert allowances.remembered(users, CALLER, "iam:GetUser", other) is None
