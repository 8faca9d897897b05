"""Broken and hostile spec projects, for the fuzz test (tests/unit/test_fuzz_specs.py) and bench/fuzz.py.

`make_project(rng, out)` writes into `out` a mutation of one of the repository's own projects
(`schema/`, `examples/eshop`, `examples/starter`): a spec value replaced by a hostile one (SQL smuggled
into function args, returns, set, types, names, comments; over-long or mixed-case role names; lone
surrogates, NUL), a value of the wrong type, a file re-encoded (Latin-1, UTF-16), truncated or with
bytes flipped, a YAML alias bomb, recursive aliases or deep nesting, a file that is a directory, a
symlink loop, an unreadable file, a file name holding a newline, broken trait templates. It returns
a short description of what it did.

`check_rendered(project, rendered)` is the oracle for a render: the DDL text, parsed as a whole (as
psql would run it), holds exactly the statements pgdecl says it rendered, each of the kind expected
(no statement smuggled in through a value or an origin comment).
"""

from __future__ import annotations

import copy
import os
import random
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
BASES = {"schema": ROOT / "schema", "eshop": ROOT / "examples" / "eshop", "starter": ROOT / "examples" / "starter"}
BASE_WEIGHTS = {"starter": 5, "eshop": 3, "schema": 2}

PWNED = "CREATE TABLE pwned (x int)"
ROLE_PWNED = "CREATE ROLE pwned SUPERUSER LOGIN"

# values that try to leave their slot in the DDL, by the key they are put under
INJECT: dict[str, list[str]] = {
    "args": [
        f"x integer) RETURNS integer LANGUAGE sql AS 'select 1'; {PWNED}; CREATE FUNCTION f(y integer",
        "x integer) RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'select 1' --",
        "x integer) RETURNS integer LANGUAGE sql AS 'select 1' /*",
        "x integer DEFAULT (1)); " + ROLE_PWNED + "; --",
        "x integer\n); " + PWNED + "; --",
        "x text DEFAULT $$a$$) RETURNS int AS $$ select 1 $$ LANGUAGE sql; " + PWNED + "; SELECT ($$",
    ],
    "returns": [
        f"integer LANGUAGE sql AS 'select 1'; {PWNED}; CREATE FUNCTION g() RETURNS integer",
        "integer SECURITY DEFINER",
        "void --",
        "TABLE(a int); " + ROLE_PWNED,
        "setof integer /*",
    ],
    "set": [
        f"public; {ROLE_PWNED}",
        f"public AS 'select 1'; {PWNED}; --",
        "public --",
        "public, pg_temp SECURITY DEFINER",
        "(select 1)",
    ],
    "type": [
        f"text); {PWNED}; CREATE TABLE t2 (x text",
        "text --",
        "text /*",
        "text DEFAULT 1",
        "int, evil int",
        "text COLLATE \"C\"",
    ],
    "expression": [
        f"now()); {PWNED}; --",
        "1) --",
        "1 /*",
        "true) WITH (fillfactor = 10",
        "(select 1) --",
    ],
    "comment": [
        f"x'; {PWNED}; --",
        "x\n-- y\n; " + PWNED,
        "it's $$ a $body$ ' \\'",
    ],
    "name": [
        "x\n; " + PWNED + "; --",
        'we"ird',
        "a" * 70,
        "Mixed Case",
        "x' || pg_sleep(1) || '",
        "é" * 40,
    ],
    "role": [
        "AppRole",
        "a" * 64,
        "r" * 80,
        'evil"; ' + ROLE_PWNED + '; --',
        "x\n" + ROLE_PWNED,
    ],
    "privilege": ["select; " + PWNED, "all privileges", "SELECT", "drop"],
    "filename": ["x\n" + PWNED + ";\n--.yaml", "a\rb.yaml", "-- x.yaml", "name with 'quote'.yaml"],
}

WRONG_TYPES: list[Any] = [None, 1, -1, 2**70, 1.5, True, [], {}, ["a", 1], {"a": [1, {"b": None}]}, "", "x" * 5000]

STRANGE_SCALARS = ["\ud800", "a\x00b", "\udcff\udcfe", "\u2028", "\x1b[31mred", "\ufeff", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "%s%n"]


@lru_cache(maxsize=None)
def _base_files(name: str) -> tuple[tuple[str, bytes], ...]:
    root = BASES[name]
    return tuple(sorted((p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*")
                        if p.is_file() and p.suffix in (".yaml", ".yml", ".sql", ".j2")))


@lru_cache(maxsize=None)
def _base_data(name: str, rel: str) -> Any:
    return yaml.safe_load(dict(_base_files(name))[rel])


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value in a YAML document."""
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, path + (i,))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    node = doc
    for p in path[:-1]:
        node = node[p]
    node[path[-1]] = value
    return doc


def _rename_key(doc: Any, path: tuple[Any, ...], new: str) -> Any:
    node = doc
    for p in path[:-1]:
        node = node[p]
    if isinstance(node, dict) and path and path[-1] in node:
        items = list(node.items())
        node.clear()
        node.update({(new if k == path[-1] else k): v for k, v in items})
    return doc


def _dump(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=10_000).encode("utf-8", "surrogatepass")


def _where(doc: Any, last: Callable[[tuple[Any, ...]], bool]) -> list[tuple[Any, ...]]:
    return [p for p in _paths(doc) if p and last(p)]


# --- mutations of one YAML document: (rng, doc) -> (doc, what) -------------------------------------

def _inject_value(rng: random.Random, doc: Any) -> tuple[Any, str]:
    kind = rng.choice(["args", "returns", "set", "type", "expression", "comment", "privilege", "role"])
    if kind in ("args", "returns"):
        cands = _where(doc, lambda p: len(p) == 3 and p[0] == "functions" and p[2] == kind)
        cands += [("functions", fn, kind) for fn in (doc.get("functions") or {}) if kind == "args"]
    elif kind == "set":
        cands = [("functions", fn, "set", "search_path") for fn in (doc.get("functions") or {})]
    elif kind == "type":
        cands = _where(doc, lambda p: p[-1] == "type")
    elif kind == "expression":
        cands = _where(doc, lambda p: p[-1] in ("default", "check", "where", "using", "with_check", "generated")
                       or (len(p) == 4 and p[2] == "checks"))
    elif kind == "comment":
        cands = _where(doc, lambda p: p[-1] == "comment")
    elif kind == "privilege":
        cands = _where(doc, lambda p: len(p) >= 2 and p[-2] == "grants")
    else:
        cands = _where(doc, lambda p: (len(p) >= 2 and p[-2] in ("to", "member_of")) or p[-1] == "owner")
    if not cands or not isinstance(doc, dict):
        return _wrong_type(rng, doc)
    path = rng.choice(cands)
    value: Any = rng.choice(INJECT[kind])
    if kind == "privilege":
        value = [value]
    try:
        _set(doc, path, value)
    except (KeyError, IndexError, TypeError):
        return doc, "nothing"
    return doc, f"{kind} at {'.'.join(map(str, path))} = {value!r}"


def _inject_name(rng: random.Random, doc: Any) -> tuple[Any, str]:
    cands = _where(doc, lambda p: len(p) in (2, 4) and isinstance(p[-1], str)
                   and p[0] in ("tables", "enums", "functions", "views", "roles", "domains", "sequences")
                   and (len(p) == 2 or p[2] in ("columns", "checks", "policies", "triggers", "grants")))
    if not cands:
        return _wrong_type(rng, doc)
    path = rng.choice(cands)
    new = rng.choice(INJECT["role"] if path[0] == "roles" or (len(path) == 4 and path[2] == "grants")
                     else INJECT["name"])
    return _rename_key(doc, path, new), f"name {'.'.join(map(str, path))} -> {new!r}"


def _mixed_case_role(rng: random.Random, doc: Any) -> tuple[Any, str]:
    """A role spelt in mixed case, defined and used in policies, grants, member_of and owner."""
    doc = doc if isinstance(doc, dict) else {}
    doc.setdefault("roles", {})
    if not isinstance(doc["roles"], dict):
        doc["roles"] = {}
    doc["roles"]["AppRole"] = {"member_of": ["Parent Role"]}
    doc["roles"]["Parent Role"] = {}
    for t in (doc.get("tables") or {}).values():
        if isinstance(t, dict):
            t.setdefault("grants", {})["AppRole"] = ["select"]
            t["owner"] = "Parent Role"
            for pol in (t.get("policies") or {}).values():
                if isinstance(pol, dict):
                    pol["to"] = ["AppRole"]
            break
    return doc, "mixed-case roles"


def _wrong_type(rng: random.Random, doc: Any) -> tuple[Any, str]:
    paths = _paths(doc)
    path = rng.choice(paths)
    value = copy.deepcopy(rng.choice(WRONG_TYPES + STRANGE_SCALARS))
    return _set(doc, path, value), f"wrong type at {'.'.join(map(str, path))} = {value!r:.60}"


def _strange_scalar(rng: random.Random, doc: Any) -> tuple[Any, str]:
    cands = [p for p in _paths(doc) if p]
    if not cands:
        return _wrong_type(rng, doc)
    path = rng.choice(cands)
    s = rng.choice(STRANGE_SCALARS)
    if rng.random() < 0.5:
        return _rename_key(doc, path, f"k{s}"), f"key with {s!r}"
    return _set(doc, path, f"v{s}"), f"value with {s!r}"


def _delete(rng: random.Random, doc: Any) -> tuple[Any, str]:
    cands = [p for p in _paths(doc) if p]
    if not cands:
        return doc, "nothing"
    path = rng.choice(cands)
    node = doc
    for p in path[:-1]:
        node = node[p]
    del node[path[-1]]
    return doc, f"deleted {'.'.join(map(str, path))}"


DOC_MUTATIONS = [(_inject_value, 6), (_inject_name, 3), (_wrong_type, 4), (_strange_scalar, 2), (_delete, 2),
                 (_mixed_case_role, 1)]


# --- mutations of bytes and files ----------------------------------------------------------------

def alias_bomb(levels: int = 12, width: int = 9) -> bytes:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    lines.append(f"tables: {{t: {{columns: *a{levels - 1}}}}}")
    return ("\n".join(lines) + "\n").encode()


def merge_bomb(levels: int = 10, width: int = 9) -> bytes:
    lines = ["m0: &m0 {k: v}"]
    for i in range(1, levels):
        lines.append(f"m{i}: &m{i} {{<<: [" + ", ".join([f"*m{i - 1}"] * width) + "]}")
    return ("\n".join(lines) + "\n").encode()


BYTE_MUTATIONS: dict[str, Callable[[random.Random, bytes], bytes]] = {
    "latin-1": lambda r, b: b.decode("utf-8").encode("latin-1", "replace") + "\n# café\n".encode("latin-1"),
    "utf-16": lambda r, b: b.decode("utf-8").encode("utf-16"),
    "utf-8 bom": lambda r, b: b"\xef\xbb\xbf" + b,
    "truncated": lambda r, b: b[: r.randrange(len(b) + 1)],
    "flipped": lambda r, b: bytes(x ^ (1 << r.randrange(8)) if r.random() < 0.01 else x for x in b),
    "alias bomb": lambda r, b: alias_bomb(r.choice([8, 12, 20])),
    "merge bomb": lambda r, b: merge_bomb(r.choice([6, 10])),
    "recursive alias": lambda r, b: b"tables: &t {t: {columns: *t}}\n" if r.random() < 0.5
    else b"a: &a [*a]\ntables: {t: {columns: {c: *a}}}\n",
    "deep nesting": lambda r, b: b"tables: " + b"[" * r.choice([200, 5_000, 100_000]) + b"]" * 3,
    "deep mapping": lambda r, b: b"tables:\n" + b"".join(b" " * i + b"k%d:\n" % i for i in range(2_000)),
    "huge": lambda r, b: b + b"#" + b"x" * (r.choice([1, 70]) << 20) + b"\n",
    "tab and junk": lambda r, b: b.replace(b"  ", b"\t", 3) + b"\n\x07\x00\n",
    "lone surrogate escape": lambda r, b: b + b'\ncomment_x: "\\ud800"\ntables: {"t\\udc80": {columns: {a: text}}}\n',
    "duplicate document": lambda r, b: b + b"\n---\n" + b,
    "tag": lambda r, b: b"!!python/object/apply:os.system ['echo pwned']\n",
    "binary tag": lambda r, b: b"tables: !!binary aGVsbG8=\n",
}

TRAIT_TEMPLATES: dict[str, str] = {
    "syntax error": "columns: {% if %}\n",
    "unclosed": "columns:\n  {% for c in x %}\n",
    "undefined": "columns:\n  {{ nothing.here }}: text\n",
    "list": "- a\n- b\n",
    "columns list": "columns: [a, b]\n",
    "indexes mapping": "indexes: {a: b}\n",
    "requires wrong": "requires: [1, 2]\n",
    "requires inner": "requires:\n  functions: [x]\n",
    "unknown key": "bogus: 1\n",
    "bomb": alias_bomb(10).decode(),
    "recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "big range": "{% for i in range(10**12) %}{% endfor %}columns: {}\n",
    "huge string": "columns: {a: {type: text, comment: '{{ 'x' * 10**8 }}'}}\n",
    "huge power": "{% set n = 10**9 %}columns: {a: {type: text, comment: '{{ 9 ** n }}'}}\n",
    "attr escape": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "python tag": "columns: !!python/name:os.system\n",
    "include self": "{% include 'mine.yaml.j2' %}",
    "latin-1": None,  # written as Latin-1 bytes below
}


def _write_traits(rng: random.Random, out: Path, files: dict[str, bytes]) -> str:
    kind = rng.choice(list(TRAIT_TEMPLATES))
    text = TRAIT_TEMPLATES[kind]
    data = b"columns:\n  caf\xe9: text\n" if text is None else text.encode()
    (out / "traits").mkdir(exist_ok=True)
    (out / "traits" / "mine.yaml.j2").write_bytes(data)
    rel = next((r for r in files if r.endswith((".yaml", ".yml"))), None)
    args = rng.choice([None, {"column": [1, 2]}, {1: 2}, {"x": {"y": None}}, "scalar", [1]])
    trait: Any = "mine" if args is None else {"mine": args}
    doc = {"tables": {"traited": {"columns": {"id": {"type": "int", "primary_key": True}}, "traits": [trait]}}}
    files["zz_traits.yaml"] = _dump(doc)
    return f"trait template {kind!r} with arguments {args!r}" + (f" (next to {rel})" if rel else "")


def _special_file(rng: random.Random, out: Path, files: dict[str, bytes]) -> str:
    kind = rng.choice(["dir named yaml", "symlink loop", "dangling symlink", "unreadable", "unreadable dir",
                       "fifo", "newline name", "unreadable trait", "trait dir unreadable"])
    if kind == "dir named yaml":
        (out / "dir.yaml").mkdir()
    elif kind == "symlink loop":
        os.symlink("loop_b.yaml", out / "loop_a.yaml")
        os.symlink("loop_a.yaml", out / "loop_b.yaml")
        os.symlink(".", out / "self_dir")
    elif kind == "dangling symlink":
        os.symlink("missing.yaml", out / "dangling.yaml")
    elif kind == "unreadable":
        files["zz_secret.yaml"] = b"tables: {s: {columns: {a: text}}}\n"
        return "unreadable:zz_secret.yaml"
    elif kind == "unreadable dir":
        (out / "locked").mkdir()
        (out / "locked" / "x.yaml").write_text("tables: {}\n")
        return "unreadable:locked"
    elif kind == "fifo":
        os.mkfifo(out / "pipe.yaml")
    elif kind == "newline name":
        name = rng.choice(INJECT["filename"])
        files[name] = b"tables:\n  nl_table: {columns: {id: {type: int, primary_key: true}}}\n"
    elif kind in ("unreadable trait", "trait dir unreadable"):
        (out / "traits").mkdir(exist_ok=True)
        (out / "traits" / "mine.yaml.j2").write_text("columns: {x: text}\n")
        files["zz_traits.yaml"] = _dump({"tables": {"tt": {"columns": {"id": "int"}, "traits": ["mine"]}}})
        return "unreadable:" + ("traits/mine.yaml.j2" if kind == "unreadable trait" else "traits")
    return kind


def make_project(rng: random.Random, out: Path) -> str:
    """Write a broken or hostile project into the empty directory `out`; return what was done."""
    base = rng.choices(list(BASE_WEIGHTS), weights=list(BASE_WEIGHTS.values()))[0]
    files = dict(_base_files(base))
    yaml_files = [r for r in files if r.endswith((".yaml", ".yml"))]
    if rng.random() < 0.3 and len(yaml_files) > 2:  # a subset of the files: references break
        keep = set(rng.sample(yaml_files, rng.randint(1, len(yaml_files) - 1)))
        files = {r: b for r, b in files.items() if r in keep or not r.endswith((".yaml", ".yml"))}
        yaml_files = [r for r in files if r.endswith((".yaml", ".yml"))]
    what = [base]
    unreadable: list[str] = []
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        roll = rng.random()
        rel = rng.choice(yaml_files)
        if roll < 0.6:
            doc = copy.deepcopy(_base_data(base, rel))
            fn = rng.choices([f for f, _ in DOC_MUTATIONS], weights=[w for _, w in DOC_MUTATIONS])[0]
            try:
                doc, did = fn(rng, doc)
            except (KeyError, IndexError, TypeError):
                continue
            files[rel] = _dump(doc)
            what.append(f"{rel}: {did}")
        elif roll < 0.8:
            kind = rng.choice(list(BYTE_MUTATIONS))
            try:
                files[rel] = BYTE_MUTATIONS[kind](rng, files[rel])
            except UnicodeError:
                continue
            what.append(f"{rel}: {kind}")
        elif roll < 0.9:
            what.append(_write_traits(rng, out, files))
        else:
            try:
                did = _special_file(rng, out, files)
            except FileExistsError:  # the same special file twice
                continue
            if did.startswith("unreadable:"):
                unreadable.append(did.split(":", 1)[1])
            what.append(did)
    for rel, data in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel in unreadable:
        os.chmod(out / rel, 0)
    return "; ".join(what)


def drop_dac() -> None:
    """Lose root's power to read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), for this process and
    what it starts, so that an unreadable spec is unreadable; nothing when not root."""
    import ctypes

    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]

    header, data = Header(0x20080522, 0), (Data * 2)()
    if libc.capget(ctypes.byref(header), data) != 0:
        return
    for d in data[:1]:
        mask = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF
        d.effective &= mask
        d.permitted &= mask
        d.inheritable &= mask
    libc.capset(ctypes.byref(header), data)


# --- the oracle of a render ----------------------------------------------------------------------

def check_rendered(project: Any, rendered: Any) -> list[str]:
    """Problems of a render: DDL text that does not parse, or whose statements are not the ones
    rendered (a statement smuggled in through a value, a name or an origin comment)."""
    import pglast
    from pglast.parser import ParseError

    from pgdecl.fragments import STATEMENT_NODES

    text = rendered.text()
    try:
        stmts = pglast.parse_sql(text)
    except ParseError as e:
        return [f"unparseable: {e}"]
    problems = []
    nodes = [type(s.stmt).__name__ for s in stmts]
    if len(stmts) != len(rendered.statements):
        problems.append(f"injected: {len(stmts)} statements parsed, {len(rendered.statements)} rendered")
    for ddl, node in zip(rendered.statements, nodes):
        if ddl.kind != "sql" and node not in STATEMENT_NODES.get(ddl.kind, ()):
            problems.append(f"injected: a {node} where a {ddl.kind} was rendered")
            break
    raw_roles = sum("CREATE ROLE" in r.sql.upper() for r in project.raw_sql)
    if not raw_roles and any(n == "CreateRoleStmt" for n in nodes):
        problems.append("injected: CREATE ROLE")
    raw_tables = any("CREATE TABLE" in r.sql.upper() for r in project.raw_sql)
    if not raw_tables and nodes.count("CreateStmt") > len(project.tables):
        problems.append(f"injected: {nodes.count('CreateStmt')} CREATE TABLE for {len(project.tables)} tables")
    return problems


def run_commands(project_dir: Path) -> list[str]:
    """validate/render, lint and docs of a project in this process: one outcome per command, 'ok',
    'error' (a PgdeclError: a clear message), 'traceback: Kind: message', or the render's problems."""
    from pgdecl.desired import desired_from_specs
    from pgdecl.docs import project_docs
    from pgdecl.errors import PgdeclError
    from pgdecl.lint import lint_project

    out = []
    for name, fn in (("render", desired_from_specs), ("lint", lint_project), ("docs", project_docs)):
        try:
            result = fn(project_dir)
        except PgdeclError as e:
            if not str(e).strip():
                out.append(f"{name} traceback: empty error message")
            else:
                out.append("error")
            continue
        except RecursionError as e:
            out.append(f"{name} traceback: RecursionError: {str(e)[:80]}")
            continue
        except MemoryError:
            out.append(f"{name} memory")
            continue
        except Exception as e:  # noqa: BLE001 - what the fuzzer looks for
            tb = e.__traceback__
            while tb is not None and tb.tb_next is not None:
                tb = tb.tb_next
            where = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}" if tb else "?"
            out.append(f"{name} traceback: {type(e).__name__} at {where}: {str(e)[:80]!r}")
            continue
        if name == "render":
            out.extend(f"render {p}" for p in check_rendered(result.project, result.rendered))
        out.append("ok")
    return out
