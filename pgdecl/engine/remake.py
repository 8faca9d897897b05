"""What kind modules share: objects PostgreSQL cannot alter in place, compared by key; the relation a
quoted name stands for; what a plan drops."""

from __future__ import annotations

from typing import Any, Callable

from ..render import literal
from .describe import describe
from .ops import RELATION, ObjectId

Object = dict[str, Any]


def drop_create(live: dict[str, Object], desired: dict[str, Object], drop: Callable[[Object], str],
                create: Callable[[Object], list[str]], comment_on: Callable[[Object], str]) -> list[str]:
    """Statements from `live` to `desired` objects keyed alike: a gone one dropped, a new one created,
    a changed one dropped and created again, or only commented when its `comment` alone changes.
    `comment_on(o)` is the target of `COMMENT ON <target> IS ...`."""
    out: list[str] = []
    for key in sorted(set(live) | set(desired)):
        have, want = live.get(key), desired.get(key)
        if want is None and have is not None:
            out.append(drop(have))
        elif have is None and want is not None:
            out += create(want)
        elif have is not None and want is not None and have != want:
            if {k: v for k, v in have.items() if k != "comment"} != {k: v for k, v in want.items() if k != "comment"}:
                out += [drop(have), *create(want)]
            else:
                text = "NULL" if want["comment"] is None else literal(want["comment"])
                out.append(f"COMMENT ON {comment_on(want)} IS {text}")
    return out


def relation(quoted: str) -> ObjectId:
    """The relation of a quoted `schema.name` (as the kinds' catalog queries write it)."""
    schema, _, name = quoted.partition(".")
    return ObjectId(RELATION, _unquote(schema), _unquote(name))


def _unquote(part: str) -> str:
    return part[1:-1].replace('""', '"') if part.startswith('"') else part


def dropped(planned: list[str]) -> set[ObjectId]:
    """The objects (relations, columns, ...) the statements planned so far drop."""
    return {x for text in planned if text.lstrip()[:5].upper() in ("DROP ", "ALTER") for x in describe(text).removes}
