"""Registries of small modules (lint rules, constraint proofs, kinds of object): every module of a
package imported, and the declarations of one class they hold collected by a key."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def modules(package: str, path: Iterable[str]) -> list[ModuleType]:
    """Every module of a package (its `__name__` and `__path__`), in name order."""
    return [importlib.import_module(f"{package}.{m.name}") for m in sorted(pkgutil.iter_modules(path),
                                                                            key=lambda m: m.name)]


def declared(package: str, path: Iterable[str], kind: type[T], key: Callable[[T], str], what: str) -> dict[str, T]:
    """The `kind` objects the package's modules declare at top level, by `key`; one key declared twice
    is an error naming it (`what`: "lint rule code", "proof")."""
    found: dict[str, T] = {}
    for module in modules(package, path):
        for value in vars(module).values():
            if isinstance(value, kind):
                k = key(value)
                if k in found:
                    raise RuntimeError(f"{what} {k} is declared twice")
                found[k] = value
    return found
