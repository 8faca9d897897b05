"""PD016 char-n: a column or domain of type `char(n)` / `character(n)`.

`char(n)` pads values with spaces to n characters, ignores trailing spaces in comparisons (but not
in LIKE or regular expressions) and is no faster than `text`. For fixed-length codes use `text` (or
`varchar(n)`) with a CHECK on the length.

Bad:

```yaml
tables:
  countries:
    columns:
      code: {type: char(2), primary_key: true}
```

Good:

```yaml
tables:
  countries:
    columns:
      code: {type: text, primary_key: true, check: "length(code) = 2"}
```
"""

from __future__ import annotations

from typing import Iterator

from ..core import Context, Hit, rule


@rule("PD016", "char-n", "warning",
      summary="char(n), which pads with spaces",
      fix="use text with a CHECK on the length")
def check(ctx: Context) -> Iterator[Hit]:
    for name, info, owners, label in ctx.typed_objects():
        if info.name == "bpchar":
            n = info.modifiers or "1"
            yield Hit(f"{name} is {info.raw.strip()}: values are blank-padded to length {n}", owners, label,
                      f'type: text, check: "length({name}) = {n}"')
