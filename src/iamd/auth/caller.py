"""Who is calling: the principal an authenticated request acts as."""

from __future__ import annotations

from dataclasses import dataclass, field

from iamd.arn import root_arn


@dataclass(frozen=True)
class Caller:
    """An authenticated principal.

    ``kind`` is "root", "user", "assumed-role" or "federated-user"; ``user_id`` is
    what GetCallerIdentity reports as UserId (the account id for root, AIDA… for a
    user, AROA…:session for a role session).
    """

    account_id: str
    kind: str
    arn: str
    user_id: str
    name: str | None = None
    access_key_id: str | None = None
    partition: str = "aws"
    entity_id: str | None = None  # the user's or role's id in the store
    tags: tuple[tuple[str, str], ...] = field(default=())

    @property
    def is_root(self) -> bool:
        return self.kind == "root"

    @property
    def is_user(self) -> bool:
        return self.kind == "user"


def root_caller(account_id: str, *, access_key_id: str | None, partition: str) -> Caller:
    return Caller(
        account_id=account_id,
        kind="root",
        arn=root_arn(account_id, partition=partition),
        user_id=account_id,
        access_key_id=access_key_id,
        partition=partition,
    )
