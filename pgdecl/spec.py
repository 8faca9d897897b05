"""Spec loading: a project directory of YAML (and raw .sql) files -> one `Project`.

Each YAML file is read with line marks (`spec_yaml`), its traits expanded (`traits`), every object given
its origin (file, line, name), then validated into the model and merged; all mistakes are raised together.
"""

from __future__ import annotations

import gc
import os
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generator, Iterator

from pydantic import ValidationError

from . import templates_dir
from .errors import Origin, SpecError, SpecErrors
from .model import KINDS, Project, RawSQL, SpecFile, qualify
from .spec_yaml import KIND_NAMES, MAX_FILE_BYTES, YamlDoc, load_spec_yaml, load_yaml, object_label
from .traits import TRAITS_DIR, Traits, expand_traits
from .partition_model import expand_shorthands as _partition_shorthands

__all__ = ["Loaded", "SPEC_SUFFIXES", "SpecFile", "Traits", "YamlDoc", "load_project", "load_spec_yaml", "load_yaml",
           "paused_gc", "read_spec", "spec_files", "templates_dir"]

SPEC_SUFFIXES = (".yaml", ".yml")


# --- validation into the model ------------------------------------------------------------------

# Where objects live in a spec file, so each gets an origin: (kind, key of the object, whether the key holds
# a list (else a mapping by name)), e.g. every tables.*.columns.* and every tables.*.indexes.#
_OBJECT_PATHS: tuple[tuple[str, str, bool], ...] = (
    ("tables", "columns", False),
    ("tables", "triggers", False),
    ("tables", "policies", False),
    ("tables", "indexes", True),
    ("tables", "foreign_keys", True),
    ("tables", "unique", True),
    ("views", "indexes", True),
)

def _inject_origins(doc: YamlDoc) -> None:
    data = doc.data
    if isinstance(data.get("extensions"), list):  # shorthand: a list of names
        data["extensions"] = {str(e): {} for e in data["extensions"]}
        for e in data["extensions"]:
            doc.marks.setdefault(("extensions", e), doc.marks.get(("extensions",), 1))
    for tname, table in (data.get("tables") or {}).items() if isinstance(data.get("tables"), dict) else ():
        cols = table.get("columns") if isinstance(table, dict) else None
        if isinstance(cols, dict):  # shorthand: `name: type`
            for cname, col in cols.items():
                if isinstance(col, str):
                    cols[cname] = {"type": col}
        if isinstance(table, dict):
            parts = _part_origins(doc, tname, table)
            if parts:
                table["part_origins"] = parts
    for kind in KINDS:
        objs = data.get(kind)
        if not isinstance(objs, dict):
            continue
        for name, obj in objs.items():
            if kind == "enums" and isinstance(obj, list):
                objs[name] = obj = {"values": obj}
            if isinstance(obj, dict):
                obj["origin"] = doc.origin((kind, name), object_label((kind, name)))
    if isinstance(data.get("database"), dict):
        data["database"]["origin"] = doc.origin(("database",), "database")
    _inject_parts(doc, data)


def _inject_parts(doc: YamlDoc, data: dict[Any, Any]) -> None:
    """An origin into each object of `_OBJECT_PATHS` that is a mapping. Keys named `origin` are not objects
    (the origin just given to the table)."""
    marks, origin = doc.marks, doc.origin
    for kind, key, listed in _OBJECT_PATHS:
        objs = data.get(kind)
        if not isinstance(objs, dict):
            continue
        for oname, obj in objs.items():
            parts = obj.get(key) if oname != "origin" and isinstance(obj, dict) else None
            if listed and isinstance(parts, list):
                named: Any = enumerate(parts)
            elif not listed and isinstance(parts, dict):
                named = parts.items()
            else:
                continue
            for name, part in named:
                if isinstance(part, dict) and name != "origin":
                    path = (kind, oname, key, name)
                    line = marks.get(path)
                    part["origin"] = origin(path, object_label(path)) if line is None else \
                        Origin(doc.file, line, object_label(path))


def _part_origins(doc: YamlDoc, tname: Any, table: dict[str, Any]) -> dict[str, Origin]:
    """Where a table's primary key and named checks are written (they have no origin of their own): only
    the parts whose own line is marked, keyed "primary_key" and "checks.NAME"."""
    label = object_label(("tables", tname))
    checks = table.get("checks")
    paths = [("primary_key", ("primary_key",))] + \
        [(f"checks.{c}", ("checks", c)) for c in (checks if isinstance(checks, dict) else ())]
    out = {}
    for key, tail in paths:
        line = doc.marks.get(("tables", tname, *tail))
        if line is not None:
            out[key] = Origin(doc.file, line, label)
    return out


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
        out.append(SpecError(msg, doc.origin(loc, object_label(loc))))
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


def load_project(project_dir: str | Path, keep_docs: bool = True, reuse: bool = False) -> Loaded:
    """Read, expand and validate every spec of `project_dir`; raise SpecErrors listing all mistakes.
    Without `keep_docs`, `Loaded.docs` is empty: each file's YAML data and line marks (about as large as
    the model they become) are freed as soon as the file is validated, for callers that need the model only.
    With `reuse`, large files' parsed YAML is kept in pgdecl's cache by their text (`_parsed`)."""
    with paused_gc():
        return _load_project(project_dir, keep_docs, reuse)


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


LARGE_FILE = 16 << 10  # spec files from this size on are parsed once per text when `reuse` (pgdecl.cache)


def _parsed(text: str, display: str) -> YamlDoc:
    """load_spec_yaml, its result kept in pgdecl's cache by the file's text (the same text parses the same
    wherever it lives, so a copy of the project or another branch finds it): a plan after one edit parses
    only the edited file. Small files are parsed: reading an entry would cost about as much."""
    from . import cache

    if len(text) < LARGE_FILE or not cache.enabled():
        return load_spec_yaml(text, display)
    k = cache.key("yaml", text)
    doc = cache.get("yaml", k)
    if isinstance(doc, YamlDoc):
        doc.file = display
        return doc
    doc = load_spec_yaml(text, display)
    cache.put("yaml", k, doc)  # now: expanding traits and origins changes it in place
    return doc


FORK_BYTES = 256 << 10  # from this much YAML on, a forked child parses part of the files (pgdecl.forked)


def _parse_all(texts: list[tuple[str, str]], reuse: bool) -> Generator[YamlDoc | SpecError, None, None]:
    """Each (text, display) parsed (`_parsed` with `reuse`), or the SpecError saying why not, in order,
    one at a time. With enough YAML, a forked child parses about half the files (by size, in turn)
    ahead of the caller: parsing is two thirds of reading a large project, and no file's parse needs
    another file."""
    def parse(item: tuple[str, str]) -> YamlDoc | SpecError:
        try:
            return _parsed(item[0], item[1]) if reuse else load_spec_yaml(item[0], item[1])
        except SpecError as e:
            return e

    if sum(len(t) for t, _ in texts) < FORK_BYTES or len(texts) < 2:
        yield from map(parse, texts)
        return
    from .forked import imap

    theirs: list[int] = []  # each file, in turn, to the side that has parsed fewer bytes so far
    load = [0, 0]
    for i, (text, _) in enumerate(texts):
        side = int(load[1] < load[0])
        load[side] += len(text)
        if side:
            theirs.append(i)
    with closing(imap(parse, [texts[i] for i in theirs])) as child:
        child_parses = set(theirs)
        for i, item in enumerate(texts):
            yield next(child) if i in child_parses else parse(item)


def _load_project(project_dir: str | Path, keep_docs: bool = True, reuse: bool = False) -> Loaded:
    root = Path(project_dir)
    if not root.is_dir():
        raise SpecError(f"project directory {str(root)!r} does not exist")
    traits = Traits(root)
    try:
        paths = spec_files(root)
    except SpecError as e:
        raise SpecErrors([e]) from None
    texts: list[tuple[Path, str, str | SpecError]] = []
    for path in paths:
        display = str(Path(project_dir) / path.relative_to(root))
        try:
            texts.append((path, display, read_spec(path, display)))
        except SpecError as e:
            texts.append((path, display, e))
    parsed = _parse_all([(text, display) for path, display, text in texts
                         if isinstance(text, str) and path.suffix != ".sql"], reuse)
    try:
        return _read(project_dir, root, texts, parsed, keep_docs, traits)
    finally:
        parsed.close()  # a child parsing ahead is stopped


def _read(project_dir: str | Path, root: Path, texts: list[tuple[Path, str, str | SpecError]],
          parsed: Iterator[YamlDoc | SpecError], keep_docs: bool, traits: Traits) -> Loaded:
    """The files, read and parsed, validated one by one in order; each file's YAML freed once it is."""
    errors: list[SpecError] = []
    docs: dict[str, YamlDoc] = {}
    files: list[tuple[YamlDoc | None, SpecFile]] = []
    raw: list[RawSQL] = []
    required: dict[str, dict[str, Any]] = {}
    for path, display, text in texts:
        if isinstance(text, SpecError):
            errors.append(text)
            continue
        if path.suffix == ".sql":
            raw.append(RawSQL(path=display, sql=text, origin=Origin(display, 1, f"sql file {path.name}")))
            continue
        try:
            doc = next(parsed)
            if isinstance(doc, SpecError):
                raise doc
            if not isinstance(doc.data, dict):
                raise SpecError("a spec file must be a mapping of kinds (tables, enums, ...)", Origin(display, 1))
            expand_traits(doc, traits, required)
            _inject_origins(doc)
            _partition_shorthands(doc)
        except SpecError as e:
            errors.append(e)
            continue
        if keep_docs:
            docs[display] = doc
        try:
            files.append((doc if keep_docs else None, SpecFile.model_validate(doc.data)))
        except ValidationError as e:
            errors.extend(_pydantic_errors(doc, e))
        del doc
    if errors:
        raise SpecErrors(errors)
    project = _merge(files, raw, required, errors)
    if errors:
        raise SpecErrors(errors)
    return Loaded(project, docs, root)


_SCHEMALESS = ("extensions", "roles", "schemas")


def _merge(files: list[tuple[YamlDoc | None, SpecFile]], raw: list[RawSQL], required: dict[str, dict[str, Any]],
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
                    errors.append(SpecError(f"{KIND_NAMES[kind]} {key} is defined twice (also at {first})", obj.origin))
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
    # built from objects the model has validated: not validated again (that, and building Project's own
    # validator on first use, took 10 ms at 1,000 tables); the fields are all given, as before
    fields: dict[str, Any] = {**merged, "database": database, "raw_sql": raw}
    return Project.model_construct(**fields)
