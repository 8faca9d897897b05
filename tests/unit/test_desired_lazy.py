"""A cached desired side answers what every plan asks of it without unpickling its project (the
project is most of the entry: 0.5 s at 10,000 tables, half of a warm no-op plan)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pgdecl import desired, fresh


def _project(root: Path, extra: str = "") -> Path:
    root.mkdir()
    (root / "shop.yaml").write_text(
        "tables:\n  shop:\n    columns:\n      id: {type: bigint, primary_key: true}\n" + extra)
    return root


@pytest.mark.parametrize(("extra", "expected"), [
    ("", True),
    ("database:\n  grants:\n    public: [connect]\n", False),
])
def test_eligible_without_the_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: str,
                                      expected: bool) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    made = desired.build(_project(tmp_path / "p", extra))
    again = pickle.loads(pickle.dumps(made))
    assert again._project is None  # as the cache gives it back
    assert fresh.eligible(again) is expected
    assert again._project is None  # still not unpickled
    assert fresh.eligible(made) is expected and again.project == made.project
