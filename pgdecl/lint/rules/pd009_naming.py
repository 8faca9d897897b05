"""PD009 naming: an identifier that is not snake_case, or that is a reserved SQL word.

PostgreSQL folds unquoted names to lower case, so `UserId` (or a quoted `"UserId"`) must be
written in double quotes in every query, and a name with spaces or dashes too; a reserved word
(`user`, `order`, `group`, `limit`, ...) must be quoted as well. Names checked: schemas, tables,
columns, views, sequences, enums, domains, functions, and named indexes, constraints, checks,
triggers and policies. Use lower case letters, digits and underscores, starting with a letter or
underscore (`order` -> `sort_order`, `user` -> `user_id` or `account`).

Bad:

```yaml
tables:
  UserAccounts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      order: integer
```

Good:

```yaml
tables:
  user_accounts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      sort_order: integer
```
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ..core import Context, Hit, rule
from ...model import Node, split_name

_SNAKE = re.compile(r"^[a-z_][a-z0-9_]*$")


def snake(name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    s = re.sub(r"[^A-Za-z0-9_]+", "_", s).strip("_").lower()
    return s if s and not s[0].isdigit() else f"_{s}"


@lru_cache(maxsize=16384)
def problem(name: str) -> str | None:
    if not _SNAKE.match(name):
        return f"{name!r} is not snake_case: it must be double-quoted in every query; use {snake(name)}"
    if name in _reserved():
        return f"{name!r} is a reserved SQL word: it must be double-quoted in every query"
    return None


@lru_cache(maxsize=1)
def _reserved() -> frozenset[str]:
    """pglast's reserved and type-function-name keywords. pglast.keywords is a plain data module, but
    importing it imports all of pglast (0.04 s, a twentieth of a lint run): when pglast is not loaded
    yet, the module's file is read on its own."""
    module: Any = sys.modules.get("pglast.keywords")
    if module is None:
        try:
            found = importlib.util.find_spec("pglast")  # finds the package without importing it
            assert found is not None and found.submodule_search_locations
            path = Path(list(found.submodule_search_locations)[0]) / "keywords.py"
            spec = importlib.util.spec_from_file_location("pgdecl._pglast_keywords", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception:  # noqa: BLE001 - any surprise: the ordinary import
            module = importlib.import_module("pglast.keywords")
    return frozenset(module.RESERVED_KEYWORDS) | frozenset(module.TYPE_FUNC_NAME_KEYWORDS)


@rule("PD009", "naming", "warning",
      summary="identifier that needs quoting (not snake_case, or a reserved word)",
      fix="rename to a lower-case snake_case name that is not a reserved word")
def check(ctx: Context) -> Iterator[Hit]:
    p = ctx.project

    def hit(name: str, owners: tuple[Node, ...], label: str) -> Iterator[Hit]:
        why = problem(name)
        if why:
            yield Hit(why, owners, label)

    seen_schemas: set[str] = set()
    for kind, label in (("tables", "table"), ("views", "view"), ("sequences", "sequence"), ("enums", "enum"),
                        ("domains", "domain"), ("functions", "function")):
        for qname, obj in sorted(getattr(p, kind).items()):
            schema, bare = split_name(qname)
            lab = f"{label} {ctx.display(qname)}"
            if schema not in seen_schemas and schema not in p.schemas:
                seen_schemas.add(schema)
                yield from hit(schema, (obj,), lab)
            yield from hit(bare, (obj,), lab)
    for sname, schema_obj in sorted(p.schemas.items()):
        yield from hit(sname, (schema_obj,), f"schema {sname}")
    for t in ctx.tables():
        tb = t.table
        for cname, col in tb.columns.items():
            yield from hit(cname, (col, tb), t.child("column", cname))
        for k in t.keys:
            if getattr(k.owners[0], "name", None):
                yield from hit(k.name, k.owners, k.label)
        for fk in tb.foreign_keys:
            if fk.name:
                yield from hit(fk.name, (fk, tb), t.child("foreign key", fk.name))
        for cname in tb.checks:
            yield from hit(cname, (tb,), t.child("check", cname))
        for name, trig in tb.triggers.items():
            yield from hit(name, (trig, tb), t.child("trigger", name))
        for name, pol in tb.policies.items():
            yield from hit(name, (pol, tb), t.child("policy", name))
