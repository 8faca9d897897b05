"""Traits: reusable table parts (`traits: [uuid_pk, timestamps]`) expanded through Jinja templates before
validation. The project's own `traits/` first, then pgdecl's; templates run sandboxed."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import templates_dir
from .errors import Origin, SpecError
from .spec_yaml import MAX_FILE_BYTES, YamlDoc, load_spec_yaml

if TYPE_CHECKING:
    import jinja2

TRAITS_DIR = "traits"


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


def expand_traits(doc: YamlDoc, traits: Traits, required: dict[str, dict[str, Any]]) -> None:
    """Replace each table's `traits` by what they render, in order; objects they require (a trigger
    function, say) are collected in `required` (kind -> name -> (data, origin)). Added parts are marked
    with the line of the trait that added them."""
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
            origin = doc.origin(("tables", tname, "traits", i), f"table {tname}")
            tr_name, args = _trait_call(item, origin)
            ctx = {"table": bare, "schema": schema or file_schema, "qualified": f"{schema or file_schema}.{bare}", **args}
            out = traits.expand(tr_name, ctx, origin)
            first = bool(out.pop("columns_first", False))
            _require(tr_name, out.pop("requires", None) or {}, origin, required)
            for key, value in out.items():
                _merge(doc, tname, new, tr_name, key, value, first, origin)
        new.pop("traits")
        tables[tname] = new


def _trait_call(item: Any, origin: Origin) -> tuple[str, dict[str, Any]]:
    """A `traits` item: a name, or {name: {arguments}}."""
    args: Any
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
    return tr_name, args


def _require(tr_name: str, requires: Any, origin: Origin, required: dict[str, dict[str, Any]]) -> None:
    if not isinstance(requires, dict) or not all(isinstance(v, dict) or v is None for v in requires.values()):
        raise SpecError(f"trait {tr_name!r}: requires must map kinds to objects, e.g. "
                        "{functions: {name: {...}}}", origin)
    for key, value in requires.items():
        for oname, odata in (value or {}).items():
            required.setdefault(key, {}).setdefault(oname, (odata, origin))


def _merge(doc: YamlDoc, tname: Any, new: dict[str, Any], tr_name: str, key: str, value: Any, first: bool,
           origin: Origin) -> None:
    """One key a trait rendered into the table `new`: mappings merged (the table's own entries win unless
    the trait says `columns_first`), lists appended (a primary key only when the table has none)."""
    want = dict if key in _TABLE_DICT_KEYS else list if key in _TABLE_LIST_KEYS else None
    if want is not None and not isinstance(value, want):
        raise SpecError(f"trait {tr_name!r}: {key} must be a {'mapping' if want is dict else 'list'}, "
                        f"not {type(value).__name__}", origin)
    if want is not None and not isinstance(new.get(key) or want(), want):
        raise SpecError(f"{key} must be a {'mapping' if want is dict else 'list'}",
                        doc.origin(("tables", tname, key), f"table {tname}"))
    if key in _TABLE_DICT_KEYS:
        mine = new.get(key) or {}
        new[key] = {**value, **mine} if first else {**mine, **{k: v for k, v in value.items() if k not in mine}}
        for k in value:
            doc.marks.setdefault(("tables", tname, key, k), origin.line or 1)
    elif key in _TABLE_LIST_KEYS:
        mine = list(new.get(key) or [])
        if key == "primary_key" and mine:
            return
        new[key] = mine + list(value)
        for j in range(len(value)):
            doc.marks.setdefault(("tables", tname, key, len(mine) + j), origin.line or 1)
    elif key == "comment":
        new.setdefault("comment", value)
    else:
        raise SpecError(f"trait {tr_name!r} sets unsupported table key {key!r}", origin)
