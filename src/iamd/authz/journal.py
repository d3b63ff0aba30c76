"""What authorization decided for one call, kept so the audit trail can say why.

In: every (action, resource) a call was decided on — by `authorize`, or by the
operations that decide for themselves (AssumeRole's trust policy, a federation
token's TagSession) — as an `Evaluation`: how it was decided (`basis`), the policy
engine's `Decision` when the engine decided, and where each policy the decision names
came from (`origins`: a group's inline policy, a managed policy's default version, the
permissions boundary). Out: the call's `Journal`, which only `iamd.audit` reads.

Nothing here takes part in a decision: the journal is written after each one is made,
the same way whether it allows or denies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from iamd.policy import Decision

# How a call was decided, when not (only) by the policy engine.
BY_POLICIES = "policies"
BY_ROOT = "root user"
BY_EVERY_CALLER = "allowed for every authenticated caller"
BY_PASSWORD_POLICY = "password policy allows users to change their own password"
BY_ANONYMITY = "anonymous caller"
BY_SESSION_LIMITS = "limits of temporary credentials"


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a policy named in a decision comes from."""

    kind: str  # "managed", "inline", "permissions boundary", "session policy", "trust policy"
    owner: str | None = None  # "group/devs" for a group's policy; None: the principal's own
    version_id: str | None = None


Origins = Mapping[str, tuple[Origin, ...]]  # by the policy id a `MatchedStatement` carries
NO_ORIGINS: Origins = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Evaluation:
    """One (action, resource) decided for a call."""

    action: str
    resource: str
    allowed: bool
    basis: str = BY_POLICIES
    decision: Decision | None = None
    origins: Origins = field(default_factory=lambda: NO_ORIGINS)


@dataclass
class Journal:
    """The evaluations of one call, in the order they were made."""

    evaluations: list[Evaluation] = field(default_factory=list)

    def add(self, evaluation: Evaluation) -> None:
        self.evaluations.append(evaluation)

    @property
    def allowed(self) -> bool:
        return bool(self.evaluations) and all(e.allowed for e in self.evaluations)
