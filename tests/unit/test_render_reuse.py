"""What a plan keeps between runs besides the specs (pgdecl.desired): prettified statements, the
project unpickled only when used, and `pgdecl validate`'s answer. No database."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pgdecl.desired import check_specs, desired_from_specs
from pgdecl.errors import PgdeclError

ROOT = Path(__file__).resolve().parents[2]

# a fresh interpreter (nothing memoised in memory): the DDL and how many statements it prettified itself
RENDER = """
import json, sys
from pgdecl import sqlparse_cache
calls = []
pretty = sqlparse_cache._pretty
sqlparse_cache._pretty = lambda sql: calls.append(sql) or pretty(sql)
sqlparse_cache.PARALLEL_MIN = 10 ** 9  # no worker processes: every statement prettified is counted here
from pgdecl.desired import desired_from_specs
d = desired_from_specs(sys.argv[1])
print(json.dumps({"ddl": d.rendered.text(), "prettified": len(calls)}))
"""


def _render(project: Path, cache_dir: Path, cached: bool = True) -> dict[str, object]:
    env = dict(os.environ, PGDECL_CACHE_DIR=str(cache_dir))
    env.pop("PGDECL_NO_CACHE", None)
    if not cached:
        env["PGDECL_NO_CACHE"] = "1"
    out = subprocess.run([sys.executable, "-c", RENDER, str(project)], env=env, capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return dict(json.loads(out.stdout))


def test_one_changed_spec_prettifies_only_its_statements_and_renders_the_same_ddl(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    before, after = tmp_path / "before", tmp_path / "after"
    shutil.copytree(ROOT / "schema", before)
    shutil.copytree(ROOT / "schema", after)
    spec = after / "70_reviews.yaml"
    text = spec.read_text()
    changed = text.replace("    columns:\n", "    columns:\n      reuse_probe: {type: text, comment: probe}\n", 1)
    assert changed != text
    spec.write_text(changed)

    first = _render(before, cache_dir)
    assert list(cache_dir.glob("pretty-*.pickle"))
    assert int(str(first["prettified"])) > 300  # everything, the first time
    reused = _render(after, cache_dir)  # another directory, one table changed
    fresh = _render(after, tmp_path / "unused", cached=False)
    assert reused["ddl"] == fresh["ddl"] and "reuse_probe" in str(reused["ddl"])
    assert 0 < int(str(reused["prettified"])) <= 3  # the changed table and its new comment
    assert int(str(fresh["prettified"])) > 300


def test_the_cached_project_is_unpickled_only_when_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    d = desired_from_specs(ROOT / "schema")
    copy = pickle.loads(pickle.dumps(d))
    assert copy._project is None and copy.roles.keys() == d.roles.keys() and copy.tables == len(d.project.tables)
    assert pickle.loads(pickle.dumps(copy)).project.fingerprint() == d.spec_fingerprint  # still bytes, then used
    assert copy.project.fingerprint() == d.spec_fingerprint and copy.rendered.text() == d.rendered.text()


def test_validate_counts_what_render_makes_and_caches_only_success(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir = tmp_path / "cache"
    monkeypatch.setenv("PGDECL_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    d = desired_from_specs(ROOT / "schema")
    assert check_specs(ROOT / "schema") == (len(d.project.tables), len(d.rendered.statements))
    assert len(list(cache_dir.glob("validated-*.pickle"))) == 1
    assert check_specs(ROOT / "schema") == (len(d.project.tables), len(d.rendered.statements))

    project = tmp_path / "bad"
    project.mkdir()
    # a fragment smuggling a second statement: only the rendered statement shows it
    (project / "t.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: int}\n"
                                    "    comment: \"x'; DROP TABLE t; --\"\n")
    (project / "v.yaml").write_text("views:\n  v:\n    query: \"SELECT 1; DROP TABLE t\"\n")
    for _ in range(2):
        with pytest.raises(PgdeclError) as e:
            check_specs(project)
        assert "v" in str(e.value)
    assert len(list(cache_dir.glob("validated-*.pickle"))) == 1
