"""Sign-up's checks: an email, an account name, AWS's default password rules."""

from __future__ import annotations

from iamd.console.signup import SignUp, problems_of

GOOD = SignUp("root@example.com", "Corr3ct-Horse!", "Corr3ct-Horse!", "acme")


def test_a_good_form_has_no_problems() -> None:
    assert problems_of(GOOD) == {}


def test_each_field_is_checked() -> None:
    bad = SignUp("not-an-email", "short", "short", "")
    assert set(problems_of(bad)) == {"email", "account_name", "password"}
    mismatch = SignUp(GOOD.email, GOOD.password, "other", GOOD.account_name)
    assert set(problems_of(mismatch)) == {"confirm"}


def test_the_password_may_not_be_the_email() -> None:
    same = SignUp("Ab1!x@ex.com", "Ab1!x@ex.com", "Ab1!x@ex.com", "acme")
    assert "password" in problems_of(same)
