"""PD010 serial: a column of type `serial`, `bigserial` or `smallserial`.

`serial` is a shorthand for an integer with a separately owned sequence: its permissions must be
granted separately (USAGE on the sequence), copying the table's definition shares the sequence, and
nothing stops a writer from inserting explicit ids that collide later. Identity columns (SQL
standard, PostgreSQL 10+) tie the sequence to the column: `identity: always` rejects explicit values
unless OVERRIDING SYSTEM VALUE is given; `identity: by default` accepts them.

Bad:

```yaml
tables:
  tickets:
    columns:
      id: {type: bigserial, primary_key: true}
```

Good:

```yaml
tables:
  tickets:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule

_INT = {"serial2": "smallint", "serial4": "integer", "serial8": "bigint"}


@rule("PD010", "serial", "warning",
      summary="serial column instead of an identity column",
      fix="use an integer type with identity: always (or by default)")
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name in _INT and not info.array:
            yield Hit(f"{name} is {info.raw.strip()}: an identity column owns its sequence and its permissions",
                      owners, label, f"type: {_INT[info.name]}, identity: always")
