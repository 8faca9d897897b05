"""PD018 citus-key-without-distribution-column: a primary key, unique constraint or unique index of a
distributed table (Citus) that leaves out the distribution column.

Citus enforces uniqueness shard by shard, so it refuses such a key (`cannot create constraint on
"orders"`): the plan fails when it distributes the table or adds the key. A unique key of a distributed
table must contain its distribution column, e.g. `primary key (tenant_id, id)`.

Bad:

```yaml
tables:
  orders:
    distribution: {column: tenant_id}
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      tenant_id: {type: bigint, nullable: false}
```

Good:

```yaml
tables:
  orders:
    distribution: {column: tenant_id}
    primary_key: [tenant_id, id]
    columns:
      id: {type: bigint, identity: always}
      tenant_id: {type: bigint, nullable: false}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD018", "citus-key-without-distribution-column", "error",
      summary="a unique key of a distributed table leaves out its distribution column",
      fix="add the distribution column to the key")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        d = t.table.distribution
        if d is None:
            continue
        for k in t.keys:
            if k.unique and d.column not in k.columns:
                cols = ", ".join(c or e for c, e in zip(k.columns, k.elements))
                what = "unique index" if k.kind == "index" else k.kind
                yield Hit(f"{what} ({cols}) of a table distributed by {d.column} leaves out {d.column}: Citus "
                          "enforces uniqueness per shard and refuses the key", k.owners, k.label,
                          f"make it ({d.column}, {cols})")
