"""The scope-down layers of a session (GetScopedCredentials), compiled for decisions.

In: the caller, whose session may carry ``scope_texts``. Out: one compiled policy per
layer, in the order they were added; `iamd.policy.decide` requires each to allow.
"""

from __future__ import annotations

from functools import lru_cache

from iamd.auth.caller import Caller
from iamd.policy import Policy, compile_policy, parse_policy

MAX_LAYERS = 3  # AWS: at most three scope-down policies per session


def is_scoped(caller: Caller) -> bool:
    return caller.session is not None and bool(caller.session.scope_texts)


def scope_policies(caller: Caller) -> tuple[Policy, ...]:
    if caller.session is None:
        return ()
    return tuple(_compiled(text, layer) for layer, text in enumerate(caller.session.scope_texts, 1))


@lru_cache(maxsize=1024)
def _compiled(text: str, layer: int) -> Policy:
    policy_id = f"scope-down-{layer}"
    return compile_policy(parse_policy(text), policy_id=policy_id, policy_type="Session Policy")
