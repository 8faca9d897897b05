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

from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable

from . import sqltree
from .errors import PgdeclError
from .model import Project
from .review_compare import Change, compare_dirs, compare_projects
from .review_sides import (DATABASE, DIRECTORY, GIT, MAIN_BRANCHES, Repo, ReviewError, Side, SideInfo, build_side,
                           find_repo,
                           git_side, resolve_side)

__all__ = ["DATABASE", "DIRECTORY", "GIT", "MAIN_BRANCHES", "Change", "Repo", "Review", "ReviewError", "SideInfo",
           "compare_dirs", "compare_projects", "find_repo", "review"]


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


# --- roles -------------------------------------------------------------------------------------


def _role_steps(live: Project, desired: Project) -> list[str]:
    """What `pgdecl plan` would do about roles, with the live side's roles taken from its specs (both
    scratch sides share one server, so its catalog cannot tell them apart)."""
    from .roles import options, role_steps

    have = {name: options(role) for name, role in live.roles.items() if name in desired.roles}
    members = [(name, parent) for name, role in live.roles.items() if name in desired.roles
               for parent in role.member_of]
    return role_steps(desired.roles, have, members)


# --- lint, touched tables ---------------------------------------------------------------------


def _lint(live: Side, desired: Side) -> tuple[tuple[Any, ...], tuple[Any, ...], int]:
    """Findings the desired side has and the live side had not (matched by rule, object and message, not
    by line), findings the change fixes, and how many it keeps."""
    from .lint import Finding, lint_model

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
    from pglast import ast
    from pglast.visitors import Visitor

    found: set[str] = set()

    class _Rels(Visitor):  # type: ignore[misc]
        def visit_RangeVar(self, ancestors: Any, node: ast.RangeVar) -> None:
            found.add(f"{node.schemaname or 'public'}.{node.relname}")

    for step in steps:
        try:
            _Rels()(sqltree.parse(step.sql))  # shared trees, only read
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
            live = git_side(repo[0], branch, base, f"merge base of HEAD and {branch} ({base[:10]})",
                             project_dir, stack)
            live.info = replace(live.info, merge_base=True)
        else:
            live = resolve_side(from_ref, "--from", project_dir, stack, repo)
        if to_ref is None:
            if not Path(project_dir).is_dir():
                raise ReviewError(f"project directory {project_dir!r} does not exist")
            desired = Side(SideInfo(DIRECTORY, project_dir, f"{project_dir} (work tree)"),
                            directory=Path(project_dir), shown=project_dir)
        else:
            desired = resolve_side(to_ref, "--to", project_dir, stack, repo)
        for side in (live, desired):
            if side.directory is not None:
                build_side(side)
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


def _plan(live: Side, desired: Side, dev_url: str | None, server: Any, stack: ExitStack,
          online: bool = True) -> tuple[Any, ...]:
    """Build the spec sides in scratch databases (database sides are used as they are) and diff them."""
    from .db import Database, connect
    from .plan import plan_between
    from .scratch import loaded_scratch, scratch_server

    dbs = []
    admin = None
    for side in (live, desired):
        if side.conninfo is not None:
            dbs.append(Database(side.conninfo))
            continue
        if admin is None:
            admin = scratch_server(dev_url, server)
        try:
            dbs.append(stack.enter_context(loaded_scratch(admin, side.rendered)))
        except PgdeclError as e:
            raise ReviewError(f"{side.info.label} does not load into PostgreSQL:\n  "
                              + str(e).replace(str(side.directory), (side.shown or "").rstrip("/"))) from None
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
