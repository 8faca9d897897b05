"""PD019 citus-fk-not-colocated: a foreign key between two distributed tables (Citus) that does not
join them on their distribution columns, or whose tables are not colocated.

Citus checks a foreign key shard by shard: both tables must be colocated (same colocation group:
`colocate_with`, or Citus's default group of the same distribution column type and shard count) and
the key must map the referencing table's distribution column onto the referenced table's. Anything
else is refused when the plan adds the key.

Bad:

```yaml
tables:
  stores:
    distribution: {column: id, colocate_with: none}
    columns:
      id: {type: bigint, primary_key: true}
  products:
    distribution: {column: id}
    columns:
      id: {type: bigint, primary_key: true}
      store_id: {type: bigint, nullable: false, references: stores, on_delete: cascade}
    indexes:
      - columns: [store_id]
```

Good:

```yaml
tables:
  stores:
    distribution: {column: id}
    columns:
      id: {type: bigint, primary_key: true}
  products:
    distribution: {column: store_id, colocate_with: stores}
    primary_key: [store_id, id]
    columns:
      id: {type: bigint}
      store_id: {type: bigint, nullable: false, references: stores, on_delete: cascade}
```
"""

from __future__ import annotations

from typing import Iterator

from ...citus_spec import colocated
from ..core import Context, Hit, rule


@rule("PD019", "citus-fk-not-colocated", "error",
      summary="a foreign key between distributed tables that are not colocated or not joined on the "
              "distribution column",
      fix="colocate the tables (colocate_with) and include the distribution column in the key")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        d = t.table.distribution
        if d is None:
            continue
        for fk in t.foreign_keys:
            target = ctx.project.tables.get(fk.target)
            if target is None or target.distribution is None:
                continue
            other = target.distribution.column
            pairs = dict(zip(fk.columns, fk.target_columns))
            shown = ctx.display(fk.target)
            if pairs.get(d.column) != other:
                yield Hit(f"the key ({', '.join(fk.columns)}) -> {shown}({', '.join(fk.target_columns)}) does not "
                          f"join distribution column {d.column} to {shown}.{other}", fk.owners, fk.label,
                          f"include {d.column} in the key, referencing {shown}.{other} (a composite key "
                          f"({d.column}, ...) -> {shown}({other}, ...))")
            elif not colocated(ctx.project, t.name, fk.target):
                yield Hit(f"{ctx.display(t.name)} and {shown} are not colocated", fk.owners, fk.label,
                          f"add colocate_with: {shown} to the distribution of {ctx.display(t.name)}")
