"""Spec YAML with line marks: every key and list item keeps its line, so each error names file:line.

Booleans are YAML 1.2 style (only true/false), so `yes`, `no`, `on` and `off` stay strings. Plain documents
are built straight from libyaml's events; anything unusual (anchors, tags, merge keys, mistakes) goes through
PyYAML's composer, whose data, marks and messages are the reference. Limits on depth, aliases and size keep a
hostile file from exhausting memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Origin, SpecError

Path_ = tuple[Any, ...]

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
_PLAIN: dict[type, dict[str, Any]] = {}  # plain scalars' values by their text: strings and immutable values only


def _resolve(loader: Any, value: str, implicit: tuple[bool, bool]) -> str:
    memo = _RESOLVED.setdefault(type(loader), {})
    key = (value, implicit)
    tag = memo.get(key)
    if tag is None:
        if len(memo) > _MEMO_MAX:
            memo.clear()
        tag = memo[key] = yaml.resolver.BaseResolver.resolve(loader, yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
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
    if "\\" in text and _BAD_ESCAPE.search(text):  # only an escape in a double-quoted scalar makes a lone
        _check_strings(doc, doc.data, ())            # surrogate or a NUL, and only one of these escapes
    return doc


def _check_strings(doc: YamlDoc, node: Any, path: Path_) -> None:
    """No lone surrogate (it cannot be written as UTF-8) and no NUL (PostgreSQL cannot store it)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for k, v in items:
        for s in (k, v):
            if isinstance(s, str) and (_BAD_CHARS.search(s)):
                what = "a NUL character" if "\x00" in s else "a lone surrogate (not a character)"
                raise SpecError(f"{what} in {s!r:.80}", doc.origin(path + (k,), object_label(path + (k,))))
        if isinstance(v, (dict, list)):
            _check_strings(doc, v, path + (k,))


_BAD_CHARS = re.compile("[\x00\ud800-\udfff]")
# The YAML escapes that can make a NUL (\0, \x00, \u0000, \U00000000) or a surrogate (\uD800-\uDFFF and the
# same as \U0000D800...): a file without any of them (`\n` in a view query is common) is not walked. An escaped
# backslash before such text (`\\0`) matches too, which only costs the walk.
_BAD_ESCAPE = re.compile(r"\\(?:0|x00|u0000|U00000000|u[dD][89a-fA-F]|U0000[dD][89a-fA-F])")


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
        self.plain = _PLAIN.setdefault(type(loader), {})

    def scalar(self, event: Any) -> Any:
        if event.anchor is not None or event.tag is not None:
            raise _Unusual
        value = event.value
        implicit = event.implicit
        if not implicit[0]:
            return value  # quoted or block: a string
        tag = self.resolved.get((value, implicit)) or _resolve(self.loader, value, implicit)
        if tag == _STR:
            out: Any = value
        elif tag in _SPECIAL_KEYS:
            raise _Unusual
        else:
            key = (tag, value)
            if tag in _IMMUTABLE and key in self.scalars:
                return self.scalars[key]
            out = self.loader.construct_object(yaml.ScalarNode(tag, value, event.start_mark, event.end_mark,
                                                               event.style), deep=True)
            if tag not in _IMMUTABLE:
                return out
            if len(self.scalars) > _MEMO_MAX:
                self.scalars.clear()
            self.scalars[key] = out
        if implicit == (True, False):  # a plain scalar: the same text is the same value (see `node`)
            if len(self.plain) > _MEMO_MAX:
                self.plain.clear()
            self.plain[value] = out
        return out

    def node(self, event: Any, path: Path_) -> Any:
        """The data of the node that `event` starts. A plain, untagged scalar whose text was read before
        is taken from `plain` without a call (most keys and values are): the loops below are most of
        reading a large project, so they look it up themselves."""
        kind = type(event)
        if kind is _ScalarEvent:
            return self.scalar(event)
        if event.anchor is not None or getattr(event, "tag", None) is not None or len(path) >= MAX_DEPTH:
            raise _Unusual
        get, marks, scalar, plain = self.get, self.marks, self.scalar, self.plain
        if kind is _MappingStart:
            out: dict[Any, Any] = {}
            while True:
                kevent = get()
                kk = type(kevent)
                if kk is _MappingEnd:
                    return out
                if kk is not _ScalarEvent:
                    raise _Unusual
                if kevent.anchor is None and kevent.tag is None and kevent.implicit == (True, False):
                    key = plain.get(kevent.value, _MISSING)
                    if key is _MISSING:
                        key = scalar(kevent)
                else:
                    key = scalar(kevent)
                if key in out:
                    raise _Unusual
                kpath = path + (key,)
                marks[kpath] = kevent.start_mark.line + 1
                vevent = get()
                if type(vevent) is not _ScalarEvent:
                    out[key] = self.node(vevent, kpath)
                elif vevent.anchor is None and vevent.tag is None and vevent.implicit == (True, False):
                    value = plain.get(vevent.value, _MISSING)
                    out[key] = scalar(vevent) if value is _MISSING else value
                else:
                    out[key] = scalar(vevent)
        if kind is _SequenceStart:
            items: list[Any] = []
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


_MISSING = object()
_ScalarEvent, _MappingStart, _MappingEnd = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.MappingEndEvent
_SequenceStart, _SequenceEnd = yaml.SequenceStartEvent, yaml.SequenceEndEvent


def _load_nodes(text: str, file: str) -> YamlDoc:
    """Through PyYAML's composer: anchors, aliases, tags, merge keys, and the wording of every mistake."""
    _prescan(text, file)
    loader: Any = _Loader(text)
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


# --- labels of spec paths ---------------------------------------------------------------------

KIND_NAMES = {
    "tables": "table", "views": "view", "enums": "enum", "domains": "domain", "sequences": "sequence",
    "functions": "function", "roles": "role", "extensions": "extension", "schemas": "schema",
}


def object_label(path: Path_) -> str | None:
    """A human name for the object at `path`, e.g. 'table users, column email'."""
    if len(path) < 2 or path[0] not in KIND_NAMES:
        return None
    label = f"{KIND_NAMES[path[0]]} {path[1]}"
    sub = _PART_NAMES.get(path[2]) if len(path) >= 4 and isinstance(path[2], str) else None
    if sub is not None:
        ref = path[3] if isinstance(path[3], str) else f"#{path[3] + 1}"
        label += f", {sub} {ref}"
    return label


_PART_NAMES = {"columns": "column", "triggers": "trigger", "policies": "policy", "indexes": "index",
               "foreign_keys": "foreign key", "unique": "unique constraint", "checks": "check"}
