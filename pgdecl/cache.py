"""A private on-disk cache for the sides of a plan, so an unchanged spec is neither re-rendered,
reloaded nor re-inspected, and an unchanged live database not read again.

Kinds of entry, each a pickle named by the hash of everything that determines it:
- `specs-*`: the loaded, validated and rendered specs, keyed by the bytes of every project file,
  the directory as given (errors and origins name it) and pgdecl's own code and templates;
- `desired-*`: the inspected desired schema, keyed by the hash of the rendered DDL, the version of
  the server it was built on, and pgdecl's code with the installed migra and schemainspect;
- `live-*` and `plan-*`: a live side and a plan's result, keyed by the live database's catalog
  signal (pgdecl.plan_cache);
- `pretty-*`: prettified statements (pgdecl.desired), `validated-*`: `pgdecl validate`'s answer.

Only successful results are stored. Entries are written atomically, the directory is private to its
owner (pickles are code: pgdecl refuses a cache directory that others can write), and the oldest
entries are pruned. `PGDECL_CACHE_DIR` moves the cache; `PGDECL_NO_CACHE=1` (or `--no-cache`)
bypasses it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, TypeVar

FORMAT = 1          # bump when the pickled shapes change in a way the code hash would not catch
MAX_ENTRIES = 64    # per kind; the oldest (by last use) are removed beyond that
# kinds kept in other numbers: large entries seldom used again once stale (live, pretty), and small
# ones, one per spec file of a project (yaml)
KIND_MAX = {"live": 16, "pretty": 4, "yaml": 4096}

T = TypeVar("T")


def enabled() -> bool:
    return os.environ.get("PGDECL_NO_CACHE", "").lower() not in ("1", "true", "yes")


def directory() -> Path:
    if os.environ.get("PGDECL_CACHE_DIR"):
        return Path(os.environ["PGDECL_CACHE_DIR"])
    from .server import cache_home

    return cache_home() / "plan-cache"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """pgdecl's own code and templates, and the versions of the libraries whose output is cached."""
    from importlib import metadata

    h = hashlib.sha256(f"{FORMAT}:{sys.version_info[:2]}".encode())
    for dist in ("migra", "schemainspect", "pglast", "pydantic"):
        try:
            h.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            h.update(dist.encode())
    package = Path(__file__).resolve().parent
    # pgdecl.spec.templates_dir(), without importing pgdecl.spec (pydantic): a cached answer needs neither
    templates = [d for d in (package / "templates", package.parent / "templates") if d.is_dir()][:1]
    for root in (package, *templates):  # os.walk, not Path.rglob: a third of the time (every cold command pays it)
        files = []
        for top, dirs, names in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            files += [os.path.join(top, n) for n in names if n.endswith((".py", ".j2", ".sql", ".yaml"))]
        for path in sorted(files):
            if os.path.isfile(path):
                with open(path, "rb") as f:
                    h.update(Path(os.path.relpath(path, root)).as_posix().encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def key(*parts: str | bytes) -> str:
    h = hashlib.sha256(code_fingerprint().encode())
    for p in parts:
        h.update(b"\0" + (p.encode() if isinstance(p, str) else p))
    return h.hexdigest()[:40]


def _usable(path: Path) -> bool:
    """The directory exists, is ours, and nobody else may write to it."""
    try:
        st = path.lstat()
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


usable = _usable  # for pgdecl.compiled_templates, whose directory is not the plan cache


def _dir() -> Path | None:
    path = directory()
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    return path if _usable(path) else None


def get(kind: str, k: str) -> Any | None:
    """The cached value, or None (missing, unreadable, or the cache is off)."""
    if not enabled() or (d := _dir()) is None:
        return None
    path = d / f"{kind}-{k}.pickle"
    try:
        with open(path, "rb") as f:
            value = pickle.load(f)
        os.utime(path)  # last use, for pruning
        return value
    except FileNotFoundError:
        return None
    except Exception:  # a truncated or stale entry is a miss, never an error
        path.unlink(missing_ok=True)
        return None


def put(kind: str, k: str, value: Any) -> None:
    """Store a value atomically; a cache that cannot be written is silently skipped."""
    if not enabled() or (d := _dir()) is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=d, prefix=f".{kind}-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, d / f"{kind}-{k}.pickle")
    except Exception:
        Path(tmp).unlink(missing_ok=True)
        return
    _prune(d, kind)


_PUTS: dict[str, int] = {}  # entries written per kind by this process
_PENDING: list[threading.Thread] = []  # put_later's writers not joined yet


def put_later(kind: str, k: str, value: Any) -> None:
    """put(), by a thread of its own: the caller goes on and calls flush() before it returns. The value
    must not change meanwhile (pgdecl's models and rendered DDL are frozen)."""
    if not enabled():
        return
    writer = threading.Thread(target=put, args=(kind, k, value), name=f"pgdecl-cache-{kind}")
    writer.start()
    _PENDING.append(writer)


def flush() -> None:
    """Wait for the entries put_later() is still writing."""
    while _PENDING:
        _PENDING.pop().join()


def _prune(d: Path, kind: str) -> None:
    """Keep the newest entries of a kind: after every write, or for a kind of thousands of small entries
    (`yaml`, one per spec file) after a process's first write of it and every 64th after."""
    n = _PUTS[kind] = _PUTS.get(kind, 0) + 1
    keep = KIND_MAX.get(kind, MAX_ENTRIES)
    if keep > 1024 and n % 64 != 1:
        return
    entries = sorted(d.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)


def cached(kind: str, k: str, make: Callable[[], T]) -> T:
    """`make()`, or its stored result for the same key."""
    value = get(kind, k)
    if value is None:
        value = make()
        put(kind, k, value)
    return value
