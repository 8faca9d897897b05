"""`pgdecl diff`: a review of a schema change, for a pull request or before a commit.

Each side is a git revision, a directory of specs or a database URL. A spec side is loaded,
validated, rendered and built in a scratch database (no live database is needed); a git revision
is read with `git ls-tree`/`git cat-file` into a temporary directory, never by checking anything
out. A database side is only read (its sessions are `default_transaction_read_only`).

The review holds (1) what changed in the specs, compared object by object on the two loaded models
(added, removed, renamed, changed, with the file:line of the side that has the object), (2) the DDL
plan between the two databases with its hazards, (3) the lint findings the change introduces or
fixes, and (4) a Mermaid ER diagram of the tables it touches. The two sides are `live` (--from)
and `desired` (--to).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .errors import Origin, PgdeclError
from .model import ForeignKey, Index, Node, Project, Table, Unique, split_name

if TYPE_CHECKING:
    from .lint.core import Finding

GIT, DIRECTORY, DATABASE = "git", "directory", "database"
MAIN_BRANCHES = ("origin/main", "origin/master", "main", "master")
_URL = re.compile(r"^(postgres|postgresql)://|^\w+=")


class ReviewError(PgdeclError):
    """A side of a review could not be resolved or built."""


# --- the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SideInfo:
    """One side as the review shows it."""

    kind: str                 # git, directory or database
    ref: str                  # as the user gave it (or the default it stands for)
    label: str                # how it is shown: `origin/main (3f2a1bc0de)`, `schema (work tree)`, a masked URL
    commit: str | None = None
    note: str | None = None   # e.g. the project directory does not exist at that revision
    merge_base: bool = False  # the default old side: `ref` is the main branch, `commit` its merge base with HEAD

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ref": self.ref, "label": self.label, "commit": self.commit, "note": self.note,
                "merge_base": self.merge_base}


@dataclass(frozen=True)
class Change:
    """One object added, removed, renamed or changed between the two sides' specs."""

    action: str                  # added, removed, renamed, changed
    kind: str                    # table, column, index, check, foreign key, policy, trigger, view, ...
    name: str                    # as readers know it: `posts`, `posts.title`, `posts.posts_slug_key`
    table: str | None = None     # the qualified table or view it belongs to (for grouping)
    summary: str = ""            # one line about the object (added or removed ones)
    details: tuple[tuple[str, Any, Any], ...] = ()  # (field, live value, desired value) for changed ones
    file: str | None = None      # where it is written: the desired side, or the live side when removed
    line: int | None = None

    @property
    def where(self) -> str | None:
        if self.file is None:
            return None
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "kind": self.kind, "name": self.name, "table": self.table,
                "summary": self.summary, "file": self.file, "line": self.line,
                "details": [{"field": f, "live": a, "desired": b} for f, a, b in self.details]}


@dataclass(frozen=True)
class Review:
    project_dir: str
    live: SideInfo
    desired: SideInfo
    changes: tuple[Change, ...]          # empty when a side is a database (no model to compare)
    steps: tuple[Any, ...]               # pgdecl.plan.Step, in the order they run
    lint_new: tuple[Any, ...] = ()       # pgdecl.lint.Finding on the desired side, not on the live one
    lint_fixed: tuple[Any, ...] = ()     # findings of the live side gone on the desired one
    lint_kept: int = 0                   # findings on both sides (not this change's doing)
    linted: bool = False                 # the desired side has specs, so lint ran
    touched_tables: tuple[str, ...] = ()
    er_diagram: str | None = None
    models_compared: bool = True

    @property
    def empty(self) -> bool:
        return not self.changes and not self.steps

    def hazard_kinds(self) -> list[str]:
        from .hazards import KINDS

        kinds = {h.kind for s in self.steps for h in s.hazards}
        return [k for k in KINDS if k in kinds] + sorted(kinds - set(KINDS))

    def hazards(self) -> list[tuple[int, Any]]:
        """(statement number, hazard) for every hazard of the plan."""
        return [(i, h) for i, s in enumerate(self.steps, 1) for h in s.hazards]

    def to_json(self) -> dict[str, Any]:
        return {
            "project_dir": self.project_dir,
            "from": self.live.to_json(),
            "to": self.desired.to_json(),
            "empty": self.empty,
            "hazard_kinds": self.hazard_kinds(),
            "changes": [c.to_json() for c in self.changes] if self.models_compared else None,
            "steps": [{"sql": s.sql, "hazards": [{"kind": h.kind, "message": h.message} for h in s.hazards],
                       "transactional": s.transactional,
                       "phase": getattr(s, "phase", "main" if s.transactional else "post"), "source": s.source}
                      for s in self.steps],
            "lint": {"new": [f.to_json() for f in self.lint_new], "fixed": [f.to_json() for f in self.lint_fixed],
                     "kept": self.lint_kept} if self.linted else None,
            "touched_tables": list(self.touched_tables),
            "er_diagram": self.er_diagram,
        }


# --- git ---------------------------------------------------------------------------------------


def _git(args: list[str], cwd: Path, input_: bytes | None = None) -> bytes:
    try:
        p = subprocess.run(["git", "--literal-pathspecs", *args], cwd=cwd, input=input_, capture_output=True,
                           timeout=120)
    except FileNotFoundError:
        raise ReviewError("git is not installed: a git revision as a side of `pgdecl diff` needs git") from None
    except subprocess.TimeoutExpired:
        raise ReviewError(f"git {args[0]} took longer than 2 minutes") from None
    if p.returncode != 0:
        raise ReviewError(f"git {' '.join(args)}: {p.stderr.decode(errors='replace').strip() or 'failed'}")
    return p.stdout


@dataclass(frozen=True)
class Repo:
    top: Path      # the work tree's top directory
    prefix: str    # the project directory inside the repository ('' at its top)

    def rev(self, ref: str) -> str | None:
        """The commit `ref` names, or None."""
        if ref.startswith("-"):
            return None
        try:
            return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], self.top).decode().strip() or None
        except ReviewError:
            return None

    def main_branch(self) -> str:
        """origin/HEAD's branch, else the first of origin/main, origin/master, main, master that exists."""
        try:
            head = _git(["symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD"], self.top).decode().strip()
        except ReviewError:
            head = ""
        for name in ([head] if head else []) + list(MAIN_BRANCHES):
            if self.rev(name):
                return name
        raise ReviewError("no main branch to compare with: looked for origin/HEAD, " + ", ".join(MAIN_BRANCHES)
                          + "; pass --from REF")

    def merge_base(self, branch: str) -> str:
        return _git(["merge-base", "HEAD", branch], self.top).decode().strip()

    def extract(self, commit: str, dest: Path) -> bool:
        """Write the project directory as it is at `commit` into `dest`; False when it does not exist there."""
        listing = _git(["ls-tree", "-r", "-z", "--full-tree", commit, "--", self.prefix or "."], self.top)
        entries = []
        for rec in listing.split(b"\0"):
            if not rec:
                continue
            meta, raw_path = rec.split(b"\t", 1)
            raw_mode, kind, raw_sha = meta.split()
            if kind == b"blob":
                entries.append((raw_mode.decode(), raw_sha.decode(), raw_path.decode()))
        dest.mkdir(parents=True, exist_ok=True)
        if not entries:
            return False
        blobs = _cat_blobs([sha for _, sha, _ in entries], self.top)
        strip = len(self.prefix) + 1 if self.prefix else 0
        for mode, sha, path in entries:
            target = dest / path[strip:]
            target.parent.mkdir(parents=True, exist_ok=True)
            if mode == "120000":  # a symbolic link: its blob is the link's target
                os.symlink(blobs[sha].decode(), target)
            else:
                target.write_bytes(blobs[sha])
        return True


def _cat_blobs(shas: list[str], cwd: Path) -> dict[str, bytes]:
    """Contents of blobs, read in one `git cat-file --batch`."""
    unique = list(dict.fromkeys(shas))
    out = _git(["cat-file", "--batch"], cwd, ("\n".join(unique) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for sha in unique:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split()
        if len(header) < 3:
            raise ReviewError(f"git cat-file: cannot read blob {sha}")
        size = int(header[2])
        blobs[sha] = out[nl + 1: nl + 1 + size]
        pos = nl + 1 + size + 1
    return blobs


def find_repo(project_dir: str | Path) -> Repo:
    """The git repository holding `project_dir` (which need not exist in the work tree)."""
    wanted = Path(os.path.abspath(project_dir))
    here = wanted
    while not here.is_dir():
        here = here.parent
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], here).decode().strip()).resolve()
    except ReviewError:
        raise ReviewError(f"{project_dir} is not in a git repository, so --from/--to cannot name a git revision "
                          "(pass a directory or a database URL)") from None
    real = Path(os.path.realpath(wanted))
    try:
        prefix = real.relative_to(top).as_posix()
    except ValueError:
        raise ReviewError(f"{project_dir} is outside the git repository at {top}") from None
    return Repo(top, "" if prefix == "." else prefix)


# --- the two sides -----------------------------------------------------------------------------


@dataclass
class _Side:
    info: SideInfo
    directory: Path | None = None     # specs to load (a temporary directory for a git revision)
    shown: str | None = None          # the project directory as file names show it
    conninfo: str | None = None       # a database side
    project: Project | None = None
    rendered: Any = None

    def relabel(self, file: str | None) -> str | None:
        """A file name of the loaded specs as the user knows it (no temporary directory in it)."""
        if file is None or self.directory is None or self.shown is None:
            return file
        root = str(self.directory)
        if file == root or file.startswith(root + os.sep):
            rest = file[len(root):].lstrip(os.sep)
            return f"{self.shown.rstrip('/')}/{rest}" if rest else self.shown
        return file


def _read_only(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        options = conninfo_to_dict(url).get("options") or ""
    except Exception:
        raise ReviewError("the database URL is not a valid PostgreSQL connection string") from None
    return make_conninfo(url, options=f"{options} -c default_transaction_read_only=on".strip())


def _resolve(ref: str, which: str, project_dir: str, stack: ExitStack, repo: list[Repo]) -> _Side:
    """A side from what the user wrote: a database URL, an existing directory, else a git revision."""
    from .db import mask

    if _URL.match(ref):
        return _Side(SideInfo(DATABASE, mask(ref), mask(ref)), conninfo=_read_only(ref))  # never the password
    is_dir = Path(ref).is_dir()
    if not repo:
        try:
            repo.append(find_repo(project_dir))
        except ReviewError:
            if is_dir:
                return _Side(SideInfo(DIRECTORY, ref, ref), directory=Path(ref), shown=ref)
            raise
    commit = repo[0].rev(ref)
    if is_dir and commit:
        raise ReviewError(f"{which} {ref!r} is both a directory and a git revision: write ./{ref} for the "
                          f"directory or {ref}^{{commit}} for the revision")
    if is_dir:
        return _Side(SideInfo(DIRECTORY, ref, ref), directory=Path(ref), shown=ref)
    if not commit:
        raise ReviewError(f"{which} {ref!r} is neither a directory, a database URL nor a git revision")
    return _git_side(repo[0], ref, commit, f"{ref} ({commit[:10]})", project_dir, stack)


def _git_side(repo: Repo, ref: str, commit: str, label: str, project_dir: str, stack: ExitStack) -> _Side:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pgdecl-review-")))
    directory = tmp / "project"
    note = None
    if not repo.extract(commit, directory):
        note = f"{project_dir} does not exist at {label}: compared as an empty project"
    return _Side(SideInfo(GIT, ref, label, commit, note), directory=directory, shown=project_dir)


def _build(side: _Side) -> None:
    """Load, validate and render a spec side; errors name the user's file names and the side."""
    from .desired import desired_from_specs
    from .format import error_text

    assert side.directory is not None
    try:
        d = desired_from_specs(side.directory)
    except PgdeclError as e:
        text = error_text(e).replace(str(side.directory), (side.shown or "").rstrip("/"))
        lines = "\n".join("  " + line.removeprefix("error: ") for line in text.splitlines())
        raise ReviewError(f"{side.info.label} does not build:\n{lines}") from None
    side.project, side.rendered = d.project, d.rendered


# --- roles -------------------------------------------------------------------------------------


def _role_steps(live: Project, desired: Project) -> list[str]:
    """What `pgdecl plan` would do about roles, with the live side's roles taken from its specs (both
    scratch sides share one server, so its catalog cannot tell them apart)."""
    from .render import dollar, ident, literal

    out = []
    for name, role in sorted(desired.roles.items()):
        opts = " ".join(["LOGIN" if role.login else "NOLOGIN", "INHERIT" if role.inherit else "NOINHERIT",
                         "BYPASSRLS" if role.bypass_rls else "NOBYPASSRLS"])
        have = live.roles.get(name)
        if have is None:
            body = (f"BEGIN IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = {literal(name)}) "
                    f"THEN CREATE ROLE {ident(name)} {opts}; END IF; END")
            out.append(f"DO {dollar(body)}")
        elif (have.login, have.inherit, have.bypass_rls) != (role.login, role.inherit, role.bypass_rls):
            out.append(f"ALTER ROLE {ident(name)} {opts}")
    for name, role in sorted(desired.roles.items()):
        had = set(live.roles[name].member_of) if name in live.roles else set()
        out += [f"GRANT {ident(parent)} TO {ident(name)}" for parent in role.member_of if parent not in had]
    return out


# --- what changed in the specs ----------------------------------------------------------------


def _shown(name: str) -> str:
    schema, bare = split_name(name)
    return bare if schema == "public" else f"{schema}.{bare}"


def _dump(node: Node, exclude: Iterable[str] = ()) -> dict[str, Any]:
    return node.model_dump(mode="json", by_alias=True, exclude=set(exclude))


def _field_diff(live: dict[str, Any], desired: dict[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    keys = list(desired) + [k for k in live if k not in desired]
    return tuple((k, live.get(k), desired.get(k)) for k in keys if live.get(k) != desired.get(k))


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return ", ".join(_text(x) for x in v)
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_text(x)}" for k, x in v.items())
    return " ".join(str(v).split())


def _column_summary(d: dict[str, Any]) -> str:
    parts = [d["type"]]
    if d.get("primary_key"):
        parts.append("primary key")
    elif not d.get("nullable", True):
        parts.append("not null")
    if d.get("identity"):
        parts.append(f"identity {d['identity']}")
    if d.get("default") is not None:
        parts.append(f"default {_text(d['default'])}")
    if d.get("generated"):
        parts.append(f"generated as {_text(d['generated'])}")
    if d.get("unique"):
        parts.append("unique")
    if d.get("references"):
        ref = d["references"]
        parts.append(f"references {ref['table']}" + (f"({', '.join(ref['columns'])})" if ref.get("columns") else ""))
        if d.get("on_delete"):
            parts.append(f"on delete {d['on_delete']}")
    if d.get("check"):
        parts.append(f"check {_text(d['check'])}")
    return ", ".join(parts)


def _index_summary(d: dict[str, Any]) -> str:
    s = ("unique " if d.get("unique") else "") + f"on ({', '.join(d['columns'])})"
    if d.get("using", "btree") != "btree":
        s += f" using {d['using']}"
    if d.get("include"):
        s += f" include ({', '.join(d['include'])})"
    if d.get("where"):
        s += f" where {_text(d['where'])}"
    if d.get("nulls_not_distinct"):
        s += " nulls not distinct"
    return s


_LONG = ("body", "query")


def _policy_summary(d: dict[str, Any]) -> str:
    parts = [f"for {d['for']} to {', '.join(d['to'])}" + ("" if d.get("permissive", True) else " (restrictive)")]
    if d.get("using"):
        parts.append(f"using {_text(d['using'])}")
    if d.get("with_check"):
        parts.append(f"with check {_text(d['with_check'])}")
    return "; ".join(parts)


def _rls(t: Table) -> str:
    if t.rls is None or not t.rls.enabled:
        return "off"
    return "enabled, forced" if t.rls.force else "enabled"


def _table_fields(t: Table) -> dict[str, Any]:
    """A table's own settings (its parts are compared one by one), row-level security as one word."""
    return {**_dump(t, (*_TABLE_PARTS, "rls")), "row-level security": _rls(t)}


def _table_summary(t: Table) -> str:
    from .render import primary_key

    parts = [f"columns {', '.join(t.columns)}"]
    if primary_key(t):
        parts.append(f"primary key ({', '.join(primary_key(t))})")
    counts = [(len(t.foreign_keys) + sum(c.references is not None for c in t.columns.values()), "foreign key",
               "foreign keys"), (len(t.indexes), "index", "indexes"), (len(t.checks), "check", "checks"),
              (len(t.triggers), "trigger", "triggers"), (len(t.policies), "policy", "policies")]
    parts += [f"{n} {one if n == 1 else many}" for n, one, many in counts if n]
    if _rls(t) != "off":
        parts.append(f"row-level security {_rls(t)}")
    return "; ".join(parts)


def _summary(kind: str, node: Node | str | list[str]) -> str:
    if isinstance(node, str):
        return _text(node)
    if isinstance(node, list):
        return f"({', '.join(node)})"
    if kind == "column":
        return _column_summary(_dump(node, ("renamed_from",)))
    if kind == "index":
        return _index_summary(_dump(node, ("name", "comment")))
    if kind == "table" and isinstance(node, Table):
        return _table_summary(node)
    if kind == "policy":
        return _policy_summary(_dump(node))
    d = node.model_dump(mode="json", by_alias=True, exclude_defaults=True, exclude={"renamed_from", "name", *_LONG})
    if kind == "foreign key":
        ref = d.pop("references")
        d = {"columns": d.pop("columns"), "references": ref["table"] + (
            f"({', '.join(ref['columns'])})" if ref.get("columns") else ""), **d}
    if kind == "unique":
        return f"({', '.join(d.pop('columns'))})" + ("".join(f"; {k}: {_text(v)}" for k, v in d.items()))
    return "; ".join(f"{k}: {_text(v)}" for k, v in d.items())


class _Compare:
    """Walks the two models and collects Changes; file names come out as the user knows them."""

    def __init__(self, live: _Side, desired: _Side) -> None:
        self.live, self.desired = live, desired
        self.out: list[Change] = []
        self.docs: dict[str, Any] = {}

    def sub_origin(self, table: Node, tail: tuple[Any, ...]) -> Origin | None:
        """The origin of a part of a table that has none of its own (a named check, the primary key),
        read from the line marks of the table's file; the table's own line when it is not marked."""
        from .spec import load_yaml

        o = table.origin
        if o is None or not o.object or " " not in o.object:
            return o
        if o.file not in self.docs:
            try:
                self.docs[o.file] = load_yaml(Path(o.file).read_text(encoding="utf-8"), o.file)
            except (OSError, PgdeclError):
                self.docs[o.file] = None
        doc = self.docs[o.file]
        kind, written = o.object.split(" ", 1)
        line = doc.marks.get((f"{kind}s", written, *tail)) if doc is not None else None
        return Origin(o.file, line or o.line, o.object)

    def add(self, action: str, kind: str, name: str, table: str | None, node: Any,
            details: tuple[tuple[str, Any, Any], ...] = (), origin_node: Any = None) -> None:
        side = self.live if action == "removed" else self.desired
        origin = origin_node if isinstance(origin_node, Origin) else \
            getattr(origin_node if origin_node is not None else node, "origin", None)
        summary = _summary(kind, node) if action in ("added", "removed") and node is not None else ""
        self.out.append(Change(action, kind, name, table, summary, details,
                               side.relabel(origin.file) if origin else None, origin.line if origin else None))

    def named(self, kind: str, live: dict[str, Any], desired: dict[str, Any], table: str | None, prefix: str = "",
              exclude: Iterable[str] = (), container: Any = None,
              dump: Any = None) -> Iterator[tuple[str, Any, Any]]:
        """Compare two name -> object maps; yields (name, live, desired) pairs present on both sides
        (for nested comparison) after recording the added, removed, renamed and changed ones."""
        dump = dump or (lambda n: _dump(n, exclude) if isinstance(n, Node) else n)
        renamed = {getattr(obj, "renamed_from", None): n for n, obj in desired.items()
                   if getattr(obj, "renamed_from", None) in live and n not in live}
        def owner(name: str) -> str | None:
            return table if table is not None else name if kind in ("table", "view") else None

        for name, obj in desired.items():
            shown = prefix + (_shown(name) if table is None else name)
            old_name = name if name in live else next((o for o, n in renamed.items() if n == name), None)
            if old_name is None:
                self.add("added", kind, shown, owner(name), obj,
                         origin_node=obj if isinstance(obj, Node) else container)
                continue
            old = live[old_name]
            details = _field_diff(dump(old), dump(obj))
            if old_name != name:
                shown_old = prefix + (_shown(old_name) if table is None else old_name)
                self.add("renamed", kind, shown, owner(name), obj, (("name", shown_old, shown),) + details,
                         origin_node=obj if isinstance(obj, Node) else container)
            elif details:
                self.add("changed", kind, shown, owner(name), obj, details,
                         origin_node=obj if isinstance(obj, Node) else container)
            yield name, old, obj
        for name, obj in live.items():
            if name not in desired and name not in renamed:
                shown = prefix + (_shown(name) if table is None else name)
                self.add("removed", kind, shown, owner(name), obj,
                         origin_node=obj if isinstance(obj, Node) else None)

    def run(self) -> list[Change]:
        live, desired = self.live.project, self.desired.project
        assert live is not None and desired is not None
        for kind, attr in (("extension", "extensions"), ("schema", "schemas"), ("role", "roles"),
                           ("enum", "enums"), ("domain", "domains"), ("sequence", "sequences"),
                           ("function", "functions")):
            list(self.named(kind, getattr(live, attr), getattr(desired, attr), None))
        for name, old, new in self.named("table", live.tables, desired.tables, None, dump=_table_fields):
            self.table(name, old, new)
        for name, old, new in self.named("view", live.views, desired.views, None, exclude=("indexes",)):
            self.indexes(name, old.indexes, new.indexes, new)
        self.raw_sql(live, desired)
        return self.out

    def table(self, name: str, old: Table, new: Table) -> None:
        from .model import default_fk_name, default_unique_name
        from .render import primary_key

        t = _shown(name)
        list(self.named("column", old.columns, new.columns, name, f"{t}.", exclude=("renamed_from",)))
        old_pk, new_pk = primary_key(old), primary_key(new)
        if old_pk != new_pk:
            action = "added" if not old_pk else "removed" if not new_pk else "changed"
            self.add(action, "primary key", t, name, new_pk or old_pk,
                     (("columns", old_pk, new_pk),) if action == "changed" else (),
                     origin_node=self.sub_origin(new if action != "removed" else old, ("primary_key",)))
        def fks(tab: Table) -> dict[str, ForeignKey]:
            return {fk.name or default_fk_name(name, fk): fk for fk in tab.foreign_keys}

        list(self.named("foreign key", fks(old), fks(new), name, f"{t}.", exclude=("name",)))

        def uks(tab: Table) -> dict[str, Unique]:
            return {u.name or default_unique_name(name, u): u for u in tab.unique}

        list(self.named("unique", uks(old), uks(new), name, f"{t}.", exclude=("name",)))
        for check in list(new.checks) + [c for c in old.checks if c not in new.checks]:
            before, after = old.checks.get(check), new.checks.get(check)
            if before == after:
                continue
            action = "added" if before is None else "removed" if after is None else "changed"
            self.add(action, "check", f"{t}.{check}", name, after if before is None else before if after is None
                     else None, (("expression", before, after),) if action == "changed" else (),
                     self.sub_origin(old if action == "removed" else new, ("checks", check)))
        self.indexes(name, old.indexes, new.indexes, new)
        list(self.named("trigger", old.triggers, new.triggers, name, f"{t}."))
        list(self.named("policy", old.policies, new.policies, name, f"{t}."))

    def indexes(self, name: str, old: list[Index], new: list[Index], container: Any) -> None:
        from .render import indexes

        def by_name(ixs: list[Index]) -> dict[str, Index]:
            return {i.name: i for i in indexes(name, ixs) if i.name}  # every one named by indexes()

        list(self.named("index", by_name(old), by_name(new), name, f"{_shown(name)}.", exclude=("name",),
                        container=container))

    def raw_sql(self, live: Project, desired: Project) -> None:
        def files(side: _Side, project: Project) -> dict[str, Any]:
            return {side.relabel(r.path) or r.path: r for r in project.raw_sql}

        old, new = files(self.live, live), files(self.desired, desired)
        for path in list(new) + [p for p in old if p not in new]:
            if path not in old:
                self.out.append(Change("added", "sql file", path, file=path, line=1))
            elif path not in new:
                self.out.append(Change("removed", "sql file", path, file=path, line=1))
            elif old[path].sql != new[path].sql:
                self.out.append(Change("changed", "sql file", path, details=(("sql", old[path].sql, new[path].sql),),
                                       file=path, line=1))


_TABLE_PARTS = ("columns", "primary_key", "foreign_keys", "unique", "checks", "indexes", "triggers", "policies",
                "traits", "renamed_from")


def compare_projects(live: _Side, desired: _Side) -> list[Change]:
    """Every object added, removed, renamed or changed between the two sides' models."""
    return _Compare(live, desired).run()


def compare_dirs(live_dir: str | Path, desired_dir: str | Path) -> list[Change]:
    """The spec changes between two directories of specs (no database)."""
    sides = [_Side(SideInfo(DIRECTORY, str(d), str(d)), directory=Path(d), shown=str(d))
             for d in (live_dir, desired_dir)]
    for side in sides:
        _build(side)
    return compare_projects(*sides)


# --- lint, touched tables ---------------------------------------------------------------------


def _lint(live: _Side, desired: _Side) -> tuple[tuple[Any, ...], tuple[Any, ...], int]:
    """Findings the desired side has and the live side had not (matched by rule, object and message, not
    by line), findings the change fixes, and how many it keeps."""
    from .lint import lint_model

    assert desired.project is not None
    new = [replace(f, file=desired.relabel(f.file)) for f in lint_model(desired.project).findings]
    if live.project is None:
        return tuple(new), (), 0
    old = [replace(f, file=live.relabel(f.file)) for f in lint_model(live.project).findings]
    def key(f: Finding) -> tuple[str, str, str]:
        return (f.code, f.object, f.message)

    old_keys, new_keys = {key(f) for f in old}, {key(f) for f in new}
    return (tuple(f for f in new if key(f) not in old_keys), tuple(f for f in old if key(f) not in new_keys),
            sum(key(f) in old_keys for f in new))


def _statement_tables(steps: Iterable[Any]) -> set[str]:
    """Qualified tables a plan's statements work on (when there are no models to compare)."""
    import pglast
    from pglast import ast
    from pglast.visitors import Visitor

    found: set[str] = set()

    class _Rels(Visitor):  # type: ignore[misc]
        def visit_RangeVar(self, ancestors: Any, node: ast.RangeVar) -> None:
            found.add(f"{node.schemaname or 'public'}.{node.relname}")

    for step in steps:
        try:
            _Rels()(pglast.parse_sql(step.sql))
        except Exception:
            continue
    return found


# --- the review ---------------------------------------------------------------------------------


def review(project_dir: str = "schema", from_ref: str | None = None, to_ref: str | None = None,
           dev_url: str | None = None, server: Any = None, online: bool = True) -> Review:
    """Review the change from `from_ref` (default: the merge base of HEAD and the main branch) to
    `to_ref` (default: `project_dir` in the work tree). Spec sides are built in scratch databases on
    the local server (or `dev_url`'s); database sides are only read. `online`: the plan as
    `pgdecl plan` makes it (else as with --single-transaction)."""
    from .docs import er_diagram

    with ExitStack() as stack:
        repo: list[Repo] = []
        if from_ref is None:
            repo.append(find_repo(project_dir))
            branch = repo[0].main_branch()
            base = repo[0].merge_base(branch)
            live = _git_side(repo[0], branch, base, f"merge base of HEAD and {branch} ({base[:10]})",
                             project_dir, stack)
            live.info = replace(live.info, merge_base=True)
        else:
            live = _resolve(from_ref, "--from", project_dir, stack, repo)
        if to_ref is None:
            if not Path(project_dir).is_dir():
                raise ReviewError(f"project directory {project_dir!r} does not exist")
            desired = _Side(SideInfo(DIRECTORY, project_dir, f"{project_dir} (work tree)"),
                            directory=Path(project_dir), shown=project_dir)
        else:
            desired = _resolve(to_ref, "--to", project_dir, stack, repo)
        for side in (live, desired):
            if side.directory is not None:
                _build(side)
        # the models first: this needs the spec files (a git side's live in a temporary directory)
        compared = live.project is not None and desired.project is not None
        changes = tuple(compare_projects(live, desired)) if compared else ()
        lint_new: tuple[Any, ...] = ()
        lint_fixed: tuple[Any, ...] = ()
        kept = 0
        if desired.project is not None:
            lint_new, lint_fixed, kept = _lint(live, desired)
        steps = _plan(live, desired, dev_url, server, stack, online)

    touched: list[str] = []
    diagram = None
    if desired.project is not None:
        names = {c.table for c in changes if c.table} if compared else _statement_tables(steps)
        touched = [t for t in desired.project.tables if t in names]
        if touched:
            diagram = er_diagram(desired.project, touched, neighbors=True)
    return Review(project_dir, live.info, desired.info, changes, steps, lint_new, lint_fixed, kept,
                  desired.project is not None, tuple(touched), diagram, compared)


def _plan(live: _Side, desired: _Side, dev_url: str | None, server: Any, stack: ExitStack,
          online: bool = True) -> tuple[Any, ...]:
    """Build the spec sides in scratch databases (database sides are used as they are) and diff them."""
    from .db import Database, connect
    from .plan import plan_between
    from .scratch import drop_roles, load, scratch_database, sweep
    from .server import LocalServer

    dbs = []
    created: set[str] = set()
    admin = None
    for side in (live, desired):
        if side.conninfo is not None:
            dbs.append(Database(side.conninfo))
            continue
        if admin is None:
            admin = Database(dev_url) if dev_url else Database((server or LocalServer()).ensure_running(), local=True)
            if admin.local:
                sweep(admin)
        if not created:
            stack.callback(drop_roles, admin, created)  # after the scratch databases are dropped
        db = stack.enter_context(scratch_database(admin))
        try:
            created |= load(db, side.rendered)
        except PgdeclError as e:
            raise ReviewError(f"{side.info.label} does not load into PostgreSQL:\n  "
                              + str(e).replace(str(side.directory), (side.shown or "").rstrip("/"))) from None
        dbs.append(db)
    roles: list[str] = []
    if desired.project is not None:
        if live.project is not None:
            roles = _role_steps(live.project, desired.project)
        else:
            from .catalog import role_statements

            with connect(dbs[0]) as conn:
                roles = role_statements(conn, desired.project)
                conn.rollback()
    # a spec side's scratch database may have renames undone in it (renamed_from hints, as in make_plan)
    return plan_between(dbs[0], dbs[1], roles, online, desired.project if desired.conninfo is None else None)
