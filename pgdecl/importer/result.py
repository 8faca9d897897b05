"""What an import made: raw items, the result and its summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


from .constants import RAW_FILE, SHOWN_STATEMENTS


@dataclass(frozen=True)
class RawItem:
    """One object written as raw SQL (or not imported at all), and why."""

    kind: str
    name: str
    reason: str


@dataclass
class ImportResult:
    out_dir: Path
    source: str                                      # the database, shown without a password
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)   # kind -> objects written as YAML
    raw: list[RawItem] = field(default_factory=list)
    skipped: list[RawItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    raw_statements: list[str] = field(default_factory=list)  # privileges and comments in raw SQL


def summary_text(result: ImportResult) -> str:
    """What `pgdecl import` wrote: YAML counts, each raw SQL object with its reason, what was not imported."""
    lines = [f"Imported {result.source} into {result.out_dir}"]
    if result.replaced:
        lines.append(f"replaced {len(result.replaced)} existing spec file(s)")
    counts = ", ".join(f"{n} {k}" for k, n in result.counts.items() if n)
    lines.append(f"YAML: {counts or 'nothing'}")
    lines.append("files: " + ", ".join(result.files))
    if result.raw:
        lines.append(f"raw SQL ({RAW_FILE}): {len(result.raw)} object(s) the spec format cannot express:")
        lines += [f"  {r.kind} {r.name}: {r.reason}" for r in result.raw]
    if result.raw_statements:
        lines.append(f"raw SQL ({RAW_FILE}): {len(result.raw_statements)} privilege and comment statement(s) the "
                     "spec format cannot express:")
        shown = result.raw_statements[:SHOWN_STATEMENTS]
        lines += [f"  {s}" for s in shown]
        if len(result.raw_statements) > len(shown):
            lines.append(f"  ... and {len(result.raw_statements) - len(shown)} more in {RAW_FILE}")
    if not result.raw and not result.raw_statements:
        lines.append("raw SQL: none")
    if result.skipped:
        lines.append(f"not imported: {len(result.skipped)} object(s):")
        lines += [f"  {r.kind} {r.name}: {r.reason}" for r in result.skipped]
    lines += [f"note: {n}" for n in result.notes]
    return "\n".join(lines) + "\n"
