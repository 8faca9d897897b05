"""Work done in a forked child while the parent goes on: reading a large project takes a few
CPU-bound steps that do not need each other (parsing half the files, validating the model while it
is rendered). A second CPU does one of them; the parent asks for the result when it needs it.

Only where it is safe and can help: POSIX fork, at least two CPUs, and not turned off
(PGDECL_FORK=0). Other threads may run (a plan reads the live database meanwhile) only where the
parent can see a child stall (Linux's /proc): a lock another thread held at the fork stays held in
the child, and a child that waits on one makes no progress; after STALL seconds without any, the
parent kills it. Whenever the child cannot answer (stalled, killed, an answer that does not
unpickle, an error that is not one of pgdecl's own), the work runs in the parent: the same result,
the same error and traceback, only later."""

from __future__ import annotations

import os
import pickle
import select
import signal
import threading
from types import TracebackType
from typing import Callable, Generator, Generic, Sequence, TypeVar

from .errors import PgdeclError

T = TypeVar("T")
A = TypeVar("A")

_OK, _RAISED = 0, 1
STALL = 2.0  # seconds a child may go without using the CPU while the parent waits for it


def available() -> bool:
    """Whether a child is forked here and now."""
    if os.environ.get("PGDECL_FORK", "1") == "0" or not hasattr(os, "fork"):
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus >= 2 and (threading.active_count() == 1 or _cpu_ticks(os.getpid()) is not None)


def _cpu_ticks(pid: int) -> int | None:
    """The CPU time `pid` has used (user + system, in clock ticks), from /proc; None without it."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rpartition(b")")[2].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, ValueError, IndexError):
        return None


class _Child:
    """A forked child writing to a pipe, read by the parent with the stall watchdog."""

    def __init__(self, work: Callable[[int], None]) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: write, then leave without the parent's exit handlers
            try:
                os.close(r)
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends it; the parent sees no answer
                work(w)
            finally:
                os._exit(0)
        os.close(w)
        self.pid, self.fd = pid, r

    def read(self, n: int) -> bytes | None:
        """Exactly `n` bytes (n < 0: all until the end); None when the child ended or stalled first."""
        chunks: list[bytes] = []
        got = 0
        while n < 0 or got < n:
            if not self._readable():
                return None
            chunk = os.read(self.fd, 1 << 20 if n < 0 else min(n - got, 1 << 20))
            if not chunk:
                return b"".join(chunks) if n < 0 else None
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def _readable(self) -> bool:
        """Wait until the pipe has data or its end (True), or the child stalls (False)."""
        if select.select([self.fd], [], [], 0.05)[0]:
            return True
        ticks = _cpu_ticks(self.pid)
        idle = 0.0
        while True:
            if select.select([self.fd], [], [], 0.25)[0]:
                return True
            now = _cpu_ticks(self.pid)
            if now is None or now != ticks:  # no /proc (then no other thread was running), or progress
                ticks, idle = now, 0.0
                continue
            idle += 0.25
            if idle >= STALL:
                return False

    def close(self) -> None:
        """Kill (if it still runs) and reap the child; close the pipe."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.pid > 0:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            os.waitpid(self.pid, 0)
            self.pid = 0


class Forked(Generic[T]):
    """`fn()` in a forked child (or, unavailable, in the parent at `result()`). Use as a context
    manager: leaving it without asking for the result kills and reaps the child."""

    def __init__(self, fn: Callable[[], T], worth: bool = True) -> None:
        """`worth`: whether a child would pay for its fork (the caller's judgement of the work's size)."""
        self._fn = fn
        self._child = _Child(lambda fd: _answer(fd, fn)) if worth and available() else None

    @property
    def forked(self) -> bool:
        return self._child is not None

    def result(self) -> T:
        """fn's value, or what it raised."""
        if self._child is None:
            return self._fn()
        data = self._child.read(-1)
        self.close()
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
        if self._child is not None:
            self._child.close()
            self._child = None

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
    child = _Child(lambda fd: _stream(fd, fn, items))
    done = 0
    try:
        while done < len(items):
            head = child.read(8)
            data = child.read(int.from_bytes(head, "little")) if head is not None else None
            if data is None:  # the child ended or stalled: the rest is done here
                break
            try:
                value: T = pickle.loads(data)
            except Exception:  # noqa: BLE001
                break
            done += 1
            yield value
    finally:
        child.close()
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
