"""Taking SQL text apart: parentheses, top-level lists, index definitions, checks."""

from __future__ import annotations

import re
from dataclasses import dataclass




def _quoted_end(text: str, i: int) -> int:
    """Index of the quote closing the string or identifier opened at `i` (doubled quotes skipped);
    len(text) when it is never closed."""
    ch, j, n = text[i], i + 1, len(text)
    while j < n:
        if text[j] == ch:
            if j + 1 < n and text[j + 1] == ch:
                j += 2
                continue
            break
        j += 1
    return j


def matching_paren(text: str, start: int) -> int:
    """Index of the parenthesis closing the one at `start`, skipping quoted strings and identifiers."""
    assert text[start] == "("
    depth, i, n = 0, start, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"'):
            j = _quoted_end(text, i)
            i = j
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced parentheses in {text!r}")


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split at `sep` outside parentheses, brackets and quotes."""
    parts, depth, cur, i, n = [], 0, [], 0, len(text)
    while i < n:
        ch = text[i]
        if ch in ("'", '"'):
            j = _quoted_end(text, i)
            cur.append(text[i:j + 1])
            i = j + 1
            continue
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
        i += 1
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def strip_outer_parens(expr: str) -> str:
    """`(a > 0)` -> `a > 0`; `(a) AND (b)` stays as it is."""
    expr = expr.strip()
    while expr.startswith("(") and expr.endswith(")"):
        try:
            if matching_paren(expr, 0) != len(expr) - 1:
                break
        except ValueError:
            break
        inner = expr[1:-1].strip()
        if re.match(r"(?i)(select|with|values|table)\b", inner):
            break  # a scalar subquery keeps its parentheses
        expr = inner
    return expr


@dataclass(frozen=True)
class IndexParts:
    elements: list[str]
    include: list[str]
    nulls_not_distinct: bool
    rest: str            # WITH (...), TABLESPACE, WHERE ... after the element lists


def parse_index(indexdef: str) -> IndexParts | None:
    """Take pg_get_indexdef apart: `... USING method (elements) [INCLUDE (cols)] [NULLS NOT DISTINCT] [rest]`."""
    m = re.search(r" USING [a-z_0-9]+ \(", indexdef)
    if not m:
        return None
    start = m.end() - 1
    try:
        end = matching_paren(indexdef, start)
    except ValueError:
        return None
    elements = split_top_level(indexdef[start + 1:end])
    rest = indexdef[end + 1:]
    include: list[str] = []
    if rest.startswith(" INCLUDE ("):
        s = rest.index("(")
        e = matching_paren(rest, s)
        include = split_top_level(rest[s + 1:e])
        rest = rest[e + 1:]
    nnd = rest.startswith(" NULLS NOT DISTINCT")
    if nnd:
        rest = rest[len(" NULLS NOT DISTINCT"):]
    return IndexParts(elements, include, nnd, rest.strip())


def _truthy(v: str | None) -> bool:
    return v is not None and v.lower() in ("true", "on", "1", "yes")


def _check_expr(definition: str) -> str:
    """`CHECK ((price > 0))` -> `price > 0`."""
    body = definition.strip()
    if body.startswith("CHECK "):
        body = body[len("CHECK "):]
    return strip_outer_parens(body)
