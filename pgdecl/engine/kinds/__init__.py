"""Per-kind comparers, registered like lint rules: each module of this package names its catalog
query (a `.sql` file in `pgdecl/engine/sql/`), reads its rows into plain data (`read`) and turns the
live and desired data into statements (`compare`). Adding a kind is one module here and one golden
case under tests/cases/plans/.

A kind module defines:
- `NAME`: the key of its data in a side's snapshot;
- `read(conn) -> dict`: its catalog rows, as plain (picklable) data;
- `compare(live, desired, plan) -> list[str]`: the statements from the live to the desired data;
  `plan` holds the statements planned so far (an object the plan creates is compared from nothing).
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Any

import psycopg


def modules() -> list[ModuleType]:
    """Every registered kind module, in name order."""
    return [importlib.import_module(f"{__name__}.{m.name}") for m in sorted(pkgutil.iter_modules(__path__),
                                                                             key=lambda m: m.name)]


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Every kind's data from one database."""
    return {m.NAME: m.read(conn) for m in modules()}


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    """Every kind's statements; a kind a side lacks (say, a snapshot cached before it existed) is
    compared from nothing."""
    out: list[str] = []
    for m in modules():
        out += m.compare(live.get(m.NAME, {}), desired.get(m.NAME, {}), planned)
    return out
