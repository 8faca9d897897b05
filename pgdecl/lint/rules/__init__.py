"""The lint rules, one per module (`pdNNN_what.py`), each declared with `@rule(...)`."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from ..core import Rule


@lru_cache(maxsize=1)
def _rules() -> tuple[Rule, ...]:
    found: dict[str, Rule] = {}
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{mod.name}")
        for value in vars(module).values():
            if isinstance(value, Rule):
                if value.code in found:
                    raise RuntimeError(f"lint rule code {value.code} is declared twice")
                found[value.code] = value
    return tuple(found[c] for c in sorted(found))


def all_rules() -> list[Rule]:
    """Every rule, by code."""
    return list(_rules())
