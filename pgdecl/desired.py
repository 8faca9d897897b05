"""The desired side from the specs: load, validate and render them, cached by the project's bytes.
Kept apart from pgdecl.plan so `render` and `validate` need neither migra nor a database driver."""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, TypeVar

from . import cache

_R = TypeVar("_R")

if TYPE_CHECKING:  # imported where used: a cached answer needs neither pglast nor Jinja nor pydantic
    from .render import Rendered


class Desired:
    """The desired side of a plan, made once from the specs. Cached (pickled) with the project as
    bytes of its own, unpickled on first use: a plan found in pgdecl.plan_cache needs only the DDL's
    hash, the fingerprint and the roles, and the project is most of the unpickling time."""

    def __init__(self, project: Any, rendered: Rendered, spec_fingerprint: str, specs_key: str | None = None) -> None:
        self._project: Any = project
        self.specs_key = specs_key  # the cache key of the files it was made from (_specs_key), when cached
        self._blob: bytes | None = None
        self.rendered = rendered
        self.spec_fingerprint = spec_fingerprint  # project.fingerprint(), worked out once and cached
        self.roles: dict[str, Any] = dict(project.roles)  # role_statements() reads only these
        self.tables = len(project.tables)
        self.rendered_plan = _rendered_plan(project)  # pgdecl.fresh.eligible, without unpickling the project

    @property
    def project(self) -> Any:
        if self._project is None and self._blob is not None:
            self._project, self._blob = pickle.loads(self._blob), None
        return self._project

    def __getstate__(self) -> dict[str, Any]:
        blob = self._blob if self._project is None else pickle.dumps(self._project, pickle.HIGHEST_PROTOCOL)
        return {"_project": None, "_blob": blob, "rendered": self.rendered,
                "spec_fingerprint": self.spec_fingerprint, "roles": self.roles, "tables": self.tables,
                "specs_key": self.specs_key, "rendered_plan": self.rendered_plan}


def _rendered_plan(project: Any) -> bool:
    """Whether a plan into an empty database can be the rendered DDL (pgdecl.fresh.eligible): not with
    what is planned from the model against the live database rather than rendered: Citus's distributed
    tables (pgdecl.citus) and the database's own grants (`database: grants:`, pgdecl.catalog_diff).
    Worked out with the desired side: asking the project on every plan unpickled it (0.5 s at 10,000
    tables, half of a warm no-op plan)."""
    from .citus_spec import wanted

    database = getattr(project, "database", None)
    return not wanted(project) and not (database is not None and database.grants)


def desired_from_specs(project_dir: str | Path, store_later: bool = False, key: str | None = None,
                       pretty: bool = True) -> Desired:
    """Load, validate and render the specs; cached (pgdecl.cache) by the bytes of every project file
    (`key`: specs_key(project_dir), when the caller has it already). With `store_later`, a new entry is
    written by a thread while the caller goes on (a plan then works on databases, mostly waiting for
    them); the caller calls pgdecl.cache.flush() before it returns. Without `pretty`, the statements
    as the templates write them, each CREATE TABLE laid out a column a line (pgdecl.fresh.layout):
    the same parse trees, so the same catalogs once loaded, for what plans and applies load and
    compare (pglast's printer was most of a cold plan's rendering: 13 s of 62 at 10,000 tables)."""
    kind = "specs" if pretty else "specs-laid-out"
    k = key or specs_key(project_dir)
    if k is None:
        return _desired_from_specs(project_dir, None, pretty)
    if not store_later:
        return cache.cached(kind, k, lambda: _desired_from_specs(project_dir, k, pretty))
    found = cache.get(kind, k)
    if isinstance(found, Desired):
        return found
    made = _desired_from_specs(project_dir, k, pretty)
    cache.put_later(kind, k, made)
    return made


def specs_key(project_dir: str | Path) -> str | None:
    """The cache key of the project's files (None with the cache off or a directory that is not)."""
    return _specs_key(Path(project_dir))


def _desired_from_specs(project_dir: str | Path, key: str | None = None, pretty: bool = True) -> Desired:
    from .fresh import layout

    return build(project_dir, key) if pretty else build(project_dir, key, shape=layout)


def build(project_dir: str | Path, key: str | None = None, shape: Callable[[str], str] | None = None) -> Desired:
    """Load, validate and render the specs, uncached (`key`: their specs_key, kept with the result).
    With `shape`, the statements as the templates write them (not prettified), each passed through it
    before it is checked."""
    from dataclasses import replace

    from .render import Rendered as R
    from .render import render
    from .spec import load_project

    project = load_project(project_dir, keep_docs=False, reuse=True).project  # YAML parsed once per text

    def made() -> Rendered:
        if shape is None:
            rendered = _render(project)
        else:
            rendered = R(tuple(replace(s, sql=shape(s.sql)) for s in render(project, pretty=False).statements))
        _validate_rendered(rendered)  # only what needs the DDL: the model is not validated twice
        return rendered

    rendered, fingerprint = _validated_while(project, made, fingerprint=True)
    assert fingerprint is not None
    return Desired(project, rendered, fingerprint, key)


FORK_TABLES = 200  # from this many tables on, a forked child validates the model while it is rendered


def _validated_while(project: Any, make: Callable[[], _R], fingerprint: bool = False) -> tuple[_R, str | None]:
    """validate(project) (and, asked, its fingerprint) by a forked child (pgdecl.forked) while `make()`
    renders it here: at 1,000 tables they are 140 ms of the 330 that follow loading the specs. The
    model's mistakes come first, as when they run in turn (rendering assumes the model sound: its
    result is dropped). Without a child (a small project, one CPU), validated first, then made."""
    from .forked import Forked
    from .validate import validate

    def checked() -> str | None:
        validate(project)  # fragments and references first
        return project.fingerprint() if fingerprint else None

    with Forked(checked, len(project.tables) >= FORK_TABLES) as child:
        if not child.forked:
            done = checked()
            return make(), done
        try:
            out = make()
        except Exception:
            child.result()  # raises the model's mistakes, which explain the render's failure
            raise
        return out, child.result()


def check_specs(project_dir: str | Path) -> tuple[int, int]:
    """`pgdecl validate`: load and validate the specs, render them unprettified (prettifying keeps
    each statement's parse tree, which is all validation reads) and validate the statements.
    (tables, statements), cached by the same key as the rendered specs: the same files, the same answer."""
    k = _specs_key(Path(project_dir))
    done = cache.get("validated", k) if k else None
    if isinstance(done, tuple) and len(done) == 2:
        return done
    from .render import render
    from .spec import load_project
    from .validate import validate_rendered

    project = load_project(project_dir, keep_docs=False).project

    def made() -> Rendered:
        rendered = render(project, pretty=False)
        validate_rendered(rendered, shared=False)  # no plan follows: statement kinds need not be remembered
        return rendered

    rendered, _ = _validated_while(project, made)
    counts = len(project.tables), len(rendered.statements)
    if k:
        cache.put("validated", k, counts)  # only a success is stored
    return counts


PRETTY_KEEP = 16384  # statements whose prettified text is kept between runs (the newest): at least,
PRETTY_PER_RUN = 2   # and at least twice the statements of the project just rendered (an edit keeps both)


def _validate_rendered(rendered: Rendered) -> None:
    """validate_rendered, for the statements not known good: whether a statement is exactly one of its
    kind depends on its kind and text only (and pgdecl's code, part of the key), so the (kind, text)
    digests that passed are kept between runs (as many as the prettified texts): an edit checks its
    own statements only."""
    from .render import Rendered as R
    from .validate import validate_rendered

    k = cache.key("statements-ok") if cache.enabled() else None
    known = cache.get("statements-ok", k) if k else None
    known = known if isinstance(known, set) else set()
    digests = [hashlib.blake2b(f"{s.kind}\0{s.sql}".encode(), digest_size=16).digest() for s in rendered.statements]
    fresh = [(s, d) for s, d in zip(rendered.statements, digests) if d not in known]
    if not fresh:
        return
    validate_rendered(R(tuple(s for s, _ in fresh)), shared=False)
    if k:
        keep = max(PRETTY_KEEP, PRETTY_PER_RUN * len(digests))
        cache.put("statements-ok", k, set(digests) | set(list(known)[: max(0, keep - len(digests))]))


def _render(project: Any) -> Rendered:
    """render(), with the prettified text of every statement an earlier run rendered (in any project)
    taken from the cache: prettifying is most of render's time, and one changed spec changes a few
    statements. The text of a statement depends only on it and pgdecl's code (part of the key)."""
    from . import sqlparse_cache
    from .render import render

    k = cache.key("pretty") if cache.enabled() else None
    known = cache.get("pretty", k) if k else None
    if isinstance(known, dict):
        sqlparse_cache.preload(known)
    rendered = render(project)
    if k:
        merged = dict(known) if isinstance(known, dict) else {}
        used = sqlparse_cache.used()
        if not used.keys() <= merged.keys():
            for text in used:
                merged.pop(text, None)
            merged.update(used)
            keep = max(PRETTY_KEEP, PRETTY_PER_RUN * len(used))
            cache.put("pretty", k, dict(list(merged.items())[-keep:]))
    return rendered


def _specs_key(root: Path) -> str | None:
    """What the rendered specs depend on besides pgdecl's code: the directory as given (origins name
    it) and every file under it (hidden ones aside), by path and bytes."""
    if not root.is_dir() or not cache.enabled():
        return None
    h = hashlib.sha256(str(root).encode())
    try:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                h.update(b"\0" + rel.as_posix().encode() + b"\0" + path.read_bytes())
    except OSError:  # an unreadable file or directory: no cache, and loading the specs names it
        return None
    return cache.key("specs", h.hexdigest())
