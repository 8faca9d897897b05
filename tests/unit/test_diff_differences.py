"""pgdecl.diff's replacement of migra's `differences`: the same four ordered mappings as migra's own,
each common pair compared once (migra's compared it twice, with `!=` and `==`)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from migra.util import differences as migras

import migra.changes

from pgdecl import diff

mappings = st.dictionaries(st.text(max_size=3), st.integers(0, 3), max_size=25)


@given(mappings, mappings)
def test_the_same_as_migras(a: dict[str, int], b: dict[str, int]) -> None:
    assert [list(m.items()) for m in diff._differences(a, b)] == [list(m.items()) for m in migras(a, b)]


def test_installed_where_migra_calls_it() -> None:
    assert migra.changes.differences is diff._differences


class Counted:
    compared = 0

    def __init__(self, v: int) -> None:
        self.v = v

    def __eq__(self, other: Any) -> bool:
        Counted.compared += 1
        return isinstance(other, Counted) and self.v == other.v

    def __ne__(self, other: Any) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def test_each_common_pair_compared_once() -> None:
    a = {k: Counted(k % 3) for k in range(100)}
    b = {k: Counted(k % 2) for k in range(50, 150)}
    Counted.compared = 0
    added, removed, modified, unmodified = diff._differences(a, b)
    assert Counted.compared == 50
    assert list(added) == list(range(100, 150)) and list(removed) == list(range(50))
    assert sorted(list(modified) + list(unmodified)) == list(range(50, 100))
    assert all(a[k].v == b[k].v for k in unmodified) and all(a[k].v != b[k].v for k in modified)
