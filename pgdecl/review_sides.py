"""The two sides of a review (`pgdecl diff`): a git revision, a directory of specs or a database URL.

A git revision is read with `git ls-tree`/`git cat-file` into a temporary directory, never by checking
anything out; a spec side is loaded, validated and rendered; a database side is only read (its sessions
are `default_transaction_read_only`).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import PgdeclError
from .model import Project

GIT, DIRECTORY, DATABASE = "git", "directory", "database"
MAIN_BRANCHES = ("origin/main", "origin/master", "main", "master")
_URL = re.compile(r"^(postgres|postgresql)://|^\w+=")


class ReviewError(PgdeclError):
    """A side of a review could not be resolved or built."""


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
        entries: list[tuple[str, str, str]] = []  # mode, blob, path
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


# --- the sides -------------------------------------------------------------------------------


@dataclass
class Side:
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


def read_only(url: str) -> str:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    try:
        options = conninfo_to_dict(url).get("options") or ""
    except Exception:
        raise ReviewError("the database URL is not a valid PostgreSQL connection string") from None
    return make_conninfo(url, options=f"{options} -c default_transaction_read_only=on".strip())


def resolve_side(ref: str, which: str, project_dir: str, stack: ExitStack, repo: list[Repo]) -> Side:
    """A side from what the user wrote: a database URL, an existing directory, else a git revision."""
    from .db import mask

    if _URL.match(ref):
        return Side(SideInfo(DATABASE, mask(ref), mask(ref)), conninfo=read_only(ref))  # never the password
    is_dir = Path(ref).is_dir()
    if not repo:
        try:
            repo.append(find_repo(project_dir))
        except ReviewError:
            if is_dir:
                return Side(SideInfo(DIRECTORY, ref, ref), directory=Path(ref), shown=ref)
            raise
    commit = repo[0].rev(ref)
    if is_dir and commit:
        raise ReviewError(f"{which} {ref!r} is both a directory and a git revision: write ./{ref} for the "
                          f"directory or {ref}^{{commit}} for the revision")
    if is_dir:
        return Side(SideInfo(DIRECTORY, ref, ref), directory=Path(ref), shown=ref)
    if not commit:
        raise ReviewError(f"{which} {ref!r} is neither a directory, a database URL nor a git revision")
    return git_side(repo[0], ref, commit, f"{ref} ({commit[:10]})", project_dir, stack)


def git_side(repo: Repo, ref: str, commit: str, label: str, project_dir: str, stack: ExitStack) -> Side:
    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pgdecl-review-")))
    directory = tmp / "project"
    note = None
    if not repo.extract(commit, directory):
        note = f"{project_dir} does not exist at {label}: compared as an empty project"
    return Side(SideInfo(GIT, ref, label, commit, note), directory=directory, shown=project_dir)


def build_side(side: Side) -> None:
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
