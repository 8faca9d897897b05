"""pgdecl.forked: work done by a forked child gives the parent exactly what doing it itself would (the
value, the error and its text), falls back to the parent's own run whenever the child cannot answer,
and leaves no child behind. And the two places that use it: reading a large project (half its files
parsed by a child) and validating the model while it is rendered give the same project, the same
DDL, the same fingerprint and the same errors, in the same order, as the serial path."""

from __future__ import annotations

import os
import sys
from contextlib import closing
from pathlib import Path
from typing import Any, Callable

import pytest

from pgdecl import desired, forked, spec
from pgdecl.errors import Origin, SpecError, SpecErrors

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import synth  # noqa: E402

needs_fork = pytest.mark.skipif(not forked.available(), reason="needs fork and two CPUs")  # the rest runs
# either way: with PGDECL_FORK=0, or where a child cannot help, the parent's own run is what they check


def _no_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@needs_fork
def test_value_comes_from_the_child() -> None:
    parent = os.getpid()
    with forked.Forked(lambda: (os.getpid(), [1, "two", {3: 4.0}])) as child:
        assert child.forked
        pid, value = child.result()
    assert pid != parent and value == [1, "two", {3: 4.0}]
    assert _no_children()


@needs_fork
def test_a_pgdecl_error_comes_back_as_raised() -> None:
    errors = SpecErrors([SpecError("bad column", Origin("a.yaml", 3, "table t")), SpecError("no origin")])

    def fail() -> None:
        raise errors

    with forked.Forked(fail) as child, pytest.raises(SpecErrors) as caught:
        child.result()
    assert str(caught.value) == str(errors)
    assert [(e.message, e.origin) for e in caught.value.errors] == [(e.message, e.origin) for e in errors.errors]


@needs_fork
def test_another_error_is_raised_by_the_parents_own_run() -> None:
    ran_in: list[int] = []

    def bug() -> None:
        ran_in.append(os.getpid())
        raise ZeroDivisionError("in fn")

    with forked.Forked(bug) as child, pytest.raises(ZeroDivisionError, match="in fn"):
        child.result()
    assert ran_in == [os.getpid()]  # the child's run is invisible here: only the parent's appended


def test_an_answer_that_does_not_pickle_is_worked_out_here() -> None:
    with forked.Forked(lambda: (lambda: os.getpid())) as child:
        fn = child.result()
    assert fn() == os.getpid()


@needs_fork
def test_leaving_without_the_result_reaps_the_child() -> None:
    import time

    with forked.Forked(lambda: time.sleep(30)) as child:
        assert child.forked
    assert _no_children()


def test_turned_off_runs_in_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_FORK", "0")
    assert not forked.available()
    with forked.Forked(os.getpid) as child:
        assert not child.forked
        assert child.result() == os.getpid()
    assert list(forked.imap(lambda x: (x, os.getpid()), [1, 2])) == [(1, os.getpid()), (2, os.getpid())]


@needs_fork
def test_imap_gives_every_result_in_order_from_the_child() -> None:
    parent = os.getpid()
    out = list(forked.imap(lambda x: (x * x, os.getpid()), list(range(50))))
    assert [v for v, _ in out] == [x * x for x in range(50)]
    assert {pid for _, pid in out} != {parent} and len({pid for _, pid in out}) == 1
    assert _no_children()


@needs_fork
def test_imap_goes_on_here_from_the_item_the_child_could_not_answer() -> None:
    here: list[int] = []

    def fn(x: int) -> object:
        here.append(x)  # seen by the parent only for the items it works out itself
        return (lambda: x) if x == 3 else x  # a lambda does not pickle

    out = list(forked.imap(fn, [0, 1, 2, 3, 4, 5]))
    assert out[:3] == [0, 1, 2] and out[4:] == [4, 5] and callable(out[3]) and out[3]() == 3
    assert here == [3, 4, 5]
    assert _no_children()


@needs_fork
def test_imap_closed_early_reaps_the_child() -> None:
    with closing(forked.imap(lambda x: x, list(range(10_000)))) as it:
        assert next(it) == 0
    assert _no_children()


# -- where pgdecl uses it -----------------------------------------------------------------------------

def _both(monkeypatch: pytest.MonkeyPatch, fn: Callable[[], Any]) -> tuple[Any, Any]:
    """fn() serially (PGDECL_FORK=0) and with children."""
    monkeypatch.setenv("PGDECL_FORK", "0")
    serial = fn()
    monkeypatch.setenv("PGDECL_FORK", "1")
    return serial, fn()


def _errors_of(fn: Callable[[], object]) -> str:
    try:
        fn()
    except SpecErrors as e:
        return str(e)
    raise AssertionError("no SpecErrors")


def test_a_large_project_reads_the_same_with_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = synth.write(synth.generate(300, seed=2), tmp_path / "p")
    assert sum(f.stat().st_size for f in root.rglob("*.yaml")) >= spec.FORK_BYTES  # the child's path is taken
    serial, parallel = _both(monkeypatch, lambda: spec.load_project(root, keep_docs=True))
    assert parallel.project == serial.project
    assert parallel.project.fingerprint() == serial.project.fingerprint()
    assert list(parallel.docs) == list(serial.docs)
    for name, doc in serial.docs.items():
        assert parallel.docs[name].data == doc.data and parallel.docs[name].marks == doc.marks


def test_mistakes_in_many_files_are_reported_alike_and_in_order(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    root = synth.write(synth.generate(300, seed=2), tmp_path / "p")
    files = sorted(root.rglob("*.yaml"))
    assert len(files) >= 6
    files[1].write_text(files[1].read_text() + "\n  : [unclosed\n")                 # YAML
    files[2].write_bytes(b"tables:\n  t:\n    comment: \xff\n")                        # not UTF-8
    files[4].write_text(files[4].read_text().replace("type:", "typo:", 1))          # the model
    files[-1].write_text("tables: [1, 2]\n")                                         # not a mapping of tables
    serial, parallel = _both(monkeypatch, lambda: _errors_of(lambda: spec.load_project(root)))
    assert parallel == serial
    assert serial.count("\n") >= 3  # every file's mistake, not the first only


def test_validated_while_rendered_gives_the_serial_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    root = synth.write(synth.generate(desired.FORK_TABLES, seed=4), tmp_path / "p")
    serial, parallel = _both(monkeypatch, lambda: desired.build(root))
    assert parallel.spec_fingerprint == serial.spec_fingerprint
    assert parallel.rendered == serial.rendered
    assert desired.check_specs(root) == (desired.FORK_TABLES, len(serial.rendered.statements))


def test_the_models_mistakes_come_first_with_a_child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_NO_CACHE", "1")
    root = synth.write(synth.generate(desired.FORK_TABLES, seed=4), tmp_path / "p")
    first = next(f for f in sorted(root.rglob("*.yaml")) if "references: " in f.read_text())
    first.write_text(first.read_text().replace("references: ", "references: public.no_such_table_", 1))
    serial, parallel = _both(monkeypatch, lambda: _errors_of(lambda: desired.build(root)))
    assert parallel == serial and "no_such_table_" in serial
    serial, parallel = _both(monkeypatch, lambda: _errors_of(lambda: desired.check_specs(root)))
    assert parallel == serial and "no_such_table_" in serial


@needs_fork
def test_a_child_stalled_on_a_lock_held_at_the_fork_is_killed_and_the_work_done_here(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading
    import time

    monkeypatch.setattr(forked, "STALL", 0.5)
    lock = threading.Lock()
    held = threading.Event()

    def holder() -> None:  # another thread holds the lock when the child is forked, and for 1.5 s
        with lock:
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=holder)
    thread.start()
    held.wait()
    assert forked.available()  # other threads run: allowed, the parent watches for a stall (/proc)
    ran_in: list[int] = []

    def work() -> int:
        with lock:  # in the child, nobody will ever release it
            ran_in.append(os.getpid())
            return 42

    started = time.monotonic()
    with forked.Forked(work) as child:
        assert child.forked
        assert child.result() == 42
    assert ran_in == [os.getpid()] and time.monotonic() - started >= 0.5
    thread.join()
    assert _no_children()
