"""Identifiers as AWS shapes them (`iamd.ids`): prefix, length and alphabet."""

from __future__ import annotations

import re
import string

from iamd import ids

BASE32 = set(string.ascii_uppercase + "234567")


def test_entity_ids_and_access_key_ids_are_upper_case_base32_after_their_prefix() -> None:
    made = [ids.entity_id(ids.USER) for _ in range(2000)]
    assert all(re.fullmatch(r"AIDA[A-Z2-7]{17}", made_id) for made_id in made)
    keys = [ids.access_key_id() for _ in range(2000)]
    assert all(re.fullmatch(r"AKIA[A-Z2-7]{16}", key) for key in keys)
    # every character of the alphabet turns up, in every position (no fixed bits)
    for position in (4, 20):
        assert {made_id[position] for made_id in made} == BASE32
    assert {key[19] for key in keys} == BASE32
    assert len(set(made)) == len(made)


def test_secret_access_keys_are_forty_characters_of_letters_digits_plus_and_slash() -> None:
    secrets = [ids.secret_access_key() for _ in range(2000)]
    assert all(re.fullmatch(r"[A-Za-z0-9+/]{40}", secret) for secret in secrets)
    alphabet = set(string.ascii_letters + string.digits + "+/")
    assert {secret[39] for secret in secrets} == alphabet
    assert {character for secret in secrets for character in secret} == alphabet
