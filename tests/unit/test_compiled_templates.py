"""Jinja's compiled templates kept between runs (pgdecl.compiled_templates): used, never stale, harmless
when damaged or unwritable, off with the cache."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import jinja2
import pytest

from pgdecl import compiled_templates, render
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PGDECL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PGDECL_NO_CACHE", raising=False)
    return tmp_path / "home" / "templates"


def _env(templates: Path) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(templates)),
                              bytecode_cache=compiled_templates.bytecode_cache())


class _NoCompile(jinja2.Environment):
    def compile(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("compiled, although the cache holds the code")


def test_compiled_once_then_read_and_recompiled_when_the_source_changes(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "t.sql.j2").write_text("CREATE TABLE {{ name }} ()")
    assert _env(src).get_template("t.sql.j2").render(name="a") == "CREATE TABLE a ()"
    entries = list(home.glob("*.j2c"))
    assert len(entries) == 1
    assert home.stat().st_mode & 0o777 == 0o700

    cached = _NoCompile(loader=jinja2.FileSystemLoader(str(src)), bytecode_cache=compiled_templates.bytecode_cache())
    assert cached.get_template("t.sql.j2").render(name="b") == "CREATE TABLE b ()"  # from the cache

    (src / "t.sql.j2").write_text("CREATE UNLOGGED TABLE {{ name }} ()")  # the same name, another source
    with pytest.raises(AssertionError, match="compiled"):
        _NoCompile(loader=jinja2.FileSystemLoader(str(src)),
                   bytecode_cache=compiled_templates.bytecode_cache()).get_template("t.sql.j2")
    assert _env(src).get_template("t.sql.j2").render(name="c") == "CREATE UNLOGGED TABLE c ()"


def test_key_depends_on_pgdecls_code(home: Path) -> None:
    cls = compiled_templates._cache_class()
    one, other = cls(str(home), "jinja\0code-1"), cls(str(home), "jinja\0code-2")
    assert one.get_cache_key("t.sql.j2", "/x/t.sql.j2") == one.get_cache_key("t.sql.j2", "/x/t.sql.j2")
    assert one.get_cache_key("t.sql.j2", "/x/t.sql.j2") != other.get_cache_key("t.sql.j2", "/x/t.sql.j2")
    assert one.get_cache_key("t.sql.j2", "/x/t.sql.j2") != one.get_cache_key("t.sql.j2", "/y/t.sql.j2")


def test_damaged_entry_is_compiled_anew(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "t.sql.j2").write_text("SELECT {{ 1 + 1 }}")
    _env(src).get_template("t.sql.j2")
    (entry,) = home.glob("*.j2c")
    magic = jinja2.bccache.bc_magic
    for damaged in (magic + b"\x80garbage", magic, b"junk", b""):
        entry.write_bytes(damaged)
        assert _env(src).get_template("t.sql.j2").render() == "SELECT 2"


def test_unwritable_or_unsafe_directory_is_not_used(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "t.sql.j2").write_text("SELECT 1")
    bcc = compiled_templates.bytecode_cache()
    assert bcc is not None
    home.rmdir()  # gone before the entry is written: compiled and rendered all the same
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(src)), bytecode_cache=bcc)
    assert env.get_template("t.sql.j2").render() == "SELECT 1"

    home.mkdir()
    os.chmod(home, 0o777)  # others may write code into it: never read
    assert compiled_templates.bytecode_cache() is None
    os.rmdir(home)
    home.write_text("not a directory")
    assert compiled_templates.bytecode_cache() is None


def test_off_with_the_cache(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    assert compiled_templates.bytecode_cache() is None
    assert not home.exists()


def test_render_is_the_same_from_compiled_templates(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(ROOT / "schema").project
    texts = []
    try:
        for _ in range(2):  # compiled and written, then read
            render._env.cache_clear()
            texts.append(render.render(project, pretty=False).text())
        assert len(list(home.glob("*.j2c"))) >= 5
        monkeypatch.setenv("PGDECL_NO_CACHE", "1")
        render._env.cache_clear()
        texts.append(render.render(project, pretty=False).text())
    finally:
        render._env.cache_clear()
    assert texts[0] == texts[1] == texts[2]


def test_prune_keeps_the_newest(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(compiled_templates, "KEEP", 2)
    src = tmp_path / "src"
    src.mkdir()
    for i in range(4):
        (src / f"t{i}.j2").write_text(f"SELECT {i}")
        _env(src).get_template(f"t{i}.j2")
        for entry in home.glob("*.j2c"):
            if entry.stat().st_mtime > 2000:
                os.utime(entry, (1000 + i, 1000 + i))
    assert len(list(home.glob("*.j2c"))) == 2
