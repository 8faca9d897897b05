"""The lint rules, one per module (`pdNNN_what.py`), each declared with `@rule(...)`."""

from __future__ import annotations

from functools import lru_cache

from ...registry import declared
from ..core import Rule


@lru_cache(maxsize=1)
def _rules() -> tuple[Rule, ...]:
    found = declared(__name__, __path__, Rule, lambda r: r.code, "lint rule code")
    return tuple(found[c] for c in sorted(found))


def all_rules() -> list[Rule]:
    """Every rule, by code."""
    return list(_rules())
