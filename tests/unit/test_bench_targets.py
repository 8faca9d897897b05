"""bench/run.py's issue-16 targets from a run's figures: each a ratio or bound within the run, PASS or
FAIL by its threshold, n/a for a size the run left out, and growth judged by the marginal cost per table."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import run  # noqa: E402

SECONDS_PER_TABLE = {"lint": 0.0004, "validate": 0.0004, "render": 0.003, "apply": 0.006, "plan_noop_cold": 0.01,
                     "plan_noop_warm": 0.001, "plan_one_change": 0.0035, "migra": 0.004, "psql_load": 0.0045}


def _results(sizes: tuple[int, ...], **override: dict[int, float]) -> dict[str, Any]:
    """Per-size medians: a fixed start of 0.1 s plus a cost per table, or the given figure."""
    out: dict[str, Any] = {}
    for n in sizes:
        ops = {k: 0.1 + v * n for k, v in SECONDS_PER_TABLE.items()}
        for k, by_size in override.items():
            if n in by_size:
                ops[k] = by_size[n]
        out[str(n)] = {"tables": n, "statements": 4 * n, "repeat": 1,
                       "operations": {k: {"median": v, "min": v, "max": v, "runs": [v]} for k, v in ops.items()}}
    return out


def _verdicts(results: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, bool | None]:
    return {t["target"]: t["pass"] for t in run.derived(results, schema)["targets"]}


def test_every_target_passes_or_fails_by_its_threshold() -> None:
    results = _results((100, 1000, 5000, 10000),
                       plan_one_change={1000: 4.0 * 1.01},            # migra at 1,000 tables: 4.1 s
                       plan_noop_warm={1000: 4.1 * 0.5},              # exactly half of migra
                       apply={5000: 0.1 + 0.0045 * 5000 * 1.6},       # 1.6 x psql, a little over
                       validate={1000: 0.51})
    v = _verdicts(results, {"median": 0.45})
    assert v["one-change plan at 100 tables <= 1.0 x migra's bare diff"] is True
    assert v["one-change plan at 1,000 tables <= 1.0 x migra's bare diff"] is True   # 4.04 s vs 4.1 s
    assert v["one-change plan at 5,000 tables <= 1.0 x migra's bare diff"] is True
    assert v["no-op plan (warm cache) at 1,000 tables <= 0.5 x migra's bare diff"] is True
    assert v["first apply into an empty database at 1,000 tables <= 1.5 x psql -1 -f of the rendered DDL"] is True
    assert v["first apply into an empty database at 5,000 tables <= 1.5 x psql -1 -f of the rendered DDL"] is False
    assert v["pgdecl lint at 1,000 tables <= 0.5 s"] is True
    assert v["pgdecl validate at 1,000 tables <= 0.5 s"] is False
    assert v["no-op plan of schema/ (warm cache) <= 0.5 s"] is True
    flat = next(k for k in v if k.startswith("cost per table flat"))
    assert v[flat] is True  # every command costs the same per table at every size


def test_growth_faster_than_linear_fails_and_missing_sizes_say_so() -> None:
    square = {n: 0.1 + 0.003 * n * (n / 1000) for n in (100, 1000, 5000, 10000)}  # render: quadratic
    v = _verdicts(_results((100, 1000, 5000, 10000), render=square), None)
    assert v[next(k for k in v if k.startswith("cost per table flat"))] is False
    assert v["no-op plan of schema/ (warm cache) <= 0.5 s"] is None
    small = run.derived(_results((100, 1000)), None)["targets"]
    missing = [t for t in small if t["pass"] is None]
    assert {t["target"] for t in missing} >= {
        "one-change plan at 5,000 tables <= 1.0 x migra's bare diff",
        "first apply into an empty database at 10,000 tables <= 1.5 x psql -1 -f of the rendered DDL"}
    assert all(t["value"].startswith("not measured") for t in missing)
    assert next(t for t in small if t["target"].startswith("cost per table flat"))["pass"] is None
