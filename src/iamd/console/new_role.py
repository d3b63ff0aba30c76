"""The "Create role" wizard's state and the calls that make the role it describes.

Steps: "trust" (the trusted entity), "permissions" (policies and a boundary),
"details" (name, description, tags, and a review of it all). `NewRole` is what the
steps fill in; `create_role` makes AWS's console's calls as the signed-in principal,
all or nothing: CreateRole, AttachRolePolicy for each policy, and for a role EC2
assumes an instance profile of the same name holding it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from iamd.console.actions import Actor
from iamd.console.trust_policies import CUSTOM_TEMPLATE, TrustChoice, trust_policy
from iamd.console.trusted_services import UseCase, use_case

STEPS = ("trust", "permissions", "details")
MAX_ROLE_POLICIES = 10  # AWS's default quota of managed policies per role


@dataclass
class NewRole:
    entity_type: str = "service"
    use_case: str = ""
    service_q: str = ""
    other_account: str = ""
    is_other_account: bool = False
    require_external_id: bool = False
    external_id: str = ""
    require_mfa: bool = False
    web_provider: str = ""
    audience: str = ""
    saml_provider: str = ""
    saml_console: bool = True
    saml_attribute: str = "SAML:sub_type"
    saml_value: str = ""
    custom: str = CUSTOM_TEMPLATE
    policies: list[str] = field(default_factory=list)
    boundary: str = ""
    role_name: str = ""
    description: str = ""
    tags: list[list[str]] = field(default_factory=list)
    picked_case: str = ""  # the use case whose policies were last preselected

    def as_state(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_state(cls, state: dict[str, Any] | None) -> NewRole:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (state or {}).items() if k in known})

    @property
    def case(self) -> UseCase | None:
        return use_case(self.use_case) if self.entity_type == "service" else None

    def choice(self, account_id: str) -> TrustChoice:
        return TrustChoice(
            entity_type=self.entity_type,
            account_id=account_id,
            use_case=self.use_case,
            other_account=self.other_account if self.is_other_account else "",
            external_id=self.external_id if self.require_external_id else "",
            require_mfa=self.require_mfa,
            web_provider=self.web_provider,
            audience=self.audience,
            saml_provider=self.saml_provider,
            saml_console=self.saml_console,
            saml_attribute=self.saml_attribute,
            saml_value=self.saml_value,
            custom=self.custom,
        )

    def trust(self, account_id: str) -> str:
        return trust_policy(self.choice(account_id))

    def preselect(self) -> None:
        """Select the chosen use case's policies once, as AWS's console does."""
        case = self.case
        if case is not None and self.picked_case != case.key:
            self.policies = [*self.policies, *(a for a in case.policies if a not in self.policies)]
            self.picked_case = case.key

    def create_params(self, account_id: str) -> dict[str, Any]:
        params: dict[str, Any] = {
            "RoleName": self.role_name,
            "AssumeRolePolicyDocument": self.trust(account_id),
        }
        if self.description:
            params["Description"] = self.description
        if self.boundary:
            params["PermissionsBoundary"] = self.boundary
        if self.tags:
            params["Tags"] = [{"Key": key, "Value": value} for key, value in self.tags]
        return params


def create_role(act: Actor, new: NewRole) -> None:
    """CreateRole and what the wizard chose, in one savepoint: all of it, or none."""
    with act.conn.begin_nested():
        act("CreateRole", new.create_params(act.caller.account_id))
        for arn in new.policies:
            act("AttachRolePolicy", {"RoleName": new.role_name, "PolicyArn": arn})
        case = new.case
        if case is not None and case.gets_instance_profile:
            act("CreateInstanceProfile", {"InstanceProfileName": new.role_name})
            profile = {"InstanceProfileName": new.role_name, "RoleName": new.role_name}
            act("AddRoleToInstanceProfile", profile)
