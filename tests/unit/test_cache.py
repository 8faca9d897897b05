"""The plan cache (pgdecl.cache) and the specs half of it (pgdecl.plan.desired_from_specs), no database."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from pgdecl import cache
from pgdecl.desired import _specs_key, desired_from_specs

ROOT = Path(__file__).resolve().parents[2]


def test_put_get_roundtrip_and_private_directory(cache_dir: Path) -> None:
    k = cache.key("x", "payload")
    assert cache.get("t", k) is None
    cache.put("t", k, {"a": [1, 2]})
    assert cache.get("t", k) == {"a": [1, 2]}
    assert cache_dir.stat().st_mode & 0o777 == 0o700


def test_key_depends_on_every_part(cache_dir: Path) -> None:
    assert cache.key("a", "b") == cache.key("a", "b")
    assert cache.key("a", "b") != cache.key("a", "c")
    assert cache.key("ab") != cache.key("a", "b")


def test_directory_others_can_write_is_not_used(cache_dir: Path) -> None:
    cache_dir.mkdir(mode=0o700)
    os.chmod(cache_dir, 0o777)
    cache.put("t", "k", 1)
    assert not list(cache_dir.iterdir())
    assert cache.get("t", "k") is None


def test_corrupt_entry_is_a_miss_and_removed(cache_dir: Path) -> None:
    cache.put("t", "k", 1)
    entry = cache_dir / "t-k.pickle"
    entry.write_bytes(b"not a pickle")
    assert cache.get("t", "k") is None
    assert not entry.exists()


def test_no_cache_switch(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    assert cache.cached("t", "k", lambda: 5) == 5
    assert not cache_dir.exists() or not list(cache_dir.iterdir())


def test_prune_keeps_the_newest(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "MAX_ENTRIES", 3)
    for i in range(5):
        cache.put("t", f"k{i}", i)
        os.utime(cache_dir / f"t-k{i}.pickle", (1000 + i, 1000 + i))
    cache.put("t", "k5", 5)
    assert sorted(p.name for p in cache_dir.glob("t-*.pickle")) == ["t-k3.pickle", "t-k4.pickle", "t-k5.pickle"]


def test_specs_cache_hit_equals_fresh_render_and_any_edit_misses(cache_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(ROOT / "examples" / "starter", project)
    first = desired_from_specs(project)
    assert len(list(cache_dir.glob("specs-*.pickle"))) == 1
    again = desired_from_specs(project)
    assert again.rendered.text() == first.rendered.text()
    assert again.project.fingerprint() == first.project.fingerprint()
    key = _specs_key(project)
    spec = sorted(project.glob("*.yaml"))[0]
    spec.write_text(spec.read_text() + "\n# a comment changes the bytes\n")
    assert _specs_key(project) != key
    edited = _specs_key(project)
    (project / ".hidden").write_text("hidden files are not specs")
    assert _specs_key(project) == edited
    desired_from_specs(project)
    assert len(list(cache_dir.glob("specs-*.pickle"))) == 2


def test_spec_errors_are_not_cached(cache_dir: Path, tmp_path: Path) -> None:
    from pgdecl.errors import PgdeclError

    project = tmp_path / "bad"
    project.mkdir()
    (project / "t.yaml").write_text("tables:\n  t:\n    columns:\n      id: {type: nosuchtype}\n")
    for _ in range(2):
        with pytest.raises(PgdeclError):
            desired_from_specs(project)
    assert not list(cache_dir.glob("specs-*.pickle"))


def test_no_cache_option_leaves_the_cache_untouched(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from pgdecl.cli import main

    monkeypatch.setenv("PGDECL_NO_CACHE", "")  # restored after the test: the option sets it
    runner = CliRunner()
    off = runner.invoke(main, ["render", "--no-cache", str(ROOT / "schema")])
    assert off.exit_code == 0, off.output
    assert not cache_dir.exists() or not list(cache_dir.glob("specs-*"))
    monkeypatch.setenv("PGDECL_NO_CACHE", "")
    on = runner.invoke(main, ["render", str(ROOT / "schema")])
    assert on.exit_code == 0, on.output
    assert on.output == off.output
    assert len(list(cache_dir.glob("specs-*"))) == 1


def test_spec_yaml_parsed_once_per_text_wherever_the_file_lives(cache_dir: Path, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """load_project(reuse=True) parses a large spec file once per text: a copy of the project elsewhere
    parses only the file that was edited, and gives the same model with origins naming the new place."""
    from pgdecl import spec

    monkeypatch.setattr(spec, "LARGE_FILE", 0)
    project = tmp_path / "a"
    shutil.copytree(ROOT / "examples" / "eshop", project)
    parsed: list[str] = []
    real = spec.load_spec_yaml
    monkeypatch.setattr(spec, "load_spec_yaml", lambda text, file: parsed.append(file) or real(text, file))
    first = spec.load_project(project, reuse=True).project
    assert first.tables
    files = sorted(parsed)
    assert len(files) >= 2
    copy = tmp_path / "b"
    shutil.copytree(project, copy)
    edited = copy / Path(files[0]).relative_to(project)
    edited.write_text(edited.read_text() + "\n# edited\n")
    parsed.clear()
    again = spec.load_project(copy, reuse=True).project
    assert parsed == [str(edited)]
    assert str(copy) in repr(next(iter(again.tables.values())).origin)
    plain = spec.load_project(copy).project
    assert again.fingerprint() == plain.fingerprint()
