"""Jinja's compiled templates kept between runs: compiling the DDL templates is about 15 ms of every cold
`pgdecl validate`, `render` or plan, for templates that change only with pgdecl.

The code lives in pgdecl's cache home beside the plan cache (`templates/`), not in the plan cache
(`PGDECL_CACHE_DIR`): it depends on pgdecl's install, not on any project. An entry is keyed by the
template's name and file, Jinja's version and pgdecl's own code (the environment's settings are part of
it), and holds the checksum of the template source it was compiled from (Jinja recompiles when that
differs) and Python's version (Jinja's header): it is never stale. Like the plan cache, it is used only
in a directory that is ours and that nobody else may write to, and not with PGDECL_NO_CACHE; an entry
that cannot be read or written is compiled as if there were no cache.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from . import cache

if TYPE_CHECKING:
    import jinja2

KEEP = 256  # entries kept (the newest), pruned when one is written: 19 templates per version of pgdecl


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The cache for a Jinja environment of pgdecl's, or None (cache off, or no safe directory)."""
    if not cache.enabled():
        return None
    from .server import cache_home

    directory = cache_home() / "templates"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not cache.usable(directory):
        return None
    import jinja2

    return _cache_class()(str(directory), f"{jinja2.__version__}\0{cache.code_fingerprint()}")


def _cache_class() -> type[jinja2.FileSystemBytecodeCache]:
    import jinja2

    class Compiled(jinja2.FileSystemBytecodeCache):
        def __init__(self, directory: str, salt: str) -> None:
            super().__init__(directory, "%s.j2c")
            self.salt = salt

        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return hashlib.sha256(f"{self.salt}\0{name}\0{filename}".encode()).hexdigest()[:40]

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # a damaged entry (Jinja reads its checksum with pickle): compiled anew
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:  # a full or read-only disk: the template was compiled all the same
                return
            _prune(Path(self.directory))

    return Compiled


def _prune(directory: Path) -> None:
    try:
        entries = sorted(directory.glob("*.j2c"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        return

