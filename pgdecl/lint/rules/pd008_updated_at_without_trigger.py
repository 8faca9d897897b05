"""PD008 updated-at-without-trigger: an `updated_at` column that no BEFORE UPDATE row trigger sets.

A default (`now()`) only applies on INSERT: without a trigger, `updated_at` keeps its insert time
unless every writer remembers to set it. The `timestamps` trait adds the column, the trigger
`<table>_set_updated_at` (BEFORE UPDATE, FOR EACH ROW) and its function `pgdecl_set_updated_at`.
A trigger counts when its function (in the specs) assigns `NEW.updated_at`, when its arguments name
the column (a generic function such as contrib's `moddatetime(updated_at)`), or when its function is
not in the YAML specs (raw SQL or an extension: it cannot be read). The columns `modified_at` and
`last_modified_at` are held to the same rule.

Bad:

```yaml
tables:
  notes:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      body: {type: text, nullable: false}
      updated_at: {type: timestamptz, nullable: false, default: now()}
```

Good:

```yaml
tables:
  notes:
    traits: [timestamps]
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      body: {type: text, nullable: false}
```
"""

from __future__ import annotations

import re
from typing import Iterator

from ...model import qualify
from ..core import Context, Hit, rule

COLUMNS = ("updated_at", "modified_at", "last_modified_at")


def _sets(body: str, column: str) -> bool:
    return re.search(rf'\bnew\s*\.\s*"?{re.escape(column)}"?\s*:?=', body, re.I) is not None


@rule("PD008", "updated-at-without-trigger", "error",
      summary="updated_at column without a trigger that sets it",
      fix="add the timestamps trait (traits: [timestamps]) or a BEFORE UPDATE row trigger that sets it")
def check(ctx: Context) -> Iterator[Hit]:
    for t, cname, col in ctx.columns():
        if cname not in COLUMNS:
            continue
        kept = False
        for trig in t.table.triggers.values():
            if trig.timing != "before" or trig.for_each != "row" or "update" not in trig.events:
                continue
            fn = ctx.project.functions.get(qualify(trig.function))
            if fn is None or _sets(fn.body, cname) or any(cname in a for a in trig.args):
                kept = True
                break
        if not kept:
            yield Hit(f"{cname} is not kept current: no BEFORE UPDATE row trigger of {t.label} sets NEW.{cname}",
                      (col, t.table), t.child("column", cname),
                      f"add traits: [timestamps] to {t.label}, or a trigger {{timing: before, events: [update], "
                      f"function: pgdecl_set_updated_at}}" if cname == "updated_at" else
                      f"add a trigger {{timing: before, events: [update]}} whose function sets NEW.{cname} := now()")
