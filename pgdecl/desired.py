"""The desired side from the specs: load, validate and render them, cached by the project's bytes.
Kept apart from pgdecl.plan so `render` and `validate` need neither migra nor a database driver."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cache
from .render import Rendered, render
from .spec import load_project
from .validate import validate, validate_rendered


@dataclass(frozen=True)
class Desired:
    """The desired side of a plan, made once from the specs."""

    project: Any
    rendered: Rendered
    spec_fingerprint: str  # project.fingerprint(), worked out once and cached with the rest


def desired_from_specs(project_dir: str | Path) -> Desired:
    """Load, validate and render the specs; cached (pgdecl.cache) by the bytes of every project file."""
    k = _specs_key(Path(project_dir))
    if k is None:
        return _desired_from_specs(project_dir)
    return cache.cached("specs", k, lambda: _desired_from_specs(project_dir))


def _desired_from_specs(project_dir: str | Path) -> Desired:
    loaded = load_project(project_dir)
    validate(loaded.project)  # fragments and references first: rendering assumes them sound
    rendered = render(loaded.project)
    validate_rendered(rendered)  # then only what needs the DDL: the model is not validated twice
    return Desired(loaded.project, rendered, loaded.project.fingerprint())


def _specs_key(root: Path) -> str | None:
    """What the rendered specs depend on besides pgdecl's code: the directory as given (origins name
    it) and every file under it (hidden ones aside), by path and bytes."""
    if not root.is_dir() or not cache.enabled():
        return None
    h = hashlib.sha256(str(root).encode())
    try:
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(part.startswith(".") for part in rel.parts):
                h.update(b"\0" + rel.as_posix().encode() + b"\0" + path.read_bytes())
    except OSError:  # an unreadable file or directory: no cache, and loading the specs names it
        return None
    return cache.key("specs", h.hexdigest())
