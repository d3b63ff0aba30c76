"""The add-user wizard's state and its generated passwords."""

from __future__ import annotations

from iamd.auth.passwords import PasswordPolicy, character_kinds, policy_violations
from iamd.console.new_user import CHANGE_PASSWORD_POLICY, NewUser, generate_password

STRICTEST = PasswordPolicy(
    minimum_length=20,
    require_symbols=True,
    require_numbers=True,
    require_uppercase=True,
    require_lowercase=True,
)


def test_generated_passwords_meet_any_policy_up_to_twenty_characters() -> None:
    for _ in range(200):
        password = generate_password()
        assert len(character_kinds(password)) == 4
        assert policy_violations(STRICTEST, password) == []
    assert len({generate_password() for _ in range(50)}) == 50


def test_a_required_reset_brings_the_change_password_policy() -> None:
    new = NewUser(user_name="a", console_access=True, require_reset=True, permission_mode="group")
    assert new.policies_to_attach() == [CHANGE_PASSWORD_POLICY]
    new.require_reset = False
    assert new.policies_to_attach() == []


def test_chosen_policies_count_only_when_attaching() -> None:
    new = NewUser(policies=["arn:aws:iam::aws:policy/ReadOnlyAccess"], permission_mode="group")
    assert new.policies_to_attach() == []
    new.permission_mode = "attach"
    assert new.policies_to_attach() == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]


def test_state_round_trips_and_ignores_unknown_members() -> None:
    new = NewUser(user_name="admin", groups=["admins"], tags=[["team", "a"]])
    assert NewUser.from_state({**new.as_state(), "injected": True}) == new
    assert NewUser.from_state(None) == NewUser()
