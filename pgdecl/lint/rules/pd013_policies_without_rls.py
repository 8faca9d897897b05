"""PD013 policies-without-rls: a table with policies but row-level security not enabled.

Policies are only enforced when row-level security is enabled on the table (`rls: true`): without
it they are created and silently ignored, and every role with a grant sees every row.

Bad:

```yaml
tables:
  documents:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      owner: {type: text, nullable: false}
    policies:
      own_documents:
        using: "owner = current_user"
```

Good:

```yaml
tables:
  documents:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      owner: {type: text, nullable: false}
    rls: true
    policies:
      own_documents:
        using: "owner = current_user"
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD013", "policies-without-rls", "error",
      summary="policies on a table without row-level security: they are ignored",
      fix="add rls: true to the table")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        if t.table.policies and (t.table.rls is None or not t.table.rls.enabled):
            names = ", ".join(sorted(t.table.policies))
            yield Hit(f"policies ({names}) are ignored: row-level security is not enabled",
                      (t.table,), t.label, f"add rls: true to {t.label}")
