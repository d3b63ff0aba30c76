"""Console sign-ins as CloudTrail's ``ConsoleLogin`` events (``signin.amazonaws.com``).

In: who tried (the account; the user or the root user, when the name was theirs),
whether it worked, whether an MFA code was part of it, and why not. Out: a
`Happened` of type ``AwsConsoleSignIn``: ``responseElements`` ``{"ConsoleLogin":
"Success"}`` or ``"Failure"`` (then ``errorMessage`` ``Failed authentication`` and no
errorCode, as AWS writes it), ``additionalEventData`` with ``LoginTo``,
``MobileVersion`` and ``MFAUsed``. A name that is no user of the account is written
as AWS writes it, ``HIDDEN_DUE_TO_SECURITY_REASONS``: people type passwords into the
user name box. iamd's own reason for a refusal goes in ``iamdDecision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from iamd.arn import root_arn
from iamd.audit.events import CONSOLE_SIGN_IN, Happened, event_source
from iamd.audit.reasons import denied_element
from iamd.auth.origin import RequestMeta

HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
FAILED = "Failed authentication"
EVENT_NAME = "ConsoleLogin"
REGION = "us-east-1"


@dataclass(frozen=True)
class SignInAttempt:
    """One attempt to sign in to the console."""

    account_id: str
    when: datetime
    meta: RequestMeta
    login_to: str
    is_root: bool = False
    user_id: str | None = None  # the IAM user the name belongs to, if any
    user_name: str | None = None
    user_arn: str | None = None
    mfa_used: bool = False
    refusal: str | None = None  # None: signed in


def console_login(attempt: SignInAttempt) -> Happened:
    succeeded = attempt.refusal is None
    identity = _identity(attempt)
    outcome = "Success" if succeeded else "Failure"
    return Happened(
        when=attempt.when,
        source=event_source("signin"),
        name=EVENT_NAME,
        region=REGION,
        identity=identity,
        source_ip=attempt.meta.source_ip,
        user_agent=attempt.meta.user_agent,
        request_id="",
        read_only=False,
        accounts=(attempt.account_id,),
        event_type=CONSOLE_SIGN_IN,
        response_elements={EVENT_NAME: outcome},
        error_message=None if succeeded else FAILED,
        additional={
            "LoginTo": attempt.login_to,
            "MobileVersion": "No",
            "MFAUsed": "Yes" if attempt.mfa_used else "No",
        },
        decision=_decision(attempt),
        username="root" if attempt.is_root else identity.get("userName"),
        actor_id=attempt.user_id,
    )


def _identity(attempt: SignInAttempt) -> dict[str, str]:
    account = attempt.account_id
    if attempt.is_root:
        return {
            "type": "Root",
            "principalId": account,
            "arn": root_arn(account),
            "accountId": account,
        }
    if attempt.user_id is None:
        return {"type": "IAMUser", "accountId": account, "accessKeyId": "", "userName": HIDDEN}
    return {
        "type": "IAMUser",
        "principalId": attempt.user_id,
        "arn": attempt.user_arn or "",
        "accountId": account,
        "userName": attempt.user_name or "",
    }


def _decision(attempt: SignInAttempt) -> dict[str, object]:
    if attempt.refusal is not None:
        return denied_element(attempt.refusal)
    return {"decision": "allowed", "evaluations": [], "reason": "password verified"}
