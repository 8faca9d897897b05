"""PD005 json-not-jsonb: a column or domain of type `json`.

`json` keeps the input text (whitespace, key order, duplicate keys) and re-parses it on every
access; it has no equality operator (so no DISTINCT, GROUP BY or unique index) and no GIN index
support. `jsonb` is parsed once, compares, indexes (`using: gin`) and supports containment (`@>`).
Keep `json` only when the exact input text must be preserved.

Bad:

```yaml
tables:
  webhooks:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      payload: {type: json, nullable: false}
```

Good:

```yaml
tables:
  webhooks:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      payload: {type: jsonb, nullable: false}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD005", "json-not-jsonb", "warning",
      summary="json instead of jsonb",
      fix="use jsonb")
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name == "json":
            yield Hit(f"{name} is json: re-parsed on every access, no equality, no GIN index", owners, label,
                      f"type: jsonb{'[]' if info.array else ''}")
