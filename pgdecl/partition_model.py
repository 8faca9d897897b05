"""The spec keys of declarative partitioning, as typed model objects: a table's `partition_by` and a
partition's `bounds` (with `partition_of` naming its parent, a plain string on pgdecl.model.Table).

    events:
      columns: {...}
      partition_by: range(created_at)        # or {strategy: range, columns: [created_at]}
    events_2024:
      partition_of: events
      bounds: {from: '2024-01-01', to: '2025-01-01'}
    events_other:
      partition_of: events
      bounds: default

Bound values are SQL expressions, as defaults are (`"'open'"`, `42`, `MINVALUE`); a YAML date or a
number is written as the literal it reads as. Checks against the rest of the specs (the strategy
the bounds must fit, the parent existing, keys including the partition key) are in
pgdecl.partition_spec. This module imports nothing of pgdecl.model, so the model can import it.
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .errors import Origin

Strategy = Literal["range", "list", "hash"]
STRATEGIES: tuple[str, ...] = ("range", "list", "hash")


def split_top(text: str) -> list[str]:
    """`a, lower(b), (c + d)` -> ['a', 'lower(b)', '(c + d)']: commas outside parentheses and quotes."""
    out, depth, start, quote = [], 0, 0, ""
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(text[start:i].strip())
            start = i + 1
    out.append(text[start:].strip())
    return [p for p in out if p]


def bound_value(v: Any) -> Any:
    """One bound value as SQL: a YAML date or datetime becomes its quoted literal, a number its digits."""
    if isinstance(v, bool):
        return v  # refused by validation: TRUE/FALSE as a bound is written as SQL, "true"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return f"'{v.isoformat(sep=' ') if isinstance(v, datetime.datetime) else v.isoformat()}'"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str) and _DATE.match(v.strip()):
        return f"'{v.strip()}'"  # a date or timestamp written bare (YAML quotes are not SQL quotes)
    return v


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*([+-]\d{2}(:?\d{2})?|Z)?)?$")


def _values(v: Any) -> Any:
    if v is None:
        return v
    items = v if isinstance(v, list) else [v]
    return [bound_value(x) for x in items]


BoundValues = Annotated[list[str], BeforeValidator(_values)]
_KEY = re.compile(r"^\s*(range|list|hash)\s*\((.*)\)\s*$", re.IGNORECASE | re.DOTALL)


class _Part(BaseModel):
    """As pgdecl.model.Node: frozen, no unknown keys, an origin that is never compared or dumped."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)

    origin: Origin | None = Field(default=None, exclude=True, repr=False)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.model_dump() == other.model_dump()

    __hash__ = None  # type: ignore[assignment]


class PartitionBy(_Part):
    """PARTITION BY strategy (key, ...): how a partitioned table splits its rows among its partitions."""

    strategy: Strategy = Field(description="range, list or hash")
    columns: Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v)] = Field(
        description="The partition key: column names or expressions such as lower(name), each optionally "
                    "with COLLATE or an operator class")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        # "range(created_at)", "LIST (region, lower(name))", or {range: [created_at]}
        if isinstance(v, str):
            m = _KEY.match(v)
            if not m:
                raise ValueError("partition_by is range(key), list(key) or hash(key), or {strategy, columns}; "
                                 f"got {v!r}")
            return {"strategy": m[1].lower(), "columns": split_top(m[2])}
        named = [k for k in v if k != "origin"] if isinstance(v, dict) else []
        if len(named) == 1 and isinstance(named[0], str) and named[0].lower() in STRATEGIES:
            return {"strategy": named[0].lower(), "columns": v[named[0]],
                    **({"origin": v["origin"]} if "origin" in v else {})}
        if isinstance(v, dict) and isinstance(v.get("strategy"), str):
            return {**v, "strategy": v["strategy"].lower().strip()}
        return v


class Bounds(_Part):
    """FOR VALUES of a partition: `from`/`to` (range), `in` (list), `modulus`/`remainder` (hash), or
    `default` (the rows no other partition takes)."""

    from_: BoundValues | None = Field(None, alias="from", description="Range: lower bound (inclusive), one "
                                                                       "SQL value per key column, or MINVALUE")
    to: BoundValues | None = Field(None, description="Range: upper bound (exclusive), one SQL value per key "
                                                     "column, or MAXVALUE")
    in_: BoundValues | None = Field(None, alias="in", description="List: the key values this partition holds "
                                                                  "(NULL allowed)")
    modulus: int | None = Field(None, description="Hash: the number of partitions the key hashes into")
    remainder: int | None = Field(None, description="Hash: this partition's remainder, 0 <= remainder < modulus")
    default: bool = Field(False, description="true: the DEFAULT partition, for rows no other partition takes")

    @model_validator(mode="before")
    @classmethod
    def _short(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().lower() == "default":
            return {"default": True}
        if isinstance(v, str):
            raise ValueError("bounds is default, or {from, to}, {in} or {modulus, remainder}; "
                             f"got {v!r}")
        return v

    def form(self) -> str:
        """Which form the bounds take: range, list, hash, default, or mixed (several or none)."""
        forms = [f for f, on in (("range", self.from_ is not None or self.to is not None),
                                 ("list", self.in_ is not None),
                                 ("hash", self.modulus is not None or self.remainder is not None),
                                 ("default", self.default)) if on]
        return forms[0] if len(forms) == 1 else "mixed"


def expand_shorthands(doc: Any) -> None:
    """`partition_by: range(created_at)` and `bounds: default` as mappings carrying their own origin, so an
    error about them names their line (pgdecl.spec calls this with each YamlDoc before validation)."""
    tables = doc.data.get("tables") if isinstance(doc.data, dict) else None
    if not isinstance(tables, dict):
        return
    for tname, table in tables.items():
        if not isinstance(table, dict):
            continue
        for key in ("partition_by", "bounds"):
            value = table.get(key)
            path = ("tables", tname, key)
            if key == "partition_by" and isinstance(value, str) and _KEY.match(value):
                m = _KEY.match(value)
                assert m is not None
                value = table[key] = {"strategy": m[1].lower(), "columns": split_top(m[2])}
            elif key == "bounds" and isinstance(value, str) and value.strip().lower() == "default":
                value = table[key] = {"default": True}
            if isinstance(value, dict):
                value["origin"] = doc.origin(path, f"table {tname}")
