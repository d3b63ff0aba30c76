"""Security recommendations: root MFA, root keys, credentials unused for 90 days."""

from __future__ import annotations

from datetime import UTC, datetime

from iamd.console import recommendations

NOW = datetime(2026, 6, 1, tzinfo=UTC)
HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,"
    + ",".join(
        f"access_key_{n}_{field}"
        for n in (1, 2)
        for field in (
            "active",
            "last_rotated",
            "last_used_date",
            "last_used_region",
            "last_used_service",
        )
    )
    + ",cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
)


def _row(user: str, password_used: str, key_used: str) -> str:
    password = f"true,{password_used},2026-01-01T00:00:00+00:00,N/A,false"
    key1 = f"true,2026-01-01T00:00:00+00:00,{key_used},us-east-1,iam"
    key2 = "false,N/A,N/A,N/A,N/A"
    return f"{user},arn,2026-01-01T00:00:00+00:00,{password},{key1},{key2},false,N/A,false,N/A"


def test_root_findings() -> None:
    found = recommendations.for_root(
        {"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1}, is_root=True
    )
    assert [item.is_ok for item in found] == [False, False]
    assert found[0].link == "/iam/my-credentials"
    fine = recommendations.for_root(
        {"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0}, is_root=False
    )
    assert all(item.is_ok and item.link is None for item in fine)


def test_credentials_unused_for_ninety_days() -> None:
    report = "\n".join(
        [
            HEADER,
            _row("<root_account>", "N/A", "N/A"),
            _row("fresh", "2026-05-30T00:00:00+00:00", "2026-05-30T00:00:00+00:00"),
            _row("stale-password", "2026-01-02T00:00:00+00:00", "2026-05-30T00:00:00+00:00"),
            _row("never-used-key", "2026-05-30T00:00:00+00:00", "N/A"),
        ]
    )
    assert recommendations.unused_credentials(report, NOW) == ["stale-password", "never-used-key"]
    assert not recommendations.for_credentials(["a"]).is_ok
    assert recommendations.for_credentials([]).is_ok
