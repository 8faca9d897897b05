"""Helpers made cheaper for large projects keep their results: the fingerprint, memoised names, the
default constraint and index names (now in pgdecl.model, still importable from pgdecl.render)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pgdecl import model, render
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("project", ["schema", "examples/starter", "examples/eshop"])
def test_fingerprint_is_the_hash_of_the_normalised_model(project: str) -> None:
    p = load_project(ROOT / project).project
    blob = json.dumps(p.normalized(), sort_keys=True, separators=(",", ":"))
    assert p.fingerprint() == hashlib.sha256(blob.encode()).hexdigest()


def test_memoised_names() -> None:
    for _ in range(2):
        assert model.split_name("a.b") == ("a", "b")
        assert model.split_name("b") == ("public", "b")
        assert model.split_name("b", "s") == ("s", "b")
        assert model.split_name('"x.y"') == ("public", "x.y")
        assert model.qualify("t", "s") == "s.t"
    assert render.default_index_name is model.default_index_name
    assert render.default_unique_name is model.default_unique_name
    assert render.default_fk_name is model.default_fk_name
    assert model.default_index_name("s.t", model.Index(columns=["lower(Email)", "b"])) == "t_lower_email_b_idx"
    assert model.default_unique_name("t", model.Unique(columns=["a", "b"])) == "t_a_b_key"
