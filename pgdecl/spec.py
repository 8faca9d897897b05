"""Spec loading: a project directory of YAML (and raw .sql) files -> one `Project`.

YAML is read with line marks kept for every key and list item, so each error names file:line.
Booleans are YAML 1.2 style (only true/false), so `yes`, `no`, `on` and `off` stay strings.
Traits (`traits: [uuid_pk, timestamps]`) expand through Jinja templates before validation.
"""

from __future__ import annotations

import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import yaml
from pydantic import ValidationError

from .errors import Origin, SpecError, SpecErrors
from .model import KINDS, Project, RawSQL, SpecFile, qualify
from .partition_model import expand_shorthands as _partition_shorthands

if TYPE_CHECKING:
    import jinja2

Path_ = tuple[Any, ...]

SPEC_SUFFIXES = (".yaml", ".yml")
TRAITS_DIR = "traits"


def templates_dir() -> Path:
    """The templates shipped with pgdecl: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("pgdecl templates directory not found")


class _PyLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false (any case) are booleans."""


_PyLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_PyLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


_STR = "tag:yaml.org,2002:str"
_SPECIAL_KEYS = ("tag:yaml.org,2002:merge", "tag:yaml.org,2002:value")  # `<<` and `=`: the composer's path
_IMMUTABLE = frozenset(("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:int",
                        "tag:yaml.org,2002:float"))
_MEMO_MAX = 200_000  # distinct plain scalars remembered per loader class

# Limits on what one file may make pgdecl build, so a hostile file fails fast instead of exhausting memory
MAX_FILE_BYTES = 64 << 20   # a spec file, a raw .sql file, a rendered trait
MAX_DEPTH = 64              # nested mappings and lists (a spec needs about 8)
MAX_EXPANSION = 1_000_000   # values that aliases may add beyond those written (a YAML "billion laughs")
_PY_WORDING_MAX = 256 << 10  # above this, a YAML mistake is worded by libyaml, not re-parsed by PyYAML


class _Loader(getattr(yaml, "CSafeLoader", _PyLoader)):  # type: ignore[misc]
    """The same, parsed by libyaml when PyYAML has it (5x faster on large projects)."""

    yaml_implicit_resolvers = _PyLoader.yaml_implicit_resolvers

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The resolver's tag, remembered per plain scalar (the same few words recur thousands of times)."""
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)
        return _resolve(self, value, implicit)


_RESOLVED: dict[type, dict[tuple[str, tuple[bool, bool]], str]] = {}
_SCALARS: dict[type, dict[tuple[str, str], Any]] = {}


def _resolve(loader: Any, value: str, implicit: tuple[bool, bool]) -> str:
    memo = _RESOLVED.setdefault(type(loader), {})
    key = (value, implicit)
    tag = memo.get(key)
    if tag is None:
        if len(memo) > _MEMO_MAX:
            memo.clear()
        tag = memo[key] = yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, value, implicit)
    return tag


@dataclass
class YamlDoc:
    """A parsed YAML file with the line of every key and list item."""

    file: str
    data: Any
    marks: dict[Path_, int] = field(default_factory=dict)

    def line(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest marked ancestor."""
        p = tuple(path)
        while p:
            if p in self.marks:
                return self.marks[p]
            p = p[:-1]
        return 1

    def origin(self, path: Path_, obj: str | None = None) -> Origin:
        return Origin(self.file, self.line(path), obj)


def load_yaml(text: str, file: str) -> YamlDoc:
    fast = _load_events(text, file)
    return fast if fast is not None else _load_nodes(text, file)


def load_spec_yaml(text: str, file: str) -> YamlDoc:
    """`load_yaml` for a spec: no string may hold a lone surrogate or a NUL."""
    doc = load_yaml(text, file)
    if "\\" in text:  # only an escape in a double-quoted scalar makes a lone surrogate or a NUL
        _check_strings(doc, doc.data, ())
    return doc


def _check_strings(doc: YamlDoc, node: Any, path: Path_) -> None:
    """No lone surrogate (it cannot be written as UTF-8) and no NUL (PostgreSQL cannot store it)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        for s in (k, v):
            if isinstance(s, str) and (_BAD_CHARS.search(s)):
                what = "a NUL character" if "\x00" in s else "a lone surrogate (not a character)"
                raise SpecError(f"{what} in {s!r:.80}", doc.origin(path + (k,), _object_label(path + (k,))))
        if isinstance(v, (dict, list)):
            _check_strings(doc, v, path + (k,))


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")


def _prescan(text: str, file: str, loader_class: type = _Loader) -> None:
    """Before the composer builds anything: refuse nesting deeper than MAX_DEPTH, recursive aliases, and
    aliases expanding to more than MAX_EXPANSION values beyond those written. One pass over the
    parser's events, no recursion; a YAML mistake is left to the composer to word."""
    loader = loader_class(text)
    sizes: dict[str, int] = {}
    stack: list[list[Any]] = []  # [anchor, values so far]
    written = expanded = 0
    try:
        while True:
            event = loader.get_event()
            kind = type(event)
            if kind is yaml.StreamEndEvent:
                return
            if kind in (_MappingStart, _SequenceStart):
                if len(stack) >= MAX_DEPTH:
                    raise SpecError(f"nested deeper than {MAX_DEPTH} levels", Origin(file, event.start_mark.line + 1))
                stack.append([event.anchor, 0])
                continue
            if kind in (_MappingEnd, _SequenceEnd):
                anchor, n = stack.pop()
                if anchor is not None:
                    sizes[anchor] = n + 1
                if stack:
                    stack[-1][1] += n + 1
                continue
            if kind is _ScalarEvent:
                n = 1
                written += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif kind is yaml.AliasEvent:
                if event.anchor not in sizes:
                    if any(a == event.anchor for a, _ in stack):
                        raise SpecError(f"alias *{event.anchor} refers to the node that contains it (a recursive "
                                        "alias)", Origin(file, event.start_mark.line + 1))
                    return  # an undefined alias: the composer says so
                n = sizes[event.anchor]
                expanded += n
                if expanded - written > MAX_EXPANSION:
                    raise SpecError(f"aliases expand to more than {MAX_EXPANSION:,} values (a YAML alias bomb?)",
                                    Origin(file, event.start_mark.line + 1))
            else:
                continue
            if stack:
                stack[-1][1] += n
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


class _Unusual(Exception):
    """The event reader met something it leaves to the composer: anchors, aliases, tags, merge keys,
    duplicate or non-scalar keys, several documents, a mistake."""


def _load_events(text: str, file: str) -> YamlDoc | None:
    """Build the data straight from the parser's events, without PyYAML's node tree (3x faster). Plain
    documents only: anything else returns None and goes through `_load_nodes`, whose data, marks and
    messages are the reference (tests/unit/test_speed_yaml.py compares the two)."""
    loader = _Loader(text)
    try:
        get = loader.get_event
        get()  # StreamStartEvent
        event = get()
        doc = YamlDoc(file, None)
        if type(event) is yaml.StreamEndEvent:
            doc.data = {}
            return doc
        if type(event) is not yaml.DocumentStartEvent:
            raise _Unusual
        doc.data = _EventReader(loader, doc.marks).node(get(), ())
        if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
            raise _Unusual
        return doc
    except Exception:  # noqa: BLE001 - whatever it is, the composer's path reports it as it always did
        return None
    finally:
        loader.dispose()


class _EventReader:
    def __init__(self, loader: Any, marks: dict[Path_, int]) -> None:
        self.loader = loader
        self.get = loader.get_event
        self.marks = marks
        self.resolved = _RESOLVED.setdefault(type(loader), {})
        self.scalars = _SCALARS.setdefault(type(loader), {})

    def scalar(self, event: Any) -> Any:
        if event.anchor is not None or event.tag is not None:
            raise _Unusual
        value = event.value
        implicit = event.implicit
        if not implicit[0]:
            return value  # quoted or block: a string
        tag = self.resolved.get((value, implicit)) or _resolve(self.loader, value, implicit)
        if tag == _STR:
            return value
        if tag in _SPECIAL_KEYS:
            raise _Unusual
        key = (tag, value)
        if tag in _IMMUTABLE and key in self.scalars:
            return self.scalars[key]
        out = self.loader.construct_object(yaml.ScalarNode(tag, value, event.start_mark, event.end_mark,
                                                           event.style), deep=True)
        if tag in _IMMUTABLE:
            if len(self.scalars) > _MEMO_MAX:
                self.scalars.clear()
            self.scalars[key] = out
        return out

    def node(self, event: Any, path: Path_) -> Any:
        kind = type(event)
        if kind is _ScalarEvent:
            return self.scalar(event)
        if event.anchor is not None or getattr(event, "tag", None) is not None or len(path) >= MAX_DEPTH:
            raise _Unusual
        get, marks, scalar = self.get, self.marks, self.scalar
        if kind is _MappingStart:
            out: dict[Any, Any] = {}
            while True:
                kevent = get()
                kk = type(kevent)
                if kk is _MappingEnd:
                    return out
                if kk is not _ScalarEvent:
                    raise _Unusual
                key = scalar(kevent)
                if key in out:
                    raise _Unusual
                kpath = path + (key,)
                marks[kpath] = kevent.start_mark.line + 1
                vevent = get()
                out[key] = scalar(vevent) if type(vevent) is _ScalarEvent else self.node(vevent, kpath)
        if kind is _SequenceStart:
            items = []
            i = 0
            while True:
                event = get()
                ek = type(event)
                if ek is _SequenceEnd:
                    return items
                ipath = path + (i,)
                marks[ipath] = event.start_mark.line + 1
                items.append(scalar(event) if ek is _ScalarEvent else self.node(event, ipath))
                i += 1
        raise _Unusual  # an alias


_ScalarEvent, _MappingStart, _MappingEnd = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent
_SequenceStart, _SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent


def _load_nodes(text: str, file: str) -> YamlDoc:
    """Through PyYAML's composer: anchors, aliases, tags, merge keys, and the wording of every mistake."""
    _prescan(text, file)
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError:
            if len(text) > _PY_WORDING_MAX:  # PyYAML's pure-Python parser takes about a second per MiB
                raise
            loader.dispose()
            _prescan(text, file, _PyLoader)  # libyaml may stop early where PyYAML's recursive composer goes on
            loader = _PyLoader(text)  # PyYAML's own wording of the mistake, the same with or without libyaml
            node = loader.get_single_node()
    except RecursionError:
        raise SpecError("nested too deeply", Origin(file)) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SpecError(f"invalid YAML: {e.problem or e}", Origin(file, mark.line + 1 if mark else None)) from None
    except yaml.YAMLError as e:
        raise SpecError(f"invalid YAML: {e}", Origin(file)) from None
    finally:
        loader.dispose()
    doc = YamlDoc(file, None)
    if node is None:
        doc.data = {}
        return doc
    try:
        doc.data = _build(loader, node, (), doc)
    except yaml.YAMLError as e:  # a constructor's complaint: a bad merge key, an unknown tag, bad base64
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        raise SpecError(f"invalid YAML: {getattr(e, 'problem', None) or e}",
                        Origin(file, mark.line + 1 if mark else None)) from None
    except (ValueError, TypeError, OverflowError) as e:  # a value the constructor cannot make (a bad date)
        raise SpecError(f"invalid YAML value: {e}", Origin(file)) from None
    return doc


def _build(loader: _Loader, node: yaml.Node, path: Path_, doc: YamlDoc) -> Any:
    if len(path) > MAX_DEPTH:
        raise SpecError(f"nested deeper than {MAX_DEPTH} levels", Origin(doc.file, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        if len(node.value) > MAX_EXPANSION:
            raise SpecError(f"merge keys expand to more than {MAX_EXPANSION:,} keys",
                            Origin(doc.file, node.start_mark.line + 1))
        out: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = loader.construct_object(knode, deep=True)
            if isinstance(key, (list, dict)):
                raise SpecError("a mapping key must be a plain value", Origin(doc.file, knode.start_mark.line + 1))
            if key in out:
                raise SpecError(
                    f"duplicate key {key!r} (first at line {doc.marks[path + (key,)]})",
                    Origin(doc.file, knode.start_mark.line + 1, ".".join(map(str, path + (key,)))),
                )
            doc.marks[path + (key,)] = knode.start_mark.line + 1
            out[key] = _build(loader, vnode, path + (key,), doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            doc.marks[path + (i,)] = item.start_mark.line + 1
            items.append(_build(loader, item, path + (i,), doc))
        return items
    return loader.construct_object(node, deep=True)


# --- traits -------------------------------------------------------------------------------------


class Traits:
    """Finds and renders trait templates: the project's own `traits/` first, then pgdecl's. Templates run
    sandboxed (no attribute tricks, bounded ranges and repetitions); whatever goes wrong in one is a
    SpecError naming the table that uses it."""

    def __init__(self, project_dir: Path) -> None:
        self.dirs = [project_dir / TRAITS_DIR, templates_dir() / "traits"]

    @cached_property
    def env(self) -> jinja2.Environment:  # Jinja is imported only by projects that use traits
        import jinja2

        from .traits_sandbox import sandbox

        return sandbox(jinja2.FileSystemLoader([str(d) for d in self.dirs if d.is_dir()]))

    def names(self) -> list[str]:
        try:
            return sorted({n.removesuffix(".yaml.j2") for n in self.env.list_templates(extensions=["j2"])})
        except OSError:
            return []

    def expand(self, name: str, context: dict[str, Any], origin: Origin) -> dict[str, Any]:
        import jinja2

        try:
            template = self.env.get_template(f"{name}.yaml.j2")
        except jinja2.TemplateNotFound:
            raise SpecError(f"unknown trait {name!r} (known: {', '.join(self.names())})", origin) from None
        except jinja2.TemplateSyntaxError as e:
            raise SpecError(f"trait {name!r}: template {e.filename or e.name}:{e.lineno}: {e.message}", origin) from None
        except OSError as e:
            raise SpecError(f"trait {name!r}: cannot read {e.filename}: {e.strerror}", origin) from None
        except UnicodeDecodeError as e:
            raise SpecError(f"trait {name!r}: the template is not UTF-8 ({e.reason} at byte {e.start})", origin) from None
        try:
            text = template.render(**context)
        except jinja2.TemplateError as e:
            raise SpecError(f"trait {name!r} failed to render: {e}", origin) from None
        except RecursionError:
            raise SpecError(f"trait {name!r} failed to render: it recurses without end", origin) from None
        except Exception as e:  # noqa: BLE001 - the project's own template code: any failure is its mistake
            raise SpecError(f"trait {name!r} failed to render: {type(e).__name__}: {e}", origin) from None
        if len(text) > MAX_FILE_BYTES:
            raise SpecError(f"trait {name!r} rendered more than {MAX_FILE_BYTES >> 20} MiB", origin)
        try:
            data = load_spec_yaml(text, f"{origin.file}: trait {name}").data or {}
        except SpecError as e:
            raise SpecError(f"trait {name!r} rendered invalid YAML: {e.message}", origin) from None
        if not isinstance(data, dict):
            raise SpecError(f"trait {name!r} must render a mapping", origin)
        return data


_TABLE_DICT_KEYS = ("columns", "checks", "triggers", "policies", "grants")
_TABLE_LIST_KEYS = ("indexes", "foreign_keys", "unique", "primary_key")


def _expand_traits(doc: YamlDoc, traits: Traits, required: dict[str, dict[str, Any]]) -> None:
    tables = doc.data.get("tables") if isinstance(doc.data, dict) else None
    if not isinstance(tables, dict):
        return
    file_schema = doc.data.get("schema", "public")
    for tname, tdata in tables.items():
        if not isinstance(tdata, dict) or not tdata.get("traits"):
            continue
        tlist = tdata["traits"]
        if not isinstance(tlist, list):
            raise SpecError("traits must be a list", doc.origin(("tables", tname, "traits"), f"table {tname}"))
        schema, _, bare = str(tname).rpartition(".")
        new = dict(tdata)
        for i, item in enumerate(tlist):
            path = ("tables", tname, "traits", i)
            origin = doc.origin(path, f"table {tname}")
            if isinstance(item, str):
                tr_name, args = item, {}
            elif isinstance(item, dict) and len(item) == 1:
                tr_name, args = next(iter(item.items()))
                args = args or {}
                if not isinstance(args, dict):
                    raise SpecError(f"arguments of trait {tr_name!r} must be a mapping", origin)
            else:
                raise SpecError("a trait is a name or {name: {arguments}}", origin)
            if not isinstance(tr_name, str):
                raise SpecError(f"a trait name must be a string, not {tr_name!r}", origin)
            bad = [k for k in args if not isinstance(k, str) or not k.isidentifier()]
            if bad:
                raise SpecError(f"arguments of trait {tr_name!r} must be names, not {bad[0]!r}", origin)
            ctx = {"table": bare, "schema": schema or file_schema, "qualified": f"{schema or file_schema}.{bare}", **args}
            out = traits.expand(str(tr_name), ctx, origin)
            first = bool(out.pop("columns_first", False))
            requires = out.pop("requires", None) or {}
            if not isinstance(requires, dict) or not all(isinstance(v, dict) or v is None for v in requires.values()):
                raise SpecError(f"trait {tr_name!r}: requires must map kinds to objects, e.g. "
                                "{functions: {name: {...}}}", origin)
            for key, value in requires.items():
                for oname, odata in (value or {}).items():
                    required.setdefault(key, {}).setdefault(oname, (odata, origin))
            for key, value in out.items():
                want = dict if key in _TABLE_DICT_KEYS else list if key in _TABLE_LIST_KEYS else None
                if want is not None and not isinstance(value, want):
                    raise SpecError(f"trait {tr_name!r}: {key} must be a {'mapping' if want is dict else 'list'}, "
                                    f"not {type(value).__name__}", origin)
                if want is not None and not isinstance(new.get(key) or want(), want):
                    raise SpecError(f"{key} must be a {'mapping' if want is dict else 'list'}",
                                    doc.origin(("tables", tname, key), f"table {tname}"))
                if key in _TABLE_DICT_KEYS:
                    mine = new.get(key) or {}
                    if first:
                        merged = {**value, **mine}
                    else:
                        merged = {**mine, **{k: v for k, v in value.items() if k not in mine}}
                    new[key] = merged
                    for k in value:
                        doc.marks.setdefault(("tables", tname, key, k), origin.line or 1)
                elif key in _TABLE_LIST_KEYS:
                    mine = list(new.get(key) or [])
                    if key == "primary_key" and mine:
                        continue
                    start = len(mine)
                    new[key] = mine + list(value)
                    for j in range(len(value)):
                        doc.marks.setdefault(("tables", tname, key, start + j), origin.line or 1)
                elif key == "comment":
                    new.setdefault("comment", value)
                else:
                    raise SpecError(f"trait {tr_name!r} sets unsupported table key {key!r}", origin)
        new.pop("traits")
        tables[tname] = new


# --- validation into the model ------------------------------------------------------------------

# Where objects live in a spec file, so each gets an origin: (kind, level-below-kind pattern)
_OBJECT_PATHS: tuple[tuple[str, ...], ...] = (
    ("tables", "*", "columns", "*"),
    ("tables", "*", "triggers", "*"),
    ("tables", "*", "policies", "*"),
    ("tables", "*", "indexes", "#"),
    ("tables", "*", "foreign_keys", "#"),
    ("tables", "*", "unique", "#"),
    ("views", "*", "indexes", "#"),
)

_KIND_NAMES = {
    "tables": "table", "views": "view", "enums": "enum", "domains": "domain", "sequences": "sequence",
    "functions": "function", "roles": "role", "extensions": "extension", "schemas": "schema",
}


def _object_label(path: Path_) -> str | None:
    """A human name for the object at `path`, e.g. 'table users, column email'."""
    if len(path) < 2 or path[0] not in _KIND_NAMES:
        return None
    label = f"{_KIND_NAMES[path[0]]} {path[1]}"
    if len(path) >= 4 and path[2] in ("columns", "triggers", "policies", "indexes", "foreign_keys", "unique", "checks"):
        sub = {"columns": "column", "triggers": "trigger", "policies": "policy", "indexes": "index",
               "foreign_keys": "foreign key", "unique": "unique constraint", "checks": "check"}[path[2]]
        ref = path[3] if isinstance(path[3], str) else f"#{path[3] + 1}"
        label += f", {sub} {ref}"
    return label


def _inject_origins(doc: YamlDoc) -> None:
    data = doc.data
    if isinstance(data.get("extensions"), list):  # shorthand: a list of names
        data["extensions"] = {str(e): {} for e in data["extensions"]}
        for e in data["extensions"]:
            doc.marks.setdefault(("extensions", e), doc.marks.get(("extensions",), 1))
    for _tname, table in (data.get("tables") or {}).items() if isinstance(data.get("tables"), dict) else ():
        cols = table.get("columns") if isinstance(table, dict) else None
        if isinstance(cols, dict):  # shorthand: `name: type`
            for cname, col in cols.items():
                if isinstance(col, str):
                    cols[cname] = {"type": col}
    for kind in KINDS:
        objs = data.get(kind)
        if not isinstance(objs, dict):
            continue
        for name, obj in objs.items():
            if kind == "enums" and isinstance(obj, list):
                objs[name] = obj = {"values": obj}
            if isinstance(obj, dict):
                obj["origin"] = doc.origin((kind, name), _object_label((kind, name)))
    if isinstance(data.get("database"), dict):
        data["database"]["origin"] = doc.origin(("database",), "database")
    for pattern in _OBJECT_PATHS:
        _inject(doc, data, pattern, ())


def _inject(doc: YamlDoc, node: Any, pattern: tuple[str, ...], path: Path_) -> None:
    if not pattern:
        if isinstance(node, dict):
            node["origin"] = doc.origin(path, _object_label(path))
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*" and isinstance(node, dict):
        for k, v in node.items():
            if k != "origin":
                _inject(doc, v, rest, path + (k,))
    elif head == "#" and isinstance(node, list):
        for i, v in enumerate(node):
            _inject(doc, v, rest, path + (i,))
    elif isinstance(node, dict) and head in node:
        _inject(doc, node[head], rest, path + (head,))


def _pydantic_errors(doc: YamlDoc, err: ValidationError) -> list[SpecError]:
    out = []
    for e in err.errors():
        loc = tuple(x for x in e["loc"] if x not in ("function-before[_short(), ...]",))
        loc = tuple(x for x in loc if not (isinstance(x, str) and (x.startswith("function-") or x in ("str", "list[str]", "dict[str,any]"))))
        shown = ".".join(str(x) for x in loc)
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = f"unknown key {loc[-1]!r}" if loc else msg
            if loc and loc[-1] == "password":
                msg = "passwords do not belong in specs; set them outside pgdecl (e.g. ALTER ROLE ... PASSWORD from a secret store)"
        elif e["type"] == "missing":
            msg = f"missing required key {loc[-1]!r}" if loc else msg
        elif e["type"] in ("literal_error", "enum"):
            msg = f"{shown}: {msg}"
        else:
            msg = f"{shown}: {msg}" if shown else msg
        out.append(SpecError(msg, doc.origin(loc, _object_label(loc))))
    return out


@dataclass
class Loaded:
    project: Project
    docs: dict[str, YamlDoc]
    root: Path


def spec_files(project_dir: Path) -> list[Path]:
    """Spec and .sql files of a project, in a stable order; `traits/` holds templates, not specs.
    Symbolic links to directories are not followed (no loops); a directory that cannot be read is a
    SpecError; a spec name that is a broken or looping link is listed, for read_spec to report."""
    files = []

    def refuse(e: OSError) -> None:
        raise SpecError(f"cannot read directory: {e.strerror}", Origin(str(e.filename)))

    for top, dirs, names in os.walk(project_dir, onerror=refuse):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != TRAITS_DIR]
        for n in names:
            p = Path(top) / n
            if n.startswith(".") or not (p.suffix in SPEC_SUFFIXES or p.suffix == ".sql"):
                continue
            if p.is_file() or (p.is_symlink() and not p.exists()):  # a broken link: read_spec says so
                files.append(p)
    return sorted(files, key=lambda p: p.relative_to(project_dir).as_posix())


def read_spec(path: Path, display: str) -> str:
    """A spec or .sql file's text: UTF-8 (a BOM is dropped), at most MAX_FILE_BYTES, else a SpecError."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        raise SpecError(f"cannot read the file: {e.strerror}", Origin(display)) from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(f"the file is larger than {MAX_FILE_BYTES >> 20} MiB", Origin(display))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpecError("the file is UTF-16; save it as UTF-8", Origin(display, 1))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SpecError(f"the file is not UTF-8: byte 0x{data[e.start]:02x} ({e.reason}); save it as UTF-8",
                        Origin(display, line)) from None


def load_project(project_dir: str | Path) -> Loaded:
    """Read, expand and validate every spec of `project_dir`; raise SpecErrors listing all mistakes."""
    with paused_gc():
        return _load_project(project_dir)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The cycle collector paused while a project is read (or linted): that builds tens of thousands of
    small objects, hardly any garbage, and the collector's passes over them cost about a quarter of the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            if hasattr(gc, "freeze"):  # what was built goes straight to the oldest generation, so the
                gc.freeze()            # next young collection does not walk all of it
                gc.unfreeze()
            gc.enable()


def _load_project(project_dir: str | Path) -> Loaded:
    root = Path(project_dir)
    if not root.is_dir():
        raise SpecError(f"project directory {str(root)!r} does not exist")
    traits = Traits(root)
    errors: list[SpecError] = []
    docs: dict[str, YamlDoc] = {}
    files: list[tuple[YamlDoc, SpecFile]] = []
    raw: list[RawSQL] = []
    required: dict[str, dict[str, Any]] = {}
    try:
        paths = spec_files(root)
    except SpecError as e:
        raise SpecErrors([e]) from None
    for path in paths:
        display = str(Path(project_dir) / path.relative_to(root))
        try:
            text = read_spec(path, display)
        except SpecError as e:
            errors.append(e)
            continue
        if path.suffix == ".sql":
            raw.append(RawSQL(path=display, sql=text, origin=Origin(display, 1, f"sql file {path.name}")))
            continue
        try:
            doc = load_spec_yaml(text, display)
            if not isinstance(doc.data, dict):
                raise SpecError("a spec file must be a mapping of kinds (tables, enums, ...)", Origin(display, 1))
            _expand_traits(doc, traits, required)
            _inject_origins(doc)
            _partition_shorthands(doc)
        except SpecError as e:
            errors.append(e)
            continue
        docs[display] = doc
        try:
            files.append((doc, SpecFile.model_validate(doc.data)))
        except ValidationError as e:
            errors.extend(_pydantic_errors(doc, e))
    if errors:
        raise SpecErrors(errors)
    project = _merge(files, raw, required, errors)
    if errors:
        raise SpecErrors(errors)
    return Loaded(project, docs, root)


_SCHEMALESS = ("extensions", "roles", "schemas")


def _merge(files: list[tuple[YamlDoc, SpecFile]], raw: list[RawSQL], required: dict[str, dict[str, Any]],
           errors: list[SpecError]) -> Project:
    merged: dict[str, dict[str, Any]] = {k: {} for k in KINDS}
    database = None
    for _doc, spec in files:
        if spec.database is not None:
            if database is not None:
                errors.append(SpecError(f"database is defined twice (also at {database.origin})", spec.database.origin))
            else:
                database = spec.database
        for kind in KINDS:
            for name, obj in getattr(spec, kind).items():
                key = name if kind in _SCHEMALESS else qualify(name, spec.schema_)
                if key in merged[kind]:
                    first = merged[kind][key].origin
                    errors.append(SpecError(f"{_KIND_NAMES[kind]} {key} is defined twice (also at {first})", obj.origin))
                    continue
                merged[kind][key] = obj
    # objects that traits require (e.g. the updated_at trigger function) unless the user defined them
    for kind, objs in sorted(required.items()):
        if kind not in KINDS:
            continue
        for name, (data, origin) in sorted(objs.items()):
            key = name if kind in _SCHEMALESS else qualify(name)
            if key in merged[kind]:
                continue
            try:
                obj = SpecFile.model_validate({kind: {name: data}})
                merged[kind][key] = getattr(obj, kind)[name].model_copy(update={"origin": origin})
            except ValidationError as e:
                errors.append(SpecError(f"trait requirement {name!r} is invalid: {e}", origin))
    return Project(**merged, database=database, raw_sql=raw)
