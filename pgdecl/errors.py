"""One root error class; every user-facing failure is a PgdeclError and prints without a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Origin:
    """Where an object was written: a spec file, a line, and the object's name."""

    file: str
    line: int | None = None
    object: str | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return one_line(f"{where}: {self.object}" if self.object else where)

    def relative_to(self, root: Path) -> "Origin":
        try:
            return Origin(str(Path(self.file).resolve().relative_to(root.resolve())), self.line, self.object)
        except ValueError:
            return self


_LINE_BREAKS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7f)} | {0x85: "\\x85", 0x2028: "\\u2028", 0x2029: "\\u2029"}


def one_line(text: str) -> str:
    """`text` fit for one line of output or a `--` SQL comment: control characters and line breaks
    (a file or object name may hold them) written as escapes, so nothing can end the comment."""
    return text.translate(_LINE_BREAKS)


class PgdeclError(Exception):
    """Root of every error pgdecl reports to its user."""

    exit_code = 1


class SpecError(PgdeclError):
    """A mistake in the user's specs, pinned to file, line and object."""

    def __init__(self, message: str, origin: Origin | None = None) -> None:
        self.message = message
        self.origin = origin
        super().__init__(f"{origin}: {message}" if origin else message)

    def __reduce__(self) -> tuple[type[SpecError], tuple[str, Origin | None], dict[str, object]]:
        return type(self), (self.message, self.origin), self.__dict__  # pickled as made (pgdecl.forked)


class SpecErrors(PgdeclError):
    """Several spec mistakes, reported together so a user fixes them in one round."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def __reduce__(self) -> tuple[type[SpecErrors], tuple[list[SpecError]], dict[str, object]]:
        return type(self), (self.errors,), self.__dict__


class DatabaseError(PgdeclError):
    """A database could not be reached or refused a statement."""


class LoadError(PgdeclError):
    """The desired DDL failed to load into the scratch database."""

    def __init__(self, message: str, origin: Origin | None = None, sql: str | None = None) -> None:
        self.origin = origin
        self.sql = sql
        super().__init__(f"{origin}: {message}" if origin else message)


class ServerError(PgdeclError):
    """The local PostgreSQL server could not be found, initialised or started."""


class PlanError(PgdeclError):
    """A plan could not be made, or is not safe to apply as asked."""


class ApplyError(PgdeclError):
    """Applying a plan failed; the transactional part was rolled back."""
