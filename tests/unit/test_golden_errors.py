"""Golden cases of bad specs: tests/cases/errors/<name>/schema/ and the exact messages in expected.txt.

Set PGDECL_UPDATE_GOLDEN=1 to write expected.txt from the current output (then review the diff)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgdecl.desired import desired_from_specs
from pgdecl.errors import PgdeclError
from pgdecl.format import error_text

CASES = Path(__file__).resolve().parent.parent / "cases" / "errors"


def _output(case: Path) -> str:
    cwd = os.getcwd()
    os.chdir(case)
    try:
        desired_from_specs("schema")
    except PgdeclError as e:
        return error_text(e) + "\n"
    finally:
        os.chdir(cwd)
    return "no error\n"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_bad_spec_reports_file_line_object(case: str) -> None:
    path = CASES / case
    got = _output(path)
    expected_file = path / "expected.txt"
    if os.environ.get("PGDECL_UPDATE_GOLDEN"):
        expected_file.write_text(got)
    assert got != "no error\n", f"{case}: the bad spec was accepted"
    assert "Traceback" not in got
    assert got == expected_file.read_text()
