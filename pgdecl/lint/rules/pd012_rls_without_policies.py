"""PD012 rls-without-policies: row-level security enabled on a table that has no policies.

With RLS enabled and no policy, every role except the table's owner (unless RLS is forced) and
roles with BYPASSRLS sees no rows and can write none: grants on the table do nothing. This is
sometimes intended (access only through SECURITY DEFINER functions); silence it with that reason.

Bad:

```yaml
tables:
  documents:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      owner: {type: text, nullable: false}
    rls: true
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


@rule("PD012", "rls-without-policies", "warning",
      summary="row-level security enabled without policies",
      fix="add policies, or silence with the reason (e.g. only SECURITY DEFINER functions reach it)")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        if t.table.rls is not None and t.table.rls.enabled and not t.table.policies:
            yield Hit("row-level security is enabled but there are no policies: no role but the owner sees a row",
                      (t.table,), t.label)
