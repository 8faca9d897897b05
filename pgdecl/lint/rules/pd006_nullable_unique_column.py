"""PD006 nullable-unique-column: a unique key of several columns with a nullable column, without
`nulls_not_distinct`.

In a unique constraint or unique index NULLs are distinct by default, so (a, NULL) can be inserted
any number of times: a "one default address per user" or "one root category per name" key then does
not hold for exactly the rows that need it. Since PostgreSQL 15, `nulls_not_distinct: true` makes
NULLs equal; else make the column NOT NULL or add a partial unique index for the NULL case. A
one-column unique key on a nullable column is left alone: many NULLs are usually intended there
(e.g. an optional external id). When many NULL rows are meant in a multi-column key too, say so
with a unique index whose predicate is `col IS NOT NULL`: the rule accepts it.

Bad:

```yaml
tables:
  categories:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      parent_id: bigint
      name: {type: text, nullable: false}
    unique:
      - columns: [parent_id, name]
```

Good:

```yaml
tables:
  categories:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      parent_id: bigint
      name: {type: text, nullable: false}
    unique:
      - columns: [parent_id, name]
        nulls_not_distinct: true
```
"""

from __future__ import annotations

import re
from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD006", "nullable-unique-column", "warning",
      summary="nullable column in a multi-column unique key without NULLS NOT DISTINCT",
      fix="add nulls_not_distinct: true, or make the column NOT NULL")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        for k in t.keys:
            if not k.unique or k.nulls_not_distinct or len(k.columns) < 2:
                continue
            excluded = set(re.findall(r'"?([a-z_][a-z0-9_$]*)"? is not null', k.where or ""))
            nullable = [c for c in k.columns if c and not t.not_null(c) and c.lower() not in excluded]
            if nullable:
                cols = ", ".join(c or e for c, e in zip(k.columns, k.elements))
                yield Hit(f"unique key ({cols}) allows duplicates when {', '.join(nullable)} is NULL (NULLs are "
                          "distinct)", k.owners, k.label,
                          f"add nulls_not_distinct: true to {k.label.split(', ', 1)[1]}, or make "
                          f"{', '.join(nullable)} NOT NULL; if many NULL rows are meant, use a unique index "
                          f"with where: {nullable[0]} IS NOT NULL")
