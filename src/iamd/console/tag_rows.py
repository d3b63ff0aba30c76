"""Tags as a form edits them: rows of key and value, an "Add another tag" button.

In: the form's ``tag_key``/``tag_value`` fields (blank rows dropped). Out: the tags as
``[key, value]`` pairs, the problem with them in words (checked as the API's Tag…
operation would check them, before anything is called), and how many rows to show.
"""

from __future__ import annotations

from iamd.console.actions import check_input
from iamd.console.forms import Fields, whole_number
from iamd.errors import ServiceError

MAX_TAGS = 50  # AWS's tags per IAM entity
MAX_KEY, MAX_VALUE = 128, 256
WORDS = (
    f"Tag keys can have up to {MAX_KEY} characters and values up to {MAX_VALUE}: "
    "letters, digits, spaces and _.:/=+-@"
)


def read_tags(form: Fields) -> list[list[str]]:
    rows = zip(form.getlist("tag_key"), form.getlist("tag_value"), strict=False)
    return [[key.strip(), value] for key, value in rows if key.strip() or value]


# What the Tag… operation's entity member holds while the entity does not exist yet.
_STAND_INS = {"name": "x", "arn": "arn:aws:iam::123456789012:policy/x"}


def tag_problem(
    tags: list[list[str]], operation: str, member: str, ident: str | None = None
) -> str | None:
    """What is wrong with the tags, for ``operation`` (e.g. TagRole, RoleName); None: fine."""
    keys = [key for key, _ in tags]
    if any(not key for key in keys):
        return "Every tag needs a key."
    if len({key.lower() for key in keys}) != len(keys):
        return "Tag keys must be unique (ignoring case)."
    if len(keys) > MAX_TAGS:
        return f"An entity can have at most {MAX_TAGS} tags; {len(keys)} given."
    if any(len(key) > MAX_KEY for key in keys) or any(len(v) > MAX_VALUE for _, v in tags):
        return WORDS
    try:
        stand_in = _STAND_INS["arn" if member.endswith("Arn") else "name"]
        params = {member: ident or stand_in, "Tags": [{"Key": k, "Value": v} for k, v in tags]}
        check_input(operation, params)
    except ServiceError as error:
        return f"{WORDS}. ({error.message})"
    return None


def row_count(form: Fields, tags: list[list[str]], *, is_same_step: bool) -> int:
    """The rows to show: the tags, one empty row, two after "Add another tag"."""
    extra = 2 if form.get("go") == "add-tag" else 1
    shown = form.get("tag_rows") if is_same_step else ""
    rows = whole_number(shown) or 0
    return min(max(len(tags) + extra, rows + extra - 1, 1), MAX_TAGS)
