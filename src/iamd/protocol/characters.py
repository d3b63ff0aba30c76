"""The characters a Query value may hold: those XML 1.0 can carry.

Every value iamd accepts may come back in an XML answer, and XML 1.0 cannot carry
U+0000–U+0008, U+000B, U+000C, U+000E–U+001F, U+FFFE, U+FFFF or lone surrogates,
not even as character references. PostgreSQL refuses U+0000 in text, a subset. So a
request value holding any of them is refused once, here, whatever the backend; and
text the server writes itself (an error message quoting the request) has them
replaced.
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
