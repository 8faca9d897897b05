"""PD003 timestamp-without-time-zone: a column or domain of type `timestamp` (without time zone).

`timestamp` stores a wall-clock reading with no zone: the same instant is written differently by
clients in different zones, and arithmetic across DST changes is wrong. `timestamptz` stores an
instant (UTC inside) and converts on the way in and out. For a date or a local time of day use
`date` or `time`.

Bad:

```yaml
tables:
  events:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      happened_at: {type: timestamp, nullable: false}
```

Good:

```yaml
tables:
  events:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      happened_at: {type: timestamptz, nullable: false}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD003", "timestamp-without-time-zone", "error",
      summary="timestamp without time zone",
      fix="use timestamptz (timestamp with time zone)")
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name == "timestamp":
            mods = f"({info.modifiers})" if info.modifiers else ""
            yield Hit(f"{name} is {info.raw.strip()!r}, a time without a zone", owners, label,
                      f"type: timestamptz{mods}{'[]' if info.array else ''}")
