"""`pgdecl test`, the database-free parts: candidate values, facts read out of CHECK expressions,
type limits, and the report formats."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pgdecl.proptest.report import (
    ConstraintResult,
    TableResult,
    TestReport,
    report_json,
    report_text,
)
from pgdecl.proptest.values import (
    expr_facts,
    fits,
    out_of_range,
    regex_examples,
    regex_non_examples,
    type_candidates,
    type_info,
    uuids,
)

PATTERNS = [
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$",   # users_email_format
    r"^\+?[1-9][0-9]{1,14}$",                               # E.164 phone
    r"^[a-z0-9]+(-[a-z0-9]+)*$",                            # slug
    r"^ORD-[0-9]{8}$",
    r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    r"^[[:upper:]]{3}$",
    r"^(draft|published)$",
]


def test_regex_examples_match_and_non_examples_do_not():
    for p in PATTERNS:
        py = re.compile(p.replace("[:upper:]", "A-Z"))
        good = regex_examples(p)
        assert len(good) >= 2, p
        assert all(py.search(s) for s in good), (p, good)
        assert len(set(good)) == len(good)
        bad = regex_non_examples(p)
        assert bad and not any(py.search(s) for s in bad), (p, bad)


def test_regex_examples_are_deterministic_and_seeded():
    p = PATTERNS[0]
    assert regex_examples(p, seed=3) == regex_examples(p, seed=3)
    assert regex_examples(p, seed=3) != regex_examples(p, seed=4)
    assert regex_examples(p)[0] == "a@a.aa"  # the shortest example comes first


_atoms = st.sampled_from(["[a-z]", "[0-9]", "x", "\\.", "[A-F0-9]", "(ab|cd)", "[^,]"])
_quant = st.sampled_from(["", "+", "*", "?", "{2}", "{1,3}"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(_atoms, _quant), min_size=1, max_size=5), st.integers(0, 1000))
def test_generated_regexes_get_matching_examples(parts, seed):
    pattern = "^" + "".join(a + q for a, q in parts) + "$"
    examples = regex_examples(pattern, seed=seed)
    assert examples, pattern
    assert all(re.search(pattern, s) for s in examples), (pattern, examples)


@settings(max_examples=60, deadline=None)
@given(st.integers(-1000, 1000), st.integers(0, 1000))
def test_between_gives_values_inside_and_outside(lo, width):
    hi = lo + width
    values = [Decimal(v) for v in expr_facts(f"x BETWEEN {lo} AND {hi}").literals["x"]]
    assert any(lo <= v <= hi for v in values)
    assert any(v < lo for v in values) and any(v > hi for v in values)


def test_expr_facts_reads_columns_and_constants():
    f = expr_facts("status <> 'cancelled' OR cancelled_at IS NOT NULL")
    assert f.columns == ["status", "cancelled_at"]
    assert "cancelled" in f.literals["status"]
    f = expr_facts("rating BETWEEN 1 AND 5")
    assert {"0", "1", "5", "6"} <= set(f.literals["rating"])
    f = expr_facts("kind IN ('a', 'b') AND length(name) <= 3")
    assert {"a", "b"} <= set(f.literals["kind"]) and "zz_not_listed" in f.literals["kind"]
    assert {"aaa", "aaaa"} <= set(f.literals["name"])
    f = expr_facts("CASE data_type WHEN 'integer' THEN value ~ '^[0-9]+$' ELSE true END")
    assert "integer" in f.literals["data_type"]
    assert any(v.isdigit() for v in f.literals["value"]) and "" in f.literals["value"]
    f = expr_facts("secret = md5('x') AND n >= 0")
    assert f.closed == {"secret": ["md5('x')"]}
    assert expr_facts("this is not sql (").columns == []


def test_type_info_reads_catalog_and_spec_spellings():
    for spelled in ("varchar(20)", "character varying(20)", "VARCHAR(20)"):
        t = type_info(spelled)
        assert (t.base, t.length) == ("character varying", 20)
    t = type_info("numeric(10,2)")
    assert (t.base, t.precision, t.scale) == ("numeric", 10, 2)
    assert type_info("int8").base == "bigint"
    assert type_info("timestamptz").base == "timestamp with time zone"
    arr = type_info("text[]")
    assert arr.kind == "array" and arr.element is not None and arr.element.base == "text"


def test_out_of_range_values_break_exactly_the_limit():
    assert out_of_range(type_info("varchar(5)")) == "xxxxxx"
    assert out_of_range(type_info("numeric(5,2)")) == "1000"
    assert fits("999.99", type_info("numeric(5,2)")) and not fits("1000", type_info("numeric(5,2)"))
    assert out_of_range(type_info("integer")) == str(2 ** 31)
    assert out_of_range(type_info("smallint")) == "32768"
    assert out_of_range(type_info("text")) is None
    assert all(fits(v, type_info("varchar(3)")) for v in type_candidates(type_info("varchar(3)")))
    assert all(fits(v, type_info("numeric(3,2)")) for v in type_candidates(type_info("numeric(3,2)")))


def test_uuid_candidates_are_shared_and_seeded():
    assert uuids(0) == uuids(0) and uuids(0) != uuids(1)
    assert type_candidates(type_info("uuid"), 7) == uuids(7)
    assert len(set(uuids(0))) == len(uuids(0))


def _report() -> TestReport:
    results = (
        ConstraintResult("check", "t_n_positive", "public.t", "proved", "accepted n='1'; rejected n='0' (23514)",
                         "t.yaml:3", "23514", {"n": "1"}, {"n": "0"}),
        ConstraintResult("not null", "public.t.n", "public.t", "proved", "NULL rejected (23502)"),
        ConstraintResult("not null", "public.t.m", "public.t", "proved", "NULL rejected (23502)"),
        ConstraintResult("unique", "t_code_key", "public.t", "failed", "a row violating it was not rejected"),
        ConstraintResult("check", "t_weird", "public.t", "unproved", "no candidate row makes it false"),
    )
    return TestReport("proj", "postgresql://u@h:5432/db", 0, (TableResult("public.t", True, {"n": "1"}),), results,
                      1.25, 42)


def test_report_text_lists_named_constraints_and_summarises_the_rest():
    text = report_text(_report())
    assert "ok   check t_n_positive: accepted n='1'; rejected n='0' (23514)" in text
    assert "FAIL unique t_code_key" in text and "??   check t_weird: no candidate row" in text
    assert "not null (2): n, m" in text and "public.t.n" not in text
    assert text.rstrip().endswith("5 constraints: 3 proved, 1 failed, 1 not proved (1.2s, 42 statements)")
    assert "public.t.n: NULL rejected" in report_text(_report(), verbose=True)


def test_report_json_and_ok():
    r = _report()
    assert not r.ok and r.count("failed") == 1
    data = json.loads(report_json(r))
    assert data["summary"] == {"proved": 3, "failed": 1, "unproved": 1}
    assert data["results"][0]["rejected"] == {"n": "0"} and data["results"][0]["triggers_off"] is False
    assert [x["name"] for x in data["results"]] == [x.name for x in r.results]
