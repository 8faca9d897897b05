"""PD015 money-type: a column or domain of type `money`.

`money` has a fixed number of fraction digits set by the database's `lc_monetary` locale: its
input and output change with a setting, it holds one currency, and dividing it rounds. Use
`numeric(p, s)` (with a currency column when there are several).

Bad:

```yaml
tables:
  prices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      amount: {type: money, nullable: false}
```

Good:

```yaml
tables:
  prices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      amount: {type: "numeric(12,2)", nullable: false}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD015", "money-type", "warning",
      summary="the money type",
      fix='use numeric(12,2) (and a currency column)')
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name == "money":
            yield Hit(f"{name} is money: its scale and format follow the lc_monetary setting", owners, label,
                      'type: "numeric(12,2)"')
