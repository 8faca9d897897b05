"""pgdecl: declarative schema-as-code for PostgreSQL.

Pipeline: spec (YAML -> model) -> render (DDL) -> validate -> scratch (load) -> diff (migra) -> plan -> apply.
"""

from pathlib import Path

__version__ = "0.1.0"

# the collector's thresholds of a command (pgdecl.cli_common._tune_gc), set before pgdecl.cli's imports too
GC_THRESHOLDS = (100_000, 50, 100)


def templates_dir() -> Path:
    """The templates shipped with pgdecl: inside the wheel, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("pgdecl templates directory not found")
