"""Candidate values for `pgdecl test`, database-free: per type, and read out of CHECK expressions.

Every value is the text form of a SQL literal (`None` is NULL). Candidates are only proposals:
the database judges them (casts, CHECK evaluation, inserts). Everything here is deterministic for
a given seed.
"""

from __future__ import annotations

import contextlib
import random
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, TypeVar, cast

from pglast import ast
from pglast.enums import A_Expr_Kind
from pglast.stream import RawStream

from .. import sqltree

try:  # Python 3.11+
    import re._constants as _sre_c  # type: ignore[import-not-found]
    import re._parser as _sre_p  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_p  # type: ignore[no-redef]


@dataclass(frozen=True)
class TypeInfo:
    """A column or domain type as the catalog formats it, with what value generation needs."""

    name: str                       # format_type(), usable in CAST(... AS name)
    base: str                       # the base type without modifiers, e.g. "character varying"
    kind: str = "base"              # base, enum, domain, array
    length: int | None = None       # varchar(n), char(n), bit(n)
    precision: int | None = None    # numeric(p, s)
    scale: int | None = None
    enum_values: tuple[str, ...] = ()
    element: TypeInfo | None = None   # array element / domain base type
    domain_checks: tuple[tuple[str, str], ...] = ()  # (name, expression over VALUE)
    domain_notnull: bool = False


INTEGER_RANGES = {"smallint": 2 ** 15, "integer": 2 ** 31, "bigint": 2 ** 63}
_STRINGS = ("character varying", "character", "text", "citext", "name", "bpchar", "varchar")
_TEXT = ["a", "b", "c", "test", "x1", "Test value", "d", "e", "f", "g", "h", "k", "m", "n", "p", "q", "r", "s",
         "t", "u", "v1", "w2", "z3", ""]
_INT = ["1", "0", "2", "10", "100", "1000", "3", "5", "-1", "-10"]
_NUM = ["1", "0", "2", "10", "100", "1000", "0.5", "0.01", "3", "5", "-1", "-0.5"]
_DATE = ["2024-01-15", "2000-01-01", "2100-01-01", "2024-01-16", "1970-01-01", "2024-06-30"]
_TS = ["2024-01-15 12:00:00+00", "2000-01-01 00:00:00+00", "2100-01-01 00:00:00+00", "2024-01-16 12:00:00+00",
       "1970-01-01 00:00:00+00", "2024-06-30 08:30:00+00"]
_BY_TYPE: dict[str, list[str]] = {
    "boolean": ["false", "true"],
    "date": _DATE,
    "timestamp with time zone": _TS,
    "timestamp without time zone": [t[:-3] for t in _TS],
    "time without time zone": ["12:00:00", "00:00:00", "23:59:59", "08:30:00"],
    "time with time zone": ["12:00:00+00", "00:00:00+00", "23:59:59+00"],
    "interval": ["1 day", "00:00:00", "1 hour", "30 days", "-1 day"],
    "jsonb": ['{}', '[]', '{"a": 1}', '"a"', '1', 'null', 'true', '[1]'],
    "json": ['{}', '[]', '{"a": 1}', '"a"', '1', 'null', 'true', '[1]'],
    "inet": ["192.0.2.1", "10.0.0.1", "::1", "192.0.2.0/24"],
    "cidr": ["10.0.0.0/8", "192.0.2.0/24", "::1/128"],
    "macaddr": ["08:00:2b:01:02:03", "08:00:2b:01:02:04"],
    "bytea": ["\\x00", "\\x0102", "\\x", "\\xff"],
    "tsvector": ["'a'", "", "'b' 'c'"],
    "tsquery": ["a", "a & b"],
    "money": ["1", "0", "10", "-1"],
    "xml": ["<a/>", "<b>1</b>"],
    "real": _NUM, "double precision": _NUM, "oid": ["1", "0"],
    "point": ["(0,0)", "(1,2)"],
    "int4range": ["[1,10)", "empty"], "int8range": ["[1,10)", "empty"], "numrange": ["[1,10)", "empty"],
    "daterange": ["[2024-01-01,2024-12-31)", "empty"], "tstzrange": ["[2024-01-01,2024-12-31)", "empty"],
}
_FALLBACK = ["a", "1", "{}", "(0,0)", "0"]


_ALIASES = {"varchar": "character varying", "char": "character", "bpchar": "character", "int": "integer",
            "int4": "integer", "int2": "smallint", "int8": "bigint", "decimal": "numeric", "bool": "boolean",
            "float8": "double precision", "float4": "real", "timestamptz": "timestamp with time zone",
            "timestamp": "timestamp without time zone", "timetz": "time with time zone",
            "time": "time without time zone", "varbit": "bit varying", "serial": "integer", "bigserial": "bigint",
            "smallserial": "smallint"}


def type_info(formatted: str) -> TypeInfo:
    """Parse a type as format_type() prints it (`character varying(255)`, `numeric(10,2)`, `text[]`) or
    as a spec spells it (`varchar(255)`, `int8`, `timestamptz`)."""
    name = " ".join(formatted.strip().lower().split()) if "\"" not in formatted else formatted.strip()
    if name.endswith("[]"):
        return TypeInfo(name, "array", kind="array", element=type_info(name[:-2]))
    m = re.match(r"^(.*?)\s*\(([^)]*)\)(.*)$", name)
    base, mods = (m.group(1) + m.group(3), m.group(2)) if m else (name, "")
    base = _ALIASES.get(base.strip(), base.strip())
    if not m and base != name:
        name = base
    nums = [int(x) for x in re.findall(r"\d+", mods)]
    if base in ("character varying", "character", "bit", "bit varying") and nums:
        return TypeInfo(name, base, length=nums[0])
    if base in ("numeric", "decimal") and nums:
        return TypeInfo(name, "numeric", precision=nums[0], scale=nums[1] if len(nums) > 1 else 0)
    return TypeInfo(name, base)


def uuids(seed: int, n: int = 8) -> list[str]:
    """The same `n` version-4 UUIDs for every uuid column: shared values let two columns be equal."""
    rng = random.Random(f"uuid:{seed}")
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(n)]


def _fits_numeric(v: str, t: TypeInfo) -> bool:
    try:
        d = Decimal(v)
    except InvalidOperation:
        return False
    if t.precision is None:
        return True
    digits = len(str(abs(int(d)))) if abs(d) >= 1 else 0
    return digits <= t.precision - (t.scale or 0)


def fits(v: str | None, t: TypeInfo) -> bool:
    """Within the type's length and precision (assignment would reject the rest)."""
    if v is None:
        return True
    if t.length is not None and t.base in _STRINGS + ("bit", "bit varying"):
        return len(v) <= t.length
    if t.base == "numeric":
        return _fits_numeric(v, t)
    if t.base in INTEGER_RANGES:
        try:
            return -INTEGER_RANGES[t.base] <= int(v) < INTEGER_RANGES[t.base]
        except ValueError:
            return False
    return True


def type_candidates(t: TypeInfo, seed: int = 0) -> list[str]:
    """Plausible literals of a type, most ordinary first (not yet checked by the database)."""
    if t.kind == "enum":
        return list(t.enum_values)
    if t.kind == "domain" and t.element is not None:
        out = [v for expr in (e for _, e in t.domain_checks) for v in literals_for(expr, "value", seed)]
        return _dedupe(out + type_candidates(t.element, seed))
    if t.kind == "array" and t.element is not None:
        elems = type_candidates(t.element, seed)[:3]
        return ["{}"] + ["{" + _array_elem(e) + "}" for e in elems]
    if t.base in INTEGER_RANGES:
        return list(_INT)
    if t.base == "numeric":
        return [v for v in _NUM if _fits_numeric(v, t)]
    if t.base in _STRINGS:
        return [v for v in _TEXT if fits(v, t)] + (["a" * t.length] if t.length and t.length > 1 else [])
    if t.base in ("bit", "bit varying"):
        n = t.length or 1
        return ["0" * n, "1" * n]
    if t.base == "uuid":
        return uuids(seed)
    return list(_BY_TYPE.get(t.base, _FALLBACK))


def out_of_range(t: TypeInfo) -> str | None:
    """A literal the type itself rejects on assignment (too long, too many digits, out of range)."""
    if t.kind != "base":
        return None
    if t.length is not None and t.base in _STRINGS:
        return "x" * (t.length + 1)
    if t.base == "numeric" and t.precision is not None:
        return "1" + "0" * (t.precision - (t.scale or 0))
    if t.base in INTEGER_RANGES:
        return str(INTEGER_RANGES[t.base])
    return None


def array_of(element: str, n: int) -> str:
    """An array literal of `n` copies of one element."""
    return "{" + ",".join([_array_elem(element)] * n) + "}"


def _array_elem(v: str) -> str:
    return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'


_T = TypeVar("_T")


def _dedupe(values: Iterable[_T]) -> list[_T]:
    seen: set[_T] = set()
    out: list[_T] = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


# --- CHECK expressions -------------------------------------------------------------------------


@dataclass
class ExprFacts:
    """What a boolean expression says about columns: the columns it reads, constants it compares them with."""

    columns: list[str] = field(default_factory=list)
    literals: dict[str, list[str]] = field(default_factory=dict)   # column -> candidate literals
    closed: dict[str, list[str]] = field(default_factory=dict)     # column -> SQL of column-free expressions
                                                                    # it is compared with (for the database)
    sizes: dict[str, list[int]] = field(default_factory=dict)      # array column -> element counts to try


def _parse_expr(expr: str) -> ast.Node | None:
    try:
        stmt = sqltree.one(f"SELECT ({expr})")
        return stmt.targetList[0].val if stmt is not None else None
    except Exception:  # noqa: BLE001 - an unparsable expression yields no facts; the database still judges
        return None


def _walk(node: object) -> Iterable[ast.Node]:
    if isinstance(node, ast.Node):
        yield node
        for name in node.__slots__:
            yield from _walk(getattr(node, name, None))
    elif isinstance(node, (tuple, list)):
        for x in node:
            yield from _walk(x)


def _colname(node: object) -> str | None:
    """The column a node reads directly, through casts, or as the argument of a length-like function."""
    if isinstance(node, ast.TypeCast):
        return _colname(node.arg)
    if isinstance(node, ast.ColumnRef) and node.fields and isinstance(node.fields[-1], ast.String):
        return cast(str, node.fields[-1].sval)
    return None


def _length_col(node: object) -> str | None:
    if isinstance(node, ast.FuncCall) and node.args and len(node.args) == 1:
        fname = node.funcname[-1].sval.lower()
        if fname in ("length", "char_length", "character_length", "octet_length"):
            return _colname(node.args[0])
    return None


def _size_col(node: object) -> str | None:
    """The array column of cardinality(col) or array_length(col, 1)."""
    if isinstance(node, ast.FuncCall) and node.args:
        fname = node.funcname[-1].sval.lower()
        if fname == "cardinality" and len(node.args) == 1 or fname == "array_length" and len(node.args) == 2:
            return _colname(node.args[0])
    return None


def _const(node: object) -> str | None:
    if isinstance(node, ast.TypeCast):
        return _const(node.arg)
    if isinstance(node, ast.A_Const) and not node.isnull:
        v = node.val
        if isinstance(v, ast.Integer):
            return str(v.ival)
        if isinstance(v, ast.Float):
            return cast(str, v.fval)
        if isinstance(v, ast.String):
            return cast(str, v.sval)
        if isinstance(v, ast.Boolean):
            return "true" if v.boolval else "false"
    return None


def _neighbours(c: str) -> list[str]:
    """A constant and the values just around it (numbers), or itself and a variant (strings)."""
    try:
        d = Decimal(c)
    except InvalidOperation:
        return [c, c + "x"]
    out = [d, d + 1, d - 1]
    if d != d.to_integral_value() or "." in c:
        out += [d + Decimal("0.01"), d - Decimal("0.01")]
    return [str(x) for x in out]


@lru_cache(maxsize=4096)
def expr_facts(expr: str, seed: int = 0) -> ExprFacts:
    """(Cached: treat the result as read-only.) Columns an expression reads and literals worth trying for
    each: its constants and the values around them, strings matching (and not matching) its regular
    expressions and LIKE patterns, strings of the lengths it compares with. Long because it is one walk
    over the parse tree with a branch per kind of comparison node; the branches share its state."""
    facts = ExprFacts()
    root = _parse_expr(expr)
    if root is None:
        return facts

    def add(col: str | None, values: Iterable[str]) -> None:
        if col:
            facts.literals.setdefault(col, []).extend(values)

    for node in _walk(root):
        if isinstance(node, ast.ColumnRef):
            name = _colname(node)
            if name and name not in facts.columns:
                facts.columns.append(name)
        elif isinstance(node, ast.A_Expr):
            kind = node.kind
            op = node.name[-1].sval if node.name else ""
            lcol, rcol = _colname(node.lexpr), _colname(node.rexpr)
            if kind == A_Expr_Kind.AEXPR_OP:
                col, other = (lcol, node.rexpr) if lcol else (rcol, node.lexpr)
                c = _const(other)
                if col and c is None and other is not None and not any(
                        isinstance(n, ast.ColumnRef) for n in _walk(other)):
                    with contextlib.suppress(Exception):  # a printer gap: no candidate from it
                        facts.closed.setdefault(col, []).append(RawStream()(other))
                if col and c is not None:
                    if op in ("~", "~*", "!~", "!~*"):
                        add(col, regex_examples(c, seed=seed) + regex_non_examples(c))
                    elif op in ("~~", "~~*", "!~~", "!~~*"):
                        add(col, like_examples(c))
                    else:
                        add(col, _neighbours(c))
                sizecol = _size_col(node.lexpr) or _size_col(node.rexpr)
                n = _const(node.rexpr if _size_col(node.lexpr) else node.lexpr)
                if sizecol and n is not None and n.isdigit():
                    k = int(n)
                    facts.sizes.setdefault(sizecol, []).extend(x for x in (k, k + 1, k - 1) if 0 <= x <= 1000)
                lencol = _length_col(node.lexpr) or _length_col(node.rexpr)
                n = _const(node.rexpr if _length_col(node.lexpr) else node.lexpr)
                if lencol and n is not None and n.isdigit():
                    k = int(n)
                    add(lencol, ["a" * max(k, 1), "a" * (k + 1)] + (["a" * (k - 1)] if k > 1 else []))
            elif kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE):
                c = _const(node.rexpr)
                if lcol and c is not None:
                    add(lcol, like_examples(c))
            elif kind in (A_Expr_Kind.AEXPR_IN,):
                items = [_const(x) for x in (node.rexpr or ())]
                add(lcol, [x for x in items if x is not None] + ["zz_not_listed"])
            elif kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN,
                          A_Expr_Kind.AEXPR_BETWEEN_SYM, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM):
                bounds = [_const(x) for x in (node.rexpr or ())]
                col = lcol or _length_col(node.lexpr)
                vals: list[str] = []
                for b in bounds:
                    if b is not None:
                        vals += _neighbours(b)
                if _length_col(node.lexpr):
                    vals = ["a" * int(float(v)) for v in vals if _is_count(v)]
                add(col, vals)
        elif isinstance(node, ast.CaseExpr):
            col = _colname(node.arg)
            for w in node.args or ():
                c = _const(w.expr)
                if c is not None:
                    add(col, [c])
    facts.literals = {k: _dedupe(v) for k, v in facts.literals.items()}
    facts.sizes = {k: _dedupe(v) for k, v in facts.sizes.items()}
    return facts


def _is_count(v: str) -> bool:
    try:
        return 0 <= float(v) <= 10000 and float(v) == int(float(v))
    except ValueError:
        return False


def literals_for(expr: str, column: str, seed: int = 0) -> list[str]:
    return expr_facts(expr, seed).literals.get(column, [])


def expr_columns(expr: str) -> list[str]:
    return expr_facts(expr).columns


# --- regular expressions -----------------------------------------------------------------------

_POSIX_CLASSES = {
    "[:alpha:]": "A-Za-z", "[:digit:]": "0-9", "[:alnum:]": "A-Za-z0-9", "[:upper:]": "A-Z",
    "[:lower:]": "a-z", "[:space:]": r" \t", "[:xdigit:]": "0-9A-Fa-f", "[:punct:]": r"!-/:-@\[-`{-~",
    "[:word:]": r"\w",
}


def _to_python(pattern: str) -> str:
    """PostgreSQL's ARE syntax, close enough for Python's parser (the database has the last word)."""
    for k, v in _POSIX_CLASSES.items():
        pattern = pattern.replace(k, v)
    return re.sub(r"\\[mMyY]", "", pattern)


_PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _charset(items: list[Any]) -> tuple[bool, list[str]]:
    negate, chars = False, []
    for op, av in items:
        if op is _sre_c.NEGATE:
            negate = True
        elif op is _sre_c.LITERAL:
            chars.append(chr(av))
        elif op is _sre_c.RANGE:
            lo, hi = av
            chars.extend(chr(c) for c in range(lo, min(hi, lo + 200) + 1))
        elif op is _sre_c.CATEGORY:
            chars.extend(_category(av))
    return negate, chars


def _category(cat: object) -> list[str]:
    name = str(cat)
    if "NOT_DIGIT" in name:
        return list("abc")
    if "DIGIT" in name:
        return list("0123456789")
    if "NOT_SPACE" in name or "NOT_WORD" in name:
        return list("a!") if "SPACE" in name else list("!-")
    if "SPACE" in name:
        return [" "]
    return list("abcxyz019_")


def _gen(items: list[Any], rng: random.Random | None) -> str:
    out: list[str] = []
    for op, av in items:
        if op is _sre_c.LITERAL:
            out.append(chr(av))
        elif op is _sre_c.NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op is _sre_c.ANY:
            out.append(rng.choice("abc123") if rng else "a")
        elif op is _sre_c.IN:
            negate, chars = _charset(av)
            if negate:
                pool = [c for c in _PREFERRED if c not in chars] or ["~"]
            else:
                pool = sorted(set(chars), key=lambda c: (_PREFERRED.find(c) if c in _PREFERRED else 99, c)) or ["a"]
            out.append(rng.choice(pool) if rng else pool[0])
        elif op in (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, getattr(_sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi, sub = av
            hi = lo + 3 if hi is _sre_c.MAXREPEAT else min(hi, lo + 3)
            n = rng.randint(lo, max(hi, lo)) if rng else lo
            out.extend(_gen(sub, rng) for _ in range(n))
        elif op is _sre_c.SUBPATTERN:
            out.append(_gen(av[-1], rng))
        elif op is _sre_c.BRANCH:
            alts = av[1]
            out.append(_gen(rng.choice(alts) if rng else alts[0], rng))
        elif op is _sre_c.CATEGORY:
            cs = _category(av)
            out.append(rng.choice(cs) if rng else cs[0])
        # AT (anchors), ASSERT, GROUPREF ...: nothing to emit
    return "".join(out)


def regex_examples(pattern: str, n: int = 10, seed: int = 0) -> list[str]:
    """Up to `n` distinct strings matching a PostgreSQL regular expression, shortest first."""
    py = _to_python(pattern)
    try:
        tree = list(_sre_p.parse(py))
        rx = re.compile(py)
    except Exception:  # noqa: BLE001 - syntax Python does not know: no examples, the database still judges
        return []
    rng = random.Random(f"re:{seed}:{pattern}")
    out = [_gen(tree, None)]
    for _ in range(n * 4):
        if len(set(out)) >= n:
            break
        out.append(_gen(tree, rng))
    return [s for s in _dedupe(out) if rx.search(s)][:n]


def regex_non_examples(pattern: str) -> list[str]:
    """Strings that do not match the pattern (the shortest first)."""
    py = _to_python(pattern)
    try:
        rx = re.compile(py)
    except re.error:
        return ["", "!"]
    base = (regex_examples(pattern, 1) or ["a"])[0]
    cands = ["", "!", " ", "!" + base, base + "!", base[:-1], base.upper() + "!", "a b", "-", "0"]
    return [s for s in _dedupe(cands) if not rx.search(s)][:3]


def like_examples(pattern: str) -> list[str]:
    """A string matching a LIKE pattern and one that does not."""
    match = pattern.replace("%", "").replace("_", "a")
    return _dedupe([match, match + "x" if pattern.endswith("%") else match, "zz" + match + "!"])
