"""The proofs of `pgdecl test`, one kind of constraint per module, each declaring a `Proof`.

A proof runs once per run (`project`: enums, domains; before the tables are read) or once per table
(`table`: parents first, after every table has its base row). Proofs run in `order`, which fixes the
order of the results; each records its results with `Prover.add` / `Prover.finish`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ...registry import declared

if TYPE_CHECKING:
    from ..model import Tab
    from ..verdicts import Prover


@dataclass(frozen=True)
class Proof:
    name: str                                               # the kinds of constraint it proves
    order: int                                              # proofs run by order
    project: Callable[[Prover], None] | None = None         # once per run
    table: Callable[[Prover, Tab], None] | None = None      # once per table


@lru_cache(maxsize=1)
def _proofs() -> tuple[Proof, ...]:
    found = declared(__name__, __path__, Proof, lambda p: p.name, "proof")
    return tuple(sorted(found.values(), key=lambda p: (p.order, p.name)))


def all_proofs() -> list[Proof]:
    """Every proof, in the order they run."""
    return list(_proofs())


def project_proofs() -> list[Proof]:
    """The proofs that run once per run, in order."""
    return [p for p in _proofs() if p.project is not None]


def table_proofs() -> list[Proof]:
    """The proofs that run once per table, in order."""
    return [p for p in _proofs() if p.table is not None]
