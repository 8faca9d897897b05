"""`pgdecl init`: a starter project (pgdecl.toml, a spec, pre-commit hooks, a CI workflow) from the
templates in `templates/init/`, and what to run next."""

from __future__ import annotations

import json
import re
from pathlib import Path

from .config import CONFIG_NAME, local_database_name
from .errors import PgdeclError
from . import templates_dir

# template -> path in the new project
FILES = {
    "pgdecl.toml.j2": CONFIG_NAME,
    "app.yaml.j2": "schema/app.yaml",
    "pre-commit-config.yaml.j2": ".pre-commit-config.yaml",
    "pgdecl-review.yml": ".github/workflows/pgdecl-review.yml",
}


def _render(template: str, **values: str) -> str:
    text = (templates_dir() / "init" / template).read_text(encoding="utf-8")
    if not template.endswith(".j2"):
        return text
    return re.sub(r"\{\{ (\w+) \}\}", lambda m: values[m.group(1)], text)


def init_project(directory: Path, name: str | None = None, force: bool = False) -> list[Path]:
    """Write the starter files into `directory` (made if missing); refuses to overwrite any file
    unless `force`. Returns the files written."""
    from .spec_schema import input_schema

    root = directory.resolve()
    name = name or root.name
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise PgdeclError(f"project name {name!r}: use letters, digits, '_', '.' or '-'")
    contents = {path: _render(template, name=name, database=local_database_name(name, root))
                for template, path in FILES.items()}
    contents["pgdecl.schema.json"] = json.dumps(input_schema(), indent=2) + "\n"
    existing = [p for p in contents if (root / p).exists()]
    if existing and not force:
        raise PgdeclError(f"{directory}: {', '.join(existing)} already exist(s); nothing was written "
                          "(--force overwrites)")
    written = []
    for rel, text in contents.items():
        target = root / rel
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        except OSError as e:
            raise PgdeclError(f"cannot write {target}: {e.strerror}") from None
        written.append(directory / rel)
    return written


def next_steps(directory: Path) -> str:
    """What a new user runs next, in order."""
    cd = f"  cd {directory}\n" if directory.resolve() != Path.cwd().resolve() else ""
    return f"""
Next:
{cd}  pgdecl lint                # check schema/ for common mistakes (no database)
  pgdecl plan                # what it takes to make your dev database match schema/
                             # (pgdecl starts its own local PostgreSQL; nothing needs to run)
  pgdecl apply --yes         # apply it to dev
  git init && git add -A && git commit -m "Start the schema"
  pre-commit install         # lint on every commit (pip install pre-commit)
  export PROD_DATABASE_URL=postgresql://user@host/db
  pgdecl plan --env prod -o plan.json && pgdecl apply plan.json --env prod
Edit pgdecl.toml for your environments; .github/workflows/pgdecl-review.yml reviews each pull
request (set PGDECL_REPO and PGDECL_REF in it).
"""
