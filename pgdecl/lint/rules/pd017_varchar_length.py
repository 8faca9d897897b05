"""PD017 varchar-length: a `varchar(n)` column (not run by default: `--select PD017` or `--select ALL`).

In PostgreSQL `varchar(n)` is `text` with a length check that cannot be changed without an
ALTER TABLE (a rewrite-free but exclusive-lock one when widening; a full check when narrowing), and
`n` is often an arbitrary guess (255). `text`, with a CHECK where a limit is a real rule, is the
idiom. Off by default because `varchar(n)` is harmless.

Bad:

```yaml
tables:
  people:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      name: {type: varchar(255), nullable: false}
```

Good:

```yaml
tables:
  people:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      name: {type: text, nullable: false, check: "length(name) <= 200"}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD017", "varchar-length", "warning",
      summary="varchar(n) instead of text",
      fix="use text, with a CHECK (length(col) <= n) where the limit is a rule", default=False)
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name == "varchar" and info.modifiers:
            yield Hit(f"{name} is {info.raw.strip()}", owners, label,
                      f'type: text, check: "length({name}) <= {info.modifiers}"')
