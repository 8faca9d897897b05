"""PD001 fk-without-index: a foreign key whose columns are not the leading columns of any index.

PostgreSQL indexes the referenced side (a primary key or unique key) but not the referencing one.
Without an index there, every DELETE or key UPDATE on the parent scans the whole child table (under
a lock), and joins from the parent to its children cannot use an index. An index covers a foreign
key when its leading columns are the key's columns in any order: the primary key, a unique
constraint, or a btree index (a hash index for a one-column key). Leading columns that reference a
unique key of the parent are enough: for `(variant_id, product_id) -> variants(id, product_id)` an
index on `variant_id` finds exactly the referencing rows. A partial index covers it only
when its predicate is `col IS NOT NULL` on key columns: a soft-delete index (`WHERE deleted_at IS
NULL`) misses the rows a cascade must find.

Bad:

```yaml
tables:
  authors:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  posts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      author_id: {type: bigint, nullable: false, references: authors, on_delete: cascade}
```

Good:

```yaml
tables:
  authors:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  posts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      author_id: {type: bigint, nullable: false, references: authors, on_delete: cascade}
    indexes:
      - columns: [author_id]
```
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterator

from ..core import Context, ForeignKeyInfo, Hit, Key, rule


_NOT_NULL = re.compile(r'"?([a-z_][a-z0-9_$]*)"? is not null')


def _not_null_predicate(where: str, columns: tuple[str, ...]) -> bool:
    """`a IS NOT NULL [AND b IS NOT NULL ...]` on the key's columns: every row a key lookup finds matches it."""
    for part in re.split(r"\s+and\s+", where):
        m = _NOT_NULL.fullmatch(part.strip("() "))
        if not m or m.group(1) not in columns:
            return False
    return True


def covers(key: Key, fk: ForeignKeyInfo, target_keys: list[frozenset[str]]) -> bool:
    """Whether an index finds exactly the rows referencing one parent row: its leading columns are the key's
    columns, or some of them whose referenced columns hold a unique key of the parent (then the rest follows)."""
    if key.using not in ("btree", "hash"):
        return False
    if key.where is not None and not _not_null_predicate(key.where, fk.columns):
        return False
    lead: list[str] = []
    for col in key.columns[:len(fk.columns)] if key.using == "btree" else key.columns[:1]:
        if col is None or col not in fk.columns or col in lead:
            break
        lead.append(col)
    if not lead:
        return False
    if len(lead) == len(fk.columns):
        return True
    referenced = {fk.target_columns[fk.columns.index(c)] for c in lead} if len(fk.target_columns) == len(fk.columns) \
        else set()
    return any(k <= referenced for k in target_keys)


@rule("PD001", "fk-without-index", "warning",
      summary="foreign key without an index on its columns",
      fix="add an index whose leading columns are the foreign key's columns")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            target_keys = [frozenset(c for c in k.columns if c) for k in ctx.table(fk.target).keys
                           if k.unique and k.where is None and None not in k.columns] \
                if fk.target in ctx.project.tables else []
            if any(covers(k, fk, target_keys) for k in t.keys):
                continue
            cols = ", ".join(fk.columns)
            partial = [k.name for k in t.keys
                       if k.where is not None and covers(replace(k, where=None), fk, target_keys)]
            why = f" (partial index {partial[0]} does not cover the rows a parent delete must find)" if partial else ""
            yield Hit(f"foreign key ({cols}) -> {ctx.display(fk.target)} has no index on ({cols}){why}: deletes "
                      f"and key updates in {ctx.display(fk.target)} scan {t.label.removeprefix('table ')}",
                      fk.owners, fk.label, f"add to {t.label}: indexes: [{{columns: [{cols}]}}]")
