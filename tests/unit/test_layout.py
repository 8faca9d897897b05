"""The README's Layout table and the tree agree: every module of pgdecl/ is listed, and nothing listed is gone."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "pgdecl"
PER_ITEM_DIRS = ("lint/rules", "proptest/proofs", "engine/kinds")  # "one module per ...": listed as a directory


def _rows() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text[text.index("## Layout\n"):text.index("\n## ", text.index("## Layout\n") + 1)]
    return [line for line in section.splitlines() if line.startswith("| `pgdecl/")]


def _package(row: str) -> str | None:
    """`engine` for the row of `pgdecl/engine/`; None for rows of top-level modules."""
    m = re.match(r"\| `pgdecl/([a-z_]+)/`", row)
    return m.group(1) if m else None


def _named(row: str) -> set[str]:
    return set(re.findall(r"`(?:pgdecl/)?([a-z_/]+\.py)`", row))


def test_every_module_is_listed() -> None:
    rows = _rows()
    top = set().union(*(_named(r) for r in rows if _package(r) is None))
    by_package = {_package(r): _named(r) for r in rows if _package(r) is not None}
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        parent = path.parent.relative_to(PACKAGE).as_posix()
        if parent in PER_ITEM_DIRS or (path.name == "__init__.py" and parent != "."):
            continue
        if parent == ".":
            ok = path.name in top
        else:
            head, _, rest = rel.partition("/")
            ok = rest in by_package.get(head, set())
        if not ok:
            missing.append(rel)
    assert not missing, f"modules missing from README's Layout table: {missing}"


def test_nothing_listed_is_gone() -> None:
    stale = []
    for row in _rows():
        package = _package(row)
        for name in _named(row):
            base = PACKAGE / package if package and "/" not in name else PACKAGE
            if not (base / name).is_file():
                stale.append(name)
    for row in _rows():
        for directory in re.findall(r"`pgdecl/([a-z_]+)/`", row):
            if not (PACKAGE / directory).is_dir():
                stale.append(directory + "/")
    assert not stale, f"README's Layout table names what the tree no longer has: {stale}"
