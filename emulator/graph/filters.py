"""The OData ``$filter`` subset the Azure CLI sends to Microsoft Graph.

Grammar (left to right, ``and`` binds tighter than ``or``, parentheses group)::

    expr    := conj ("or" conj)*
    conj    := unary ("and" unary)*
    unary   := "(" expr ")" | compare | any | startswith
    compare := NAME ("eq" | "ne") literal
    any     := NAME "/any(" VAR ":" VAR "eq" literal ")"
    startswith := "startswith(" NAME "," literal ")"
    literal := 'text' (with '' for a quote) | true | false | null | a GUID

Properties are matched case-insensitively, string values too (Graph compares directory strings
case-insensitively). A property the entity set does not support answers
``Request_UnsupportedQuery`` as Graph does; malformed text answers ``BadRequest``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Entity = Mapping[str, Any]
Predicate = Callable[[Entity], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<punct>/any\(|[(),:])|(?P<word>[A-Za-z0-9_.@$-]+))"
)


class FilterError(Exception):
    """A ``$filter`` Graph refuses; ``code`` is Graph's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "punct", "word"
    text: str


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise FilterError("BadRequest", f"Invalid filter clause: syntax error at '{text}'.")
        kind = match.lastgroup or "word"
        tokens.append(_Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, entity_name: str, properties: Mapping[str, str]) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0
        self.entity_name = entity_name
        # lower-case name -> "scalar" | "collection"
        self.properties = {name.lower(): kind for name, kind in properties.items()}

    # -- token helpers ---------------------------------------------------------------------
    def _peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def _next(self) -> _Token:
        token = self._peek()
        if token is None:
            raise self._syntax("unexpected end of the clause")
        self.index += 1
        return token

    def _expect(self, text: str) -> None:
        token = self._next()
        if token.text.lower() != text:
            raise self._syntax(f"expected '{text}', found '{token.text}'")

    def _at_word(self, word: str) -> bool:
        token = self._peek()
        return token is not None and token.kind == "word" and token.text.lower() == word

    def _syntax(self, why: str) -> FilterError:
        return FilterError("BadRequest", f"Invalid filter clause: {why}.")

    # -- grammar -----------------------------------------------------------------------------
    def parse(self) -> Predicate:
        if not self.tokens:
            raise self._syntax("the clause is empty")
        predicate = self._expr()
        if self._peek() is not None:
            raise self._syntax(f"unexpected '{self._next().text}'")
        return predicate

    def _expr(self) -> Predicate:
        parts = [self._conj()]
        while self._at_word("or"):
            self.index += 1
            parts.append(self._conj())
        return parts[0] if len(parts) == 1 else (lambda e: any(p(e) for p in parts))

    def _conj(self) -> Predicate:
        parts = [self._unary()]
        while self._at_word("and"):
            self.index += 1
            parts.append(self._unary())
        return parts[0] if len(parts) == 1 else (lambda e: all(p(e) for p in parts))

    def _unary(self) -> Predicate:
        token = self._next()
        if token.text == "(":
            inner = self._expr()
            self._expect(")")
            return inner
        if token.kind != "word":
            raise self._syntax(f"unexpected '{token.text}'")
        if token.text.lower() == "startswith":
            return self._startswith()
        follow = self._peek()
        if follow is not None and follow.text.lower() == "/any(":
            self.index += 1
            return self._any(token.text)
        return self._compare(token.text)

    def _compare(self, name: str) -> Predicate:
        prop = self._property(name, "scalar")
        operator = self._next().text.lower()
        if operator not in {"eq", "ne"}:
            raise FilterError(
                "Request_UnsupportedQuery",
                f"Unsupported query operator '{operator}' for property '{name}' of resource "
                f"'{self.entity_name}'.",
            )
        value = self._literal()
        if operator == "eq":
            return lambda e: _equal(_get(e, prop), value)
        return lambda e: not _equal(_get(e, prop), value)

    def _any(self, name: str) -> Predicate:
        prop = self._property(name, "collection")
        variable = self._next().text
        self._expect(":")
        if self._next().text != variable:
            raise self._syntax(f"the lambda must compare its variable '{variable}'")
        self._expect("eq")
        value = self._literal()
        self._expect(")")
        return lambda e: any(_equal(item, value) for item in _get(e, prop) or [])

    def _startswith(self) -> Predicate:
        self._expect("(")
        prop = self._property(self._next().text, "scalar")
        self._expect(",")
        value = self._literal()
        self._expect(")")
        if not isinstance(value, str):
            raise self._syntax("startswith needs a string")
        prefix = value.lower()
        return lambda e: str(_get(e, prop) or "").lower().startswith(prefix)

    def _property(self, name: str, kind: str) -> str:
        known = self.properties.get(name.lower())
        if known is None or known != kind:
            raise FilterError(
                "Request_UnsupportedQuery",
                f"Unsupported or invalid query filter clause specified for property '{name}' "
                f"of resource '{self.entity_name}'.",
            )
        return name

    def _literal(self) -> Any:
        token = self._next()
        if token.kind == "string":
            return token.text[1:-1].replace("''", "'")
        lowered = token.text.lower()
        if lowered in {"true", "false"}:
            return lowered == "true"
        if lowered == "null":
            return None
        if re.fullmatch(r"[0-9a-fA-F-]{36}", token.text):
            return token.text
        raise self._syntax(f"'{token.text}' is not a literal")


def _get(entity: Entity, name: str) -> Any:
    lowered = name.lower()
    for key, value in entity.items():
        if key.lower() == lowered:
            return value
    return None


def _equal(actual: Any, expected: Any) -> bool:
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    return bool(actual == expected)


def compile_filter(text: str, entity_name: str, properties: Mapping[str, str]) -> Predicate:
    """A predicate for ``$filter`` text over one entity set.

    ``properties`` maps each filterable property to ``"scalar"`` or ``"collection"``.
    Raises ``FilterError`` for text Graph would refuse.
    """
    return _Parser(text, entity_name, properties).parse()
