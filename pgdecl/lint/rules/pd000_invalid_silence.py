"""PD000 invalid-silence: a `lint: {ignore: ...}` entry without a reason, for an unknown rule, or one that
silences nothing.

A silence is a decision that must be explained to the next reader, and it must stay true: a silence
that no longer silences anything is stale. This rule cannot itself be silenced inline (use
`--ignore PD000` on the command line if you must).

Bad:

```yaml
tables:
  events:
    lint:
      ignore: {PD001: ""}
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      kind: text
```

Good:

```yaml
tables:
  events:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      kind: text
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD000", "invalid-silence", "error",
      summary="a lint silence without a reason, for an unknown rule, or silencing nothing",
      fix="give the reason: lint: {ignore: {CODE: \"why this does not apply here\"}}, or remove the entry")
def check(ctx: Context) -> Iterator[Hit]:
    for s in ctx.silences.all():
        where = (s.owner,)
        if s.code == "PD000":
            yield Hit("PD000 cannot be silenced inline", where, s.label, "remove the entry")
        elif s.code not in ctx.known_codes:
            yield Hit(f"lint.ignore names unknown rule {s.code!r} (rules are PD000 to "
                      f"{max(ctx.known_codes)}; see `pgdecl lint --list-rules`)", where, s.label,
                      "use a rule code such as PD001, or remove the entry")
        elif not (s.reason or "").strip():
            yield Hit(f"the silence of {s.code} gives no reason", where, s.label)
        elif s.code in ctx.ran and not s.used:
            yield Hit(f"the silence of {s.code} silences nothing here (the finding is gone)", where, s.label,
                      "remove the entry")
