"""Work done in a forked child while the parent goes on: reading a large project takes a few
CPU-bound steps that do not need each other (parsing half the files, validating the model while it
is rendered). A second CPU does one of them; the parent asks for the result when it needs it.

Only where it is safe and can help: POSIX fork, at least two CPUs, no other thread in the process
(a lock another thread holds would stay held in the child), and not turned off (PGDECL_FORK=0).
Otherwise, or when the child cannot answer (killed, an answer that does not unpickle, an error that
is not one of pgdecl's own), the work runs in the parent when its result is asked for: the same
result, the same error and traceback, only later."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from types import TracebackType
from typing import Callable, Generator, Generic, Sequence, TypeVar

from .errors import PgdeclError

T = TypeVar("T")
A = TypeVar("A")

_OK, _RAISED = 0, 1


def available() -> bool:
    """Whether `start` forks here and now."""
    if os.environ.get("PGDECL_FORK", "1") == "0" or not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2 and threading.active_count() == 1


class Forked(Generic[T]):
    """`fn()` in a forked child (or, unavailable, in the parent at `result()`). Use as a context
    manager: leaving it without asking for the result kills and reaps the child."""

    def __init__(self, fn: Callable[[], T]) -> None:
        self._fn = fn
        self._pid = 0
        self._fd = -1
        if available():
            self._fork()

    @property
    def forked(self) -> bool:
        return self._pid > 0

    def _fork(self) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: answer through the pipe, then leave without the parent's exit handlers
            try:
                os.close(r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it; the parent sees no answer
                _answer(w, self._fn)
            finally:
                os._exit(0)
        os.close(w)
        self._pid, self._fd = pid, r

    def result(self) -> T:
        """fn's value, or what it raised."""
        if not self.forked:
            return self._fn()
        with os.fdopen(self._fd, "rb") as pipe:
            self._fd = -1
            data = pipe.read()
        os.waitpid(self._pid, 0)
        self._pid = 0
        try:
            answer = pickle.loads(data) if data else None
        except Exception:  # noqa: BLE001 - whatever it is, the parent does the work itself
            answer = None
        if not isinstance(answer, tuple) or len(answer) != 2:
            return self._fn()
        kind, value = answer
        if kind == _OK:
            return value  # type: ignore[no-any-return]
        raise value

    def close(self) -> None:
        """Kill and reap a child whose result is no longer wanted."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._pid > 0:
            try:
                os.kill(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self._pid, 0)
            self._pid = 0

    def __enter__(self) -> Forked[T]:
        return self

    def __exit__(self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _answer(fd: int, fn: Callable[[], object]) -> None:
    """In the child: fn's value, or the PgdeclError it raised (whose text the parent shows as it is),
    pickled to `fd`. Anything else (a bug, an interrupt) writes nothing: the parent runs fn itself,
    so a traceback shows where it really happened."""
    try:
        answer: tuple[int, object] = (_OK, fn())
    except PgdeclError as e:
        answer = (_RAISED, e)
    except BaseException:  # noqa: BLE001 - reported by the parent's own run
        return
    try:
        data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        if answer[0] == _RAISED:  # an error must come back as it was raised, text and all
            back = pickle.loads(data)[1]
            if type(back) is not type(answer[1]) or str(back) != str(answer[1]):
                return
    except Exception:  # noqa: BLE001
        return
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(data)


def imap(fn: Callable[[A], T], items: Sequence[A]) -> Generator[T, None, None]:
    """fn(item) for each item, in order, worked out by a forked child ahead of the caller (each result
    pickled through a pipe as soon as it is made, so the caller holds one at a time); unavailable, or
    from an item the child could not answer on, the caller's own process works them out. Close the
    iterator (contextlib.closing) when stopping early: that kills and reaps the child."""
    if not items or not available():
        yield from map(fn, items)
        return
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            _stream(w, fn, items)
        finally:
            os._exit(0)
    os.close(w)
    done = 0
    try:
        with os.fdopen(r, "rb") as pipe:
            while done < len(items):
                head = pipe.read(8)
                data = pipe.read(int.from_bytes(head, "little")) if len(head) == 8 else b""
                try:
                    value: T = pickle.loads(data)
                except Exception:  # noqa: BLE001 - the child stopped: the rest is done here
                    break
                done += 1
                yield value
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
    yield from map(fn, items[done:])


def _stream(fd: int, fn: Callable[[A], object], items: Sequence[A]) -> None:
    """In the child: each fn(item) pickled to `fd` behind its length; the first that raises or does not
    pickle ends the stream (the parent works it out itself, traceback and all)."""
    with os.fdopen(fd, "wb") as pipe:
        for item in items:
            try:
                data = pickle.dumps(fn(item), pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001
                return
            pipe.write(len(data).to_bytes(8, "little") + data)
            pipe.flush()
