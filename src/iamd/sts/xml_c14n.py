"""Exclusive XML Canonicalization 1.0 of one element of a document, for XML signatures.

In: the document's bytes, which element to canonicalize (a predicate over the path
of (tag, attributes) from the root to an element) and which of its descendants to
leave out (the enveloped ``ds:Signature``). Out: the canonical UTF-8 bytes that XML
Signature digests and signs.

The standard library's C14N 2.0 writer does the serializing: like exclusive
canonicalization it declares a namespace only where it is visibly used, sorts
attributes and escapes text the same way. This module feeds it only the chosen
element's events, preceded by every namespace in scope at that element (so the
apex declares what it and its descendants use, as the Exclusive XML
Canonicalization apex does), and adds the ``InclusiveNamespaces PrefixList``
prefixes at the apex. The document is read with defusedxml: no DTD, no entities.
Should a document defeat this approximation, the digest simply fails to match:
canonicalization errs towards rejecting a signature, never towards accepting one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from xml.etree.ElementTree import C14NWriterTarget

from defusedxml.ElementTree import DefusedXMLParser

Path = Sequence[tuple[str, dict[str, str]]]
Selector = Callable[[Path], bool]


class _Writer(C14NWriterTarget):
    """C14N 2.0 writer that declares the InclusiveNamespaces prefixes at the apex."""

    def __init__(self, write: Callable[[str], Any], inclusive: dict[str, str], **options: Any):
        super().__init__(write, **options)
        self._inclusive = inclusive
        self._at_apex = True

    def _start(self, tag: str, attrs: Any, new_namespaces: Any, qname_text: Any = None) -> None:
        if self._at_apex:
            new_namespaces.extend((uri, prefix) for prefix, uri in self._inclusive.items())
            self._at_apex = False
        super()._start(tag, attrs, new_namespaces, qname_text)  # type: ignore[misc]


class _Subtree:
    """Parser target: forwards one element's events to the writer, skipping some."""

    def __init__(self, writer: _Writer, select: Selector, skip: Selector) -> None:
        self._writer = writer
        self._select, self._skip = select, skip
        self._path: list[tuple[str, dict[str, str]]] = []
        self._scopes: list[list[tuple[str, str]]] = []
        self._pending: list[tuple[str, str]] = []
        self._apex: int | None = None  # depth of the chosen element while inside it
        self._skipping: int | None = None  # depth of a left-out descendant
        self.found = False

    def start_ns(self, prefix: str, uri: str) -> None:
        self._pending.append((prefix, uri))

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        declared, self._pending = self._pending, []
        self._path.append((tag, attrs))
        self._scopes.append(declared)
        if self._apex is None and not self.found and self._select(self._path):
            self._apex, self.found = len(self._path), True
            declared = list(self._in_scope().items())
        elif self._apex is None or self._skipping is not None:
            return
        elif self._skip(self._path):
            self._skipping = len(self._path)
            return
        for prefix, uri in declared:
            self._writer.start_ns(prefix, uri)
        self._writer.start(tag, attrs)

    def end(self, tag: str) -> None:
        depth = len(self._path)
        self._path.pop()
        self._scopes.pop()
        if self._skipping is not None:
            self._skipping = None if depth == self._skipping else self._skipping
            return
        if self._apex is not None:
            self._writer.end(tag)
            self._apex = None if depth == self._apex else self._apex

    def data(self, text: str) -> None:
        if self._apex is not None and self._skipping is None:
            self._writer.data(text)

    def comment(self, text: str) -> None:
        if self._apex is not None and self._skipping is None:
            self._writer.comment(text)

    def pi(self, target: str, data: str) -> None:
        if self._apex is not None and self._skipping is None:
            self._writer.pi(target, data)

    def close(self) -> None:
        return None

    def _in_scope(self) -> dict[str, str]:
        scope: dict[str, str] = {}
        for declared in self._scopes:
            scope.update(dict(declared))
        return scope


def canonicalize(
    document: bytes,
    select: Selector,
    *,
    skip: Selector = lambda path: False,
    inclusive_prefixes: Sequence[str] = (),
    with_comments: bool = False,
) -> bytes | None:
    """The exclusive canonical form of the first element `select` picks; None if none."""
    parts: list[str] = []
    inclusive = _inclusive_namespaces(document, select, inclusive_prefixes)
    writer = _Writer(parts.append, inclusive, with_comments=with_comments)
    target = _Subtree(writer, select, skip)
    parser = DefusedXMLParser(target=target, forbid_dtd=True)
    parser.feed(document)
    parser.close()
    return "".join(parts).encode("utf-8") if target.found else None


def _inclusive_namespaces(
    document: bytes, select: Selector, prefixes: Sequence[str]
) -> dict[str, str]:
    """The PrefixList namespaces in scope at the chosen element ('#default' for xmlns)."""
    if not prefixes:
        return {}
    scope = _Scope(select)
    parser = DefusedXMLParser(target=scope, forbid_dtd=True)
    parser.feed(document)
    parser.close()
    wanted = {"" if prefix == "#default" else prefix for prefix in prefixes}
    return {prefix: uri for prefix, uri in scope.namespaces.items() if prefix in wanted}


class _Scope:
    """Parser target: the namespaces in scope at the first element `select` picks."""

    def __init__(self, select: Selector) -> None:
        self._select = select
        self._path: list[tuple[str, dict[str, str]]] = []
        self._scopes: list[list[tuple[str, str]]] = []
        self._pending: list[tuple[str, str]] = []
        self.namespaces: dict[str, str] = {}
        self._done = False

    def start_ns(self, prefix: str, uri: str) -> None:
        self._pending.append((prefix, uri))

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self._path.append((tag, attrs))
        self._scopes.append(self._pending)
        self._pending = []
        if not self._done and self._select(self._path):
            self._done = True
            for declared in self._scopes:
                self.namespaces.update(dict(declared))

    def end(self, tag: str) -> None:
        self._path.pop()
        self._scopes.pop()

    def close(self) -> None:
        return None
