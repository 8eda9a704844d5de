"""Just enough SOQL reading for the Salesforce stand-in: regexes, not a parser.

String literals are masked first (same length, contents replaced by ``_``), so a value
such as ``'o\\'brien from sales'`` can never look like a keyword. Every regex runs on the
masked text; literal values are looked up by the offset of their opening quote.
Conditions are found anywhere in the text, sub-selects included: good enough for the few
query shapes the monitor sends, and the stand-in answers anything else with
MALFORMED_QUERY rather than guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

# simple_salesforce.format_soql escapes \ ' " and \n \r \t \b \f with a backslash;
# LIKE patterns add \% and \_ , which unescape to themselves.
_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'", re.DOTALL)
_CONTROL = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
# A datetime literal is unquoted: 2026-11-20T14:55:00Z, with optional fraction and offset.
_DATETIME = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})"
_COMPARE = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def unescape(body: str) -> str:
    """Turn the inside of a SOQL string literal back into the value it stands for."""
    return re.sub(r"\\(.)", lambda m: _CONTROL.get(m.group(1), m.group(1)), body, flags=re.DOTALL)


@dataclass(frozen=True)
class Condition:
    """``field op 'value'`` or ``field [NOT] IN ('a', 'b')`` found in the query."""

    field: str
    operator: str  # "=", "!=" (also for "<>"), "IN" or "NOT IN"
    values: tuple[str, ...]


@dataclass(frozen=True)
class TimeCondition:
    """``field op 2026-11-20T14:55:00Z``: a comparison with a datetime literal."""

    field: str
    operator: str  # "=", "!=", ">", ">=", "<" or "<="
    moment: datetime

    def holds(self, value: datetime) -> bool:
        """Whether ``value`` (the record's field) satisfies the comparison."""
        return _COMPARE[self.operator](value, self.moment)


@dataclass(frozen=True)
class SelectItem:
    """One entry of the SELECT list, e.g. ``COUNT(Id) n`` -> expression + alias."""

    expression: str
    alias: str | None

    @property
    def is_aggregate(self) -> bool:
        return "(" in self.expression


class Soql:
    """A SOQL string with its literals masked, and the few questions the stand-in asks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.literals: dict[int, str] = {}
        masked = []
        position = 0
        for match in _LITERAL.finditer(text):
            masked.append(text[position : match.start()])
            masked.append("'" + "_" * (len(match.group()) - 2) + "'")
            self.literals[match.start()] = unescape(match.group()[1:-1])
            position = match.end()
        masked.append(text[position:])
        self.masked = "".join(masked)

    def _top_level(self, pattern: str) -> list[re.Match[str]]:
        """Matches of ``pattern`` (case-insensitive) outside any parentheses."""
        found = []
        for match in re.finditer(pattern, self.masked, re.IGNORECASE):
            before = self.masked[: match.start()]
            if before.count("(") == before.count(")"):
                found.append(match)
        return found

    def _outer_from(self) -> re.Match[str] | None:
        if not re.match(r"\s*SELECT\b", self.masked, re.IGNORECASE):
            return None
        matches = self._top_level(r"\bFROM\s+(\w+)")
        return matches[0] if matches else None

    @property
    def sobject(self) -> tuple[str, int] | None:
        """The object after the outer FROM, and its offset in the text."""
        match = self._outer_from()
        return None if match is None else (match.group(1), match.start(1))

    @property
    def is_count(self) -> bool:
        """``SELECT COUNT() FROM ...``: the answer is totalSize with no records."""
        return (
            re.match(r"\s*SELECT\s+COUNT\(\s*\)\s+FROM\b", self.masked, re.IGNORECASE) is not None
        )

    @property
    def is_grouped(self) -> bool:
        return bool(self._top_level(r"\bGROUP\s+BY\b"))

    @property
    def select_items(self) -> list[SelectItem]:
        """The outer SELECT list, split on top-level commas, aliases separated."""
        select = re.match(r"\s*SELECT\s+", self.masked, re.IGNORECASE)
        source = self._outer_from()
        if select is None or source is None:
            return []
        end = source.start()
        items, depth, start = [], 0, select.end()
        for index in range(select.end(), end):
            char = self.masked[index]
            depth += (char == "(") - (char == ")")
            if char == "," and depth == 0:
                items.append(self.text[start:index])
                start = index + 1
        items.append(self.text[start:end])
        return [_select_item(item.strip()) for item in items if item.strip()]

    @property
    def conditions(self) -> list[Condition]:
        """Every comparison with a string literal, wherever it appears."""
        found = []
        compare = r"\b(\w+)\s*(!=|<>|=)\s*'"
        for match in re.finditer(compare, self.masked):
            operator = "!=" if match.group(2) == "<>" else match.group(2)
            value = self.literals[match.end() - 1]
            found.append(Condition(match.group(1), operator, (value,)))
        # A semi-join (``IN (SELECT ...)``) is no list of values: skipped.
        listed = r"\b(\w+)\s+(NOT\s+)?IN\s*\((?!\s*SELECT\b)([^()]*)\)"
        for match in re.finditer(listed, self.masked, re.IGNORECASE):
            starts = [match.start(3) + m.start() for m in re.finditer("'", match.group(3))]
            values = tuple(self.literals[s] for s in starts if s in self.literals)
            if values:
                operator = "NOT IN" if match.group(2) else "IN"
                found.append(Condition(match.group(1), operator, values))
        return found

    @property
    def time_conditions(self) -> list[TimeCondition]:
        """Every comparison with a datetime literal (``CreatedDate > 2026-11-20T14:55:00Z``)."""
        compare = rf"\b(\w+)\s*(!=|<>|>=|<=|=|>|<)\s*({_DATETIME})"
        return [
            TimeCondition(
                match.group(1),
                "!=" if match.group(2) == "<>" else match.group(2),
                datetime.fromisoformat(match.group(3)),
            )
            for match in re.finditer(compare, self.masked)
        ]

    @property
    def order_by(self) -> tuple[str, str] | None:
        """(field, "ASC"|"DESC") of a top-level ORDER BY on a plain field."""
        matches = self._top_level(r"\bORDER\s+BY\s+([\w.]+)\b(?!\s*\()(?:\s+(ASC|DESC))?")
        if not matches:
            return None
        return matches[0].group(1), (matches[0].group(2) or "ASC").upper()

    @property
    def limit(self) -> int | None:
        matches = self._top_level(r"\bLIMIT\s+(\d+)")
        return int(matches[-1].group(1)) if matches else None

    @property
    def count_order(self) -> str | None:
        """ "ASC"/"DESC" when the query sorts on an aggregate COUNT(...)."""
        matches = self._top_level(r"\bORDER\s+BY\s+COUNT\([^)]*\)\s*(ASC|DESC)?")
        if not matches:
            return None
        return (matches[0].group(1) or "ASC").upper()

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (row, column) of ``offset``, as Salesforce reports it in errors."""
        row = self.text.count("\n", 0, offset) + 1
        column = offset - (self.text.rfind("\n", 0, offset) + 1) + 1
        return row, column


def _select_item(item: str) -> SelectItem:
    parts = item.rsplit(None, 1)
    is_aliased = len(parts) == 2 and _IDENTIFIER.fullmatch(parts[1]) is not None
    if is_aliased and parts[0].count("(") == parts[0].count(")"):
        return SelectItem(parts[0].strip(), parts[1])
    return SelectItem(item, None)
