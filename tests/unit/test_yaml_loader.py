"""The libyaml-backed loader reads every spec of the repository exactly as PyYAML's pure-Python one."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pgdecl import spec_yaml as spec

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted(p for d in ("schema", "examples") for p in (ROOT / d).rglob("*.yaml"))


def _load(loader: type, text: str) -> spec.YamlDoc:
    saved = spec._Loader
    spec._Loader = loader
    try:
        return spec.load_yaml(text, "f.yaml")
    finally:
        spec._Loader = saved


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml: one loader only")
@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_libyaml_and_python_loaders_agree(path: Path) -> None:
    text = path.read_text()
    fast, slow = _load(spec._Loader, text), _load(spec._PyLoader, text)
    assert fast.data == slow.data
    assert fast.marks == slow.marks


def test_yaml_12_booleans_and_error_wording_with_libyaml() -> None:
    doc = spec.load_yaml("a: yes\nb: TRUE\nc: off\n", "f.yaml")
    assert doc.data == {"a": "yes", "b": True, "c": "off"}
    with pytest.raises(spec.SpecError, match=r"expected ',' or '\}', but got ':'"):
        spec.load_yaml("a: {b: 1\nc: 2\n", "f.yaml")
