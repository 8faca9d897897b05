"""PD020 citus-reference-to-distributed: a foreign key from a reference table (Citus) to a
distributed table.

A reference table is copied whole to every node, and a distributed table's rows are split among
them: no node could check such a key, and Citus refuses it. Keys go the other way (a distributed
table referencing a reference table), or the referenced table becomes a reference table too.

Bad:

```yaml
tables:
  stores:
    distribution: {column: id}
    columns:
      id: {type: bigint, primary_key: true}
  countries:
    reference: true
    columns:
      code: {type: text, primary_key: true}
      flagship_store_id: {type: bigint, references: stores, on_delete: set null}
    indexes:
      - columns: [flagship_store_id]
```

Good:

```yaml
tables:
  countries:
    reference: true
    columns:
      code: {type: text, primary_key: true}
  stores:
    distribution: {column: id}
    columns:
      id: {type: bigint, primary_key: true}
      country_code: {type: text, nullable: false, references: countries, on_delete: restrict}
    indexes:
      - columns: [country_code]
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD020", "citus-reference-to-distributed", "error",
      summary="a foreign key from a reference table to a distributed table",
      fix="reverse the key, or make the referenced table a reference table")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        if not t.table.reference:
            continue
        for fk in t.foreign_keys:
            target = ctx.project.tables.get(fk.target)
            if target is not None and target.distribution is not None:
                yield Hit(f"reference table {ctx.display(t.name)} references distributed table "
                          f"{ctx.display(fk.target)}: Citus cannot check it on any node", fk.owners, fk.label,
                          f"reference {ctx.display(t.name)} from {ctx.display(fk.target)} instead, or make "
                          f"{ctx.display(fk.target)} a reference table (reference: true)")
