"""pglast's prettifier for render, memoised per statement text and, for large projects, shared with
worker processes.

Prettifying is most of what `pgdecl render` costs (at 1,000 tables, 4,200 statements take about
4.5 s of pglast's Python printer) and every statement is independent of the others. A `Batch`
takes the statements as render's templates write them; past PARALLEL_MIN distinct ones it starts a
worker process (a fresh interpreter importing pglast, fed batches of statements as JSON lines by a
thread of this process) that prettifies while the templates go on; at the end this process works
through the batches from the other end. Each statement's text is exactly `pretty`'s, workers or
not; a worker that cannot start or fails leaves its batches to this process.

The worker imports nothing of pgdecl but this module.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import deque
from typing import Iterable

import pglast
from pglast.parser import ParseError, fingerprint

PARALLEL_MIN = 400   # distinct statements below which a worker is not worth its start (about 0.15 s)
CHUNK = 40           # statements per batch
MAX_WORKERS = 3
_MEMO_MAX = 65536

_memo: dict[str, str] = {}


def _pretty(sql: str) -> str:
    sql = sql.strip().rstrip(";").strip()
    try:
        out: str = pglast.prettify(sql, compact_lists_margin=100, comma_at_eoln=True)
        if fingerprint(out) == fingerprint(sql):
            return out.strip()
    except (ParseError, Exception):  # printer gaps: fall back to the template's text
        pass
    return sql


def pretty(sql: str) -> str:
    """pglast-prettify one statement; keep the plain text where pglast's printer would change its meaning."""
    out = _memo.get(sql)
    if out is None:
        out = _remember(sql, _pretty(sql))
    return out


_used: dict[str, str] = {}  # what Batch.texts() gave in this process, by input text (for pgdecl.cache)


def preload(known: dict[str, str]) -> None:
    """Take prettified texts worked out before (pgdecl.desired keeps them between runs)."""
    for sql, out in known.items():
        if isinstance(sql, str) and isinstance(out, str):
            _remember(sql, out)


def used() -> dict[str, str]:
    """Each statement a Batch prettified in this process, with its text."""
    return dict(_used)


def _remember(sql: str, out: str) -> str:
    if len(_memo) >= _MEMO_MAX:
        _memo.clear()
    _memo[sql] = out
    return out


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def pretty_many(texts: Iterable[str]) -> list[str]:
    """`pretty` of each text, in order."""
    with Batch() as batch:
        for t in texts:
            batch.add(t)
        return batch.texts()


class Batch:
    """Statements to prettify, added as they are written. Once PARALLEL_MIN distinct new ones have
    come, a worker process starts on them while more arrive (another per further PARALLEL_MIN, one per
    spare CPU, up to MAX_WORKERS); `texts()` does the rest here, taking batches from the back, and
    returns each statement's `pretty` text in order. Use it as a context manager, so workers stop
    even when the statements are never asked for."""

    def __init__(self) -> None:
        self._texts: list[str] = []
        self._seen: set[str] = set()      # distinct texts not memoised, each in one batch
        self._new: list[str] = []         # ... the ones not in a batch yet
        self._chunks: deque[list[str]] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._done: dict[str, str] = {}
        self._threads: list[threading.Thread] = []
        self._max = min(_cpus() - 1, MAX_WORKERS)

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        with self._cond:
            self._chunks.clear()  # asked for or not, nothing is left to do
        self._close(wait=True)

    def add(self, text: str) -> None:
        self._texts.append(text)
        if text in self._seen or text in _memo:
            return
        self._seen.add(text)
        self._new.append(text)
        if len(self._new) >= CHUNK:
            self._flush()
        if len(self._threads) < self._max and len(self._seen) >= (len(self._threads) + 1) * PARALLEL_MIN:
            self._flush()
            proc = _start_worker()
            if proc is None:
                self._max = 0
                return
            thread = threading.Thread(target=self._feed, args=(proc,), name="pgdecl-pretty", daemon=True)
            thread.start()
            self._threads.append(thread)

    def texts(self) -> list[str]:
        self._flush()
        self._close(wait=False)
        while (chunk := self._take(front=False)) is not None:
            for t in chunk:
                self._done[t] = _pretty(t)
        self._close(wait=True)
        for t, out in self._done.items():
            _remember(t, out)
        texts = [self._done[t] if t in self._done else pretty(t) for t in self._texts]
        _used.update(zip(self._texts, texts))
        return texts

    def _close(self, wait: bool) -> None:
        """No more statements: workers take what is left and stop (`wait`: this waits for them)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if wait:
            for thread in self._threads:
                thread.join()

    def _flush(self) -> None:
        if self._new:
            with self._cond:
                self._chunks.append(self._new)
                self._cond.notify()
            self._new = []

    def _take(self, front: bool) -> list[str] | None:
        with self._cond:
            while front and not self._chunks and not self._closed:
                self._cond.wait()
            if not self._chunks:
                return None
            return self._chunks.popleft() if front else self._chunks.pop()

    def _feed(self, proc: subprocess.Popen[str]) -> None:
        """A worker's thread: batches from the front to the worker, its texts into `_done`."""
        assert proc.stdin is not None and proc.stdout is not None
        try:
            while (chunk := self._take(front=True)) is not None:
                proc.stdin.write(json.dumps(chunk) + "\n")
                proc.stdin.flush()
                out = json.loads(proc.stdout.readline())
                if not isinstance(out, list) or len(out) != len(chunk):
                    raise ValueError("worker answered out of turn")
                self._done.update(zip(chunk, out))
        except Exception:  # noqa: BLE001 - a worker gone wrong: this process does the rest
            pass
        finally:
            _stop(proc)


_WORKER = "import json, sys; sys.path[:] = json.loads(sys.stdin.readline()); " \
          "from pgdecl.sqlparse_cache import _serve; _serve()"


def _start_worker() -> subprocess.Popen[str] | None:
    """A fresh interpreter with this one's import path, prettifying the batches sent to it."""
    if not sys.executable or getattr(sys, "frozen", False):  # no interpreter to start (a frozen app)
        return None
    try:
        proc = subprocess.Popen([sys.executable, "-I", "-c", _WORKER], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
        assert proc.stdin is not None
        proc.stdin.write(json.dumps(sys.path) + "\n")
        proc.stdin.flush()
    except Exception:  # noqa: BLE001 - no subprocesses here: all in this process
        return None
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    try:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait(timeout=5)
    except Exception:  # noqa: BLE001
        proc.kill()
        proc.wait()


def _serve() -> None:
    """The worker: one JSON list of statement texts a line in, their `_pretty` texts a line out."""
    for line in sys.stdin:
        sys.stdout.write(json.dumps([_pretty(t) for t in json.loads(line)]) + "\n")
        sys.stdout.flush()
