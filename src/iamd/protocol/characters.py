"""The characters a Query value may hold: those XML 1.0 can carry.

Every value iamd accepts may come back in an XML answer, and XML 1.0 cannot carry
U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF or lone surrogates,
not even as character references. PostgreSQL refuses U+0000 in text, a subset. So a
request value holding any of them is refused once, here, whatever the backend; and
text the server writes itself (an error message quoting the request) has them
replaced.

The wording is AWS's shape with iamd's own constraint text, and says so: no record
of what AWS answers for U+0000 (or another of these) in a member the model gives no
pattern (``PolicyArn``, ``PermissionsBoundary``, a ``Marker``) was found, in AWS's
API reference and common errors, the real AWS responses LocalStack's parity tests
recorded (their invalid-character cases are pattern failures of tag keys), or the
issue trackers and code of moto, botocore and LocalStack. So the refusal is
a ValidationError, 400, worded as AWS words a failed constraint ("1 validation error
detected: Value at 'policyArn' failed to satisfy constraint: Member must contain only
characters that XML 1.0 allows"). Where the model's pattern already refuses the
value, the pattern's failure is reported alone, which is what AWS was recorded to
answer. Replace the constraint text if a real answer is ever recorded.
"""

from __future__ import annotations

import re

NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
NOT_XML_CONSTRAINT = "Member must contain only characters that XML 1.0 allows"


def is_xml_text(text: str) -> bool:
    """Whether every character of ``text`` can stand in an XML 1.0 document."""
    return NOT_XML.search(text) is None


def xml_safe(text: str) -> str:
    """``text`` with each character XML 1.0 cannot carry replaced by U+FFFD."""
    return text if is_xml_text(text) else NOT_XML.sub("\ufffd", text)
