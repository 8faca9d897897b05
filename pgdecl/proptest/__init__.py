"""`pgdecl test`: generate accepted and rejected rows from the specs and prove each constraint on a
scratch copy of the schema. `run_tests(project_dir)` returns a `TestReport`."""

from .report import (
           REPORT_FORMATS,
           ConstraintResult,
           TableResult,
           TestReport,
           report_json,
           report_text,
)
from .runner import run_on, run_tests

__all__ = [
           "REPORT_FORMATS",
           "ConstraintResult",
           "TableResult",
           "TestReport",
           "report_json",
           "report_text",
           "run_on",
           "run_tests",
]
