"""PD014 fk-type-mismatch: a foreign key column whose type differs from the column it references.

An `integer` column referencing a `bigint` id works until the parent's ids pass 2^31, then inserts
fail; mismatched types also make joins cast. Serial types count as their integers, varchar and char
as text, and domains as their base types.

Bad:

```yaml
tables:
  accounts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  invoices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      account_id: {type: integer, nullable: false, references: accounts, on_delete: cascade}
    indexes:
      - columns: [account_id]
```

Good:

```yaml
tables:
  accounts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  invoices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      account_id: {type: bigint, nullable: false, references: accounts, on_delete: cascade}
    indexes:
      - columns: [account_id]
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, parse_type, rule

_SERIAL = {"serial2": "smallint", "serial4": "integer", "serial8": "bigint"}


@rule("PD014", "fk-type-mismatch", "error",
      summary="foreign key column type differs from the referenced column",
      fix="give the column the referenced column's type")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            if fk.target not in ctx.project.tables or len(fk.target_columns) != len(fk.columns):
                continue  # validation reports unknown targets and column counts
            target = ctx.table(fk.target).table
            for mine, theirs in zip(fk.columns, fk.target_columns):
                a, b = t.table.columns.get(mine), target.columns.get(theirs)
                if a is None or b is None:
                    continue
                ta, tb = ctx.resolve(a.type), ctx.resolve(b.type)
                if ta.family != tb.family:
                    want = _SERIAL.get(parse_type(b.type).name, b.type)
                    yield Hit(f"{mine} is {a.type} but references {ctx.display(fk.target)}.{theirs} of type {b.type}",
                              fk.owners, fk.label, f"give {mine} type: {want}")
