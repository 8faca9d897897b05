"""The project: spec files from the writer's output, validated, written to a directory."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any, Iterable

import psycopg

from ..db import connect, resolve_target
from ..errors import SpecErrors
from .constants import DATABASE_FILE, RAW_FILE, ImportFailed, _SPEC_ORDER
from .names import schema_file_name
from .yamlout import dump_yaml
from .result import ImportResult
from .reader import Importer
from .writer import Writer


def spec_texts(per_schema: dict[str, dict[str, Any]], database: dict[str, Any], raw: str,
               source: str) -> dict[str, str]:
    """File name -> text of the project."""
    files: dict[str, str] = {}
    header = f"# Imported by `pgdecl import` from {source}."
    if database:
        files[DATABASE_FILE] = dump_yaml({k: database[k] for k in _SPEC_ORDER if k in database}, header)
    taken: list[str] = []
    for schema in sorted(per_schema):
        data = per_schema[schema]
        if not data:
            continue
        name = schema_file_name(schema, taken)
        taken.append(name)
        body: dict[str, Any] = {"schema": schema} if schema != "public" else {}
        for kind in _SPEC_ORDER[4:]:
            if kind in data:
                body[kind] = dict(sorted(data[kind].items()))
        files[name] = dump_yaml(body, header)
    if raw:
        files[RAW_FILE] = raw
    return files


def _demote(imp: Importer, errors: SpecErrors, file_schema: dict[str, str]) -> bool:
    """Move the objects pgdecl's validation rejects to raw SQL; False when an error names none."""
    moved = False
    for err in errors.errors:
        origin = err.origin
        label = (origin.object or "") if origin else ""
        m = re.match(r"(table|view|function|enum|domain|sequence) ([^,]+)", label)
        schema = file_schema.get(Path(origin.file).name) if origin else None
        if not m or schema is None:
            return False
        kind, name = m.group(1), m.group(2)
        if "." in name:
            schema, name = name.split(".", 1)
        for key, u in imp.units.items():
            base = u.name.split("(")[0] if key[0] == "fn" else u.name
            if u.parent is None and u.raw is None and base == f"{schema}.{name}" and \
                    (kind in u.kind or (kind == "enum" and u.kind == "enum")):
                u.raw = f"pgdecl's validation rejects it: {err.message}"
                moved = True
                break
        else:
            return False
    return moved


def build_project(conn: psycopg.Connection, source: str, schemas: Iterable[str] = ()
                  ) -> tuple[dict[str, str], ImportResult]:
    """Read the catalog and make the project's files; each is loaded and validated the way `pgdecl plan`
    loads specs, and an object validation rejects is moved to raw SQL."""
    from ..desired import desired_from_specs

    imp = Importer(conn, schemas)
    imp.read()
    imp.build()
    for _ in range(10):
        writer = Writer(imp)
        per_schema, database, raw = writer.write()
        files = spec_texts(per_schema, database, raw, source)
        file_schema = {}
        taken: list[str] = []
        for s in sorted(per_schema):
            if per_schema[s]:
                n = schema_file_name(s, taken)
                taken.append(n)
                file_schema[n] = s
        with tempfile.TemporaryDirectory(prefix="pgdecl-import-") as tmp:
            for name, text in files.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            try:
                desired_from_specs(tmp)
            except SpecErrors as e:
                if not _demote(imp, e, file_schema):
                    raise ImportFailed("the imported specs do not validate (an importer bug):\n" + str(e)) from None
                imp.propagate()
                continue
        break
    else:
        raise ImportFailed("the imported specs still do not validate after moving objects to raw SQL")
    raw_items = writer.raw_items
    result = ImportResult(Path("."), source, files=sorted(files), counts=dict(writer.counts),
                          raw=raw_items, skipped=list(imp.skipped), notes=list(imp.notes),
                          raw_statements=writer.default_acl_sql + writer.acl_sql + writer.comment_sql)
    return files, result


def import_database(out_dir: str | Path, database_url: str | None = None, schemas: Iterable[str] = (),
                    force: bool = False, server: Any = None) -> ImportResult:
    """Write pgdecl specs for the database (default: the same one `pgdecl plan` would use) into `out_dir`."""
    from ..spec import spec_files

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise ImportFailed(f"{out} exists and is not a directory")
    existing = [p for p in out.iterdir()] if out.is_dir() else []
    if existing and not force:
        raise ImportFailed(f"{out} is not empty; pass --force to replace its spec files")
    live = resolve_target(database_url, server)
    with connect(live) as conn:
        try:
            files, result = build_project(conn, live.display, schemas)
        except psycopg.Error as e:
            raise ImportFailed(f"reading the catalog of {live.display} failed: {str(e).strip()}") from None
        finally:
            conn.rollback()
    replaced = []
    if existing:
        for p in spec_files(out):
            replaced.append(str(p.relative_to(out)))
            p.unlink()
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    result.out_dir = out
    result.replaced = replaced
    return result
