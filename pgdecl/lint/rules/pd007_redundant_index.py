"""PD007 redundant-index: an index whose columns are a prefix of another index (or key) of the same
method and predicate, or that duplicates another.

A btree index on (a, b) serves every lookup an index on (a) serves, so the shorter one only costs
writes, memory and vacuum time. The primary key and unique constraints count as the longer index.
A unique index is kept unless an identical unique key exists (it enforces something); an index with
INCLUDE columns the longer one lacks is kept (index-only scans). Other methods (gin, gist, ...) are
only compared for exact duplicates.

Bad:

```yaml
tables:
  orders:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      customer_id: {type: bigint, nullable: false}
      created_at: {type: timestamptz, nullable: false}
    indexes:
      - columns: [customer_id]
      - columns: [customer_id, created_at]
```

Good:

```yaml
tables:
  orders:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      customer_id: {type: bigint, nullable: false}
      created_at: {type: timestamptz, nullable: false}
    indexes:
      - columns: [customer_id, created_at]
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, Key, rule


def redundant_to(x: Key, y: Key) -> bool:
    """Whether index x is made redundant by key y (both on the same table)."""
    if x.kind != "index" or x.using != y.using or x.where != y.where:
        return False
    if x.using != "btree":
        return x.elements == y.elements and x.unique <= y.unique and x.include == y.include
    if x.unique:
        return (y.unique and x.elements == y.elements and x.nulls_not_distinct == y.nulls_not_distinct
                and set(x.include) <= set(y.include))
    n = len(x.elements)
    return x.elements == y.elements[:n] and set(x.include) <= set(y.elements) | set(y.include)


@rule("PD007", "redundant-index", "warning",
      summary="index made redundant by another index or key",
      fix="drop the shorter index")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        keys = t.keys
        for i, x in enumerate(keys):
            for j, y in enumerate(keys):
                if i == j or not redundant_to(x, y):
                    continue
                if redundant_to(y, x) and j > i:
                    continue  # exact duplicates: report the later one only
                same = x.elements == y.elements
                what = "duplicates" if same else "is a prefix of"
                yield Hit(f"{x.kind} {x.name} ({', '.join(x.elements)}) {what} {y.kind} {y.name} "
                          f"({', '.join(y.elements)})", x.owners, x.label,
                          f"remove {x.name} from the indexes of {t.label}")
                break
