"""PD011 fk-on-delete-unspecified: a foreign key to a users/accounts-like table without an explicit `on_delete`.

The default, NO ACTION, makes deleting the parent fail while children exist. For the tables people
delete (users, accounts, customers, members, tenants, organizations, teams) that is a decision
with legal weight (erasure requests): cascade the children, keep them with `set null`, or refuse
the delete on purpose with `restrict` or an explicit `no action`. Writing it down says it was
decided.

Bad:

```yaml
tables:
  users:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  comments:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      user_id: {type: bigint, nullable: false, references: users}
    indexes:
      - columns: [user_id]
```

Good:

```yaml
tables:
  users:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  comments:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      user_id: {type: bigint, nullable: false, references: users, on_delete: cascade}
    indexes:
      - columns: [user_id]
```
"""

from __future__ import annotations

import re
from typing import Iterator

from ..core import Context, Hit, rule

PEOPLE = ("user", "account", "customer", "member", "tenant", "organization", "organisation", "team", "person",
          "people", "profile")


def people_table(name: str) -> bool:
    words = re.split(r"[^a-z0-9]+", name.lower())
    return bool(words) and any(words[-1] in (w, w + "s") for w in PEOPLE)


@rule("PD011", "fk-on-delete-unspecified", "warning",
      summary="foreign key to a users-like table without an explicit on_delete",
      fix="say what happens when the parent is deleted: on_delete: cascade, set null, restrict or no action")
def check(ctx: Context) -> Iterator[Hit]:
    for t in ctx.tables():
        for fk in t.foreign_keys:
            target = ctx.bare(fk.target)
            if not fk.on_delete_explicit and people_table(target):
                yield Hit(f"foreign key ({', '.join(fk.columns)}) -> {ctx.display(fk.target)} has no on_delete: "
                          f"deleting a row of {ctx.display(fk.target)} fails while rows of "
                          f"{ctx.display(t.name)} point to it", fk.owners, fk.label)
