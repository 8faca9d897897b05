"""PD004 float-for-money: a money-like column (price, amount, total, cost, balance, ...) of a floating-point
type (`real`, `double precision`, `float`).

Binary floating point cannot represent most decimal fractions: 0.1 + 0.2 is not 0.3, and sums of
prices drift by cents. Store money as `numeric(p, s)` (exact decimal) or as an integer count of the
smallest unit (cents). The rule looks at the words of the column name: price, amount, total,
subtotal, cost, balance, fee, tax, payment, payout, refund, revenue, salary, wage, charge,
commission, discount, credit, debit, money; a name that also says rate, ratio, percent(age), pct,
share, factor or weight is a ratio, not an amount.

Bad:

```yaml
tables:
  invoices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      total_amount: {type: double precision, nullable: false}
```

Good:

```yaml
tables:
  invoices:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      total_amount: {type: "numeric(12,2)", nullable: false}
```
"""

from __future__ import annotations

import re
from typing import Iterator

from ..core import Context, Hit, rule

MONEY_WORDS = frozenset("""
price prices amount amounts total totals subtotal subtotals cost costs balance balances fee fees tax taxes
payment payments payout payouts refund refunds revenue revenues salary salaries wage wages charge charges
commission commissions discount discounts credit credits debit debits money
""".split())
NOT_MONEY_WORDS = frozenset("rate rates ratio ratios percent percentage pct share factor weight".split())


def money_like(name: str) -> bool:
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower())
    return any(w in MONEY_WORDS for w in words) and not any(w in NOT_MONEY_WORDS for w in words)


@rule("PD004", "float-for-money", "error",
      summary="floating-point type for a money-like column",
      fix="use numeric(12,2) (or an integer number of cents)")
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name in ("float4", "float8") and money_like(name):
            yield Hit(f"{name} looks like money but is {info.raw.strip()!r}, which cannot hold decimal fractions "
                      "exactly", owners, label, 'type: "numeric(12,2)" (or bigint cents)')
