"""The event reader of `spec_yaml.load_yaml` gives exactly what PyYAML's composer path (`spec_yaml._load_nodes`)
gives: the same data, the same marks, the same mistakes; unusual documents go through the composer."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgdecl import spec, spec_yaml
from pgdecl.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for d in ("schema", "examples", "tests/cases", "templates") for p in (ROOT / d).rglob("*.yaml"))

SNIPPETS = [
    "",
    "# only a comment\n",
    "---\n",
    "---\n...\n",
    "a: 1\n",
    "just a string\n",
    "- 1\n- two\n- [3, {four: 4}]\n",
    "a: yes\nb: TRUE\nc: off\nd: ~\ne: null\nf: 1.5\ng: 0x1F\nh: .nan\ni: -.inf\nj: 2024-01-02\nk: 2024-01-02 10:11:12\n",
    "1: int key\ntrue: bool key\nnull: none key\n1.5: float key\n",
    "a: 'quoted yes'\nb: \"true\"\nc: |\n  block\n  text\nd: >\n  folded\n  text\n",
    "base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\n",
    "a: &x hello\nb: *x\n",
    "a: !!str 12\nb: !!int '7'\nc: !custom x\n",
    "a: !!binary aGVsbG8=\n",
    "a: 1\na: 2\n",
    "x:\n  a: 1\n  b:\n    c: 1\n    c: 2\n",
    "? [a, b]\n: 1\n",
    "? {a: 1}\n: 1\n",
    "a: {b: 1\nc: 2\n",
    "a: 1\n---\nb: 2\n",
    "a:\n  - b\n c: d\n",
    "a: 1\na: 2\nb: {c: 1\n",
    "tables:\n  t:\n    columns:\n      id: bigint\n      n: {type: text, nullable: false}\n    indexes:\n      - columns: [n]\n      - {columns: [id, n], unique: true}\n",
    "k: 'a'\nk2: \"a\"\nk3: a\n",
    "=: value key\n",
    "a: !!set {x, y}\nb: !!omap [{x: 1}]\n",
    "a: 2001-13-45\n",
    "a: [1, 2\n",
    "\t- tab\n",
]


def _both(text: str) -> tuple[object, object]:
    def run(fn):  # type: ignore[no-untyped-def]
        try:
            doc = fn(text, "f.yaml")
            return ("ok", doc.data, doc.marks)
        except SpecError as e:
            return ("spec error", str(e), e.origin)
        except Exception as e:  # noqa: BLE001
            return ("error", type(e).__name__, str(e))
    return run(spec.load_yaml), run(spec_yaml._load_nodes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_specs_read_the_same(path: Path) -> None:
    fast, slow = _both(path.read_text())
    assert repr(fast) == repr(slow)  # key order too


@pytest.mark.parametrize("text", SNIPPETS)
def test_snippets_read_the_same(text: str) -> None:
    fast, slow = _both(text)
    assert repr(fast) == repr(slow)


def test_plain_documents_take_the_event_reader() -> None:
    doc = spec_yaml._load_events("a: [1, {b: yes}]\nc: TRUE\n", "f.yaml")
    assert doc is not None and doc.data == {"a": [1, {"b": "yes"}], "c": True}
    assert doc.marks == {("a",): 1, ("a", 0): 1, ("a", 1): 1, ("a", 1, "b"): 1, ("c",): 2}
    assert spec_yaml._load_events("a: &x 1\nb: *x\n", "f.yaml") is None
    assert spec_yaml._load_events("a: 1\na: 2\n", "f.yaml") is None


def test_resolver_memo_keeps_yaml_12_booleans() -> None:
    for _ in range(2):
        assert spec.load_yaml("a: yes\nb: True\nc: on\nd: '1'\ne: 1\n", "f.yaml").data == \
            {"a": "yes", "b": True, "c": "on", "d": "1", "e": 1}
    import yaml
    assert yaml.load("a: yes\nb: false\n", Loader=spec_yaml._Loader) == {"a": "yes", "b": False}


def test_paused_gc_restores_the_collector() -> None:
    import gc

    assert gc.isenabled()
    with spec.paused_gc():
        assert not gc.isenabled()
        with spec.paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with spec.paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
