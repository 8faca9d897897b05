"""PD002 missing-primary-key: a table without a primary key.

Without one, rows cannot be addressed reliably (duplicates are indistinguishable), logical
replication cannot replicate UPDATE and DELETE, and tools (ORMs, admin UIs, pgdecl's own data
migrations) have nothing to key on. A link table's key is its pair of foreign keys.

Bad:

```yaml
tables:
  page_views:
    columns:
      url: {type: text, nullable: false}
      viewed_at: {type: timestamptz, nullable: false, default: now()}
```

Good:

```yaml
tables:
  page_views:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      url: {type: text, nullable: false}
      viewed_at: {type: timestamptz, nullable: false, default: now()}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD002", "missing-primary-key", "error",
      summary="table without a primary key",
      fix="add traits: [uuid_pk], an identity column with primary_key: true, or primary_key: [a, b]")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        if not t.primary_key:
            unique = next((k for k in t.keys if k.unique and k.where is None and None not in k.columns
                           and all(t.not_null(c) for c in k.columns if c)), None)
            hint = (f"; unique key ({', '.join(c for c in unique.columns if c)}) on NOT NULL columns could be it"
                    if unique else "")
            yield Hit(f"no primary key{hint}", (t.table,), t.label)
