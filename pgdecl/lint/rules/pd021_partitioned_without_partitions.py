"""PD021 partitioned-without-partitions: a partitioned table (`partition_by`) with no partition in the specs.

A partitioned table holds no rows itself: every row goes to the partition whose bounds take it, and
with no partition (and no default partition) every INSERT fails with "no partition of relation found
for row". A sub-partitioned partition needs partitions of its own the same way.

Bad:

```yaml
tables:
  events:
    columns:
      id: {type: bigint, nullable: false}
      created_at: {type: timestamptz, nullable: false}
    primary_key: [id, created_at]
    partition_by: range(created_at)
```

Good:

```yaml
tables:
  events:
    columns:
      id: {type: bigint, nullable: false}
      created_at: {type: timestamptz, nullable: false}
    primary_key: [id, created_at]
    partition_by: range(created_at)
  events_2025:
    partition_of: events
    bounds: {from: '2025-01-01', to: '2026-01-01'}
  events_default:
    partition_of: events
    bounds: default
```

Partitions created outside the specs (by pg_partman, say, or raw `.sql` files) do not count: silence
the finding with the reason then.
"""

from __future__ import annotations

from typing import Iterator

from ...partition_spec import parent_name
from ..core import Context, Hit, rule


@rule("PD021", "partitioned-without-partitions", "error",
      summary="a partitioned table with no partition: every INSERT fails",
      fix="add partitions (partition_of: TABLE, bounds: ...), at least a default one")
def check(ctx: Context) -> Iterator[Hit]:
    tables = ctx.project.tables
    parents = {parent_name(n, t) for n, t in tables.items() if t.partition_of is not None}
    for t in ctx.tables():
        if t.table.partition_by is not None and t.name not in parents:
            bounds = "{modulus: 1, remainder: 0}" if t.table.partition_by.strategy == "hash" else "default"
            yield Hit("partitioned, but no table of the specs is a partition of it: every INSERT fails "
                      "(\"no partition of relation found for row\")", (t.table,), t.label,
                      f"add a partition of {ctx.display(t.name)} (partition_of: {ctx.display(t.name)}, "
                      f"bounds: {bounds})")
