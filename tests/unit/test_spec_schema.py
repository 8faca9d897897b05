"""`pgdecl spec-schema` describes specs as written: every YAML spec of the repository (schema/,
examples/, the valid test cases) and every spec block of the README validates against it with the
standard `jsonschema` validator, and mistakes are still rejected."""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.model import SpecFile
from pgdecl.spec import load_yaml
from pgdecl.spec_schema import input_schema

ROOT = Path(__file__).resolve().parents[2]
SPEC_KEYS = set(SpecFile.model_fields) | {"schema"}


@functools.cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(CliRunner().invoke(main, ["spec-schema"]).output)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _spec_files() -> list[Path]:
    files = [*ROOT.glob("schema/**/*.yaml"), *ROOT.glob("examples/**/*.yaml"), *ROOT.glob("tests/cases/**/*.yaml")]
    # tests/cases/errors holds specs that are meant to be wrong
    return sorted(f for f in files if "tests/cases/errors" not in f.as_posix())


def test_the_command_prints_the_input_schema() -> None:
    r = CliRunner().invoke(main, ["spec-schema"])
    assert r.exit_code == 0 and json.loads(r.output) == json.loads(json.dumps(input_schema()))


@pytest.mark.parametrize("path", _spec_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_spec_file_of_the_repository_validates(path: Path) -> None:
    data = load_yaml(path.read_text(), str(path)).data
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(data)]
    assert not errors, errors


def test_there_are_many_spec_files() -> None:
    assert len(_spec_files()) >= 80


def _readme_specs() -> list[tuple[int, dict]]:
    text = (ROOT / "README.md").read_text()
    out = []
    for m in re.finditer(r"```yaml\n(.*?)```", text, re.S):
        data = load_yaml(m.group(1), "README.md").data
        if isinstance(data, dict) and data and set(data) <= SPEC_KEYS:
            out.append((text.count("\n", 0, m.start()) + 1, data))
    return out


def test_the_readme_spec_examples_validate() -> None:
    specs = _readme_specs()
    assert len(specs) >= 3  # the starter project, renames, lint silences, ...
    v = _validator()
    for line, data in specs:
        errors = [f"README.md:{line}: {list(e.absolute_path)}: {e.message}" for e in v.iter_errors(data)]
        assert not errors, errors


def test_the_shorthands_the_readme_teaches_validate() -> None:
    v = _validator()
    spec = {
        "extensions": ["pgcrypto", "citext"],
        "enums": {"status": ["draft", "published"]},
        "roles": {"app": {"comment": "x"}},
        "tables": {"posts": {
            "columns": {"title": "text", "author_id": {"type": "uuid", "references": "authors"},
                        "editor_id": {"type": "uuid", "references": "auth.users(id)"}},
            "primary_key": "title",
            "rls": True,
            "grants": {"app": ["SELECT", "insert"]},
            "indexes": [{"columns": "title", "using": "GIN"}],
        }, "other": {"rls": "force"}},
    }
    assert not list(v.iter_errors(spec))


@pytest.mark.parametrize("bad", [
    {"tabels": {}},
    {"tables": {"t": {"colums": {}}}},
    {"tables": {"t": {"columns": {"a": {"type": "text", "nulable": True}}}}},
    {"tables": {"t": {"columns": {"a": 5}}}},
    {"tables": {"t": {"rls": "yes"}}},
    {"enums": {"e": "draft"}},
    {"tables": {"t": {"grants": {"app": ["selekt"]}}}},
    {"tables": {"t": {"columns": {"a": {"type": "uuid", "on_delete": "explode"}}}}},
])
def test_mistakes_are_still_rejected(bad: dict) -> None:
    assert list(_validator().iter_errors(bad))
