"""pglast's prettifier for render, memoised per statement text and, for large projects, shared with
worker processes.

Prettifying is most of what `pgdecl render` costs (at 1,000 tables, 4,200 statements take about
4.5 s in pglast's Python printer), and every statement is independent of the others. `pretty_many`
hands large batches to a worker process (a fresh interpreter: pglast's objects are not shared) while
this process prettifies too, taking the batches from the other end; the text of each statement is
exactly `pretty`'s. Anything going wrong with the workers leaves the rest to this process.

This module imports nothing of pgdecl, so a worker starts by importing pglast only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
        out = pglast.prettify(sql, compact_lists_margin=100, comma_at_eoln=True)
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
    texts = list(texts)
    todo = [t for t in dict.fromkeys(texts) if t not in _memo]
    workers = min(_cpus() - 1, MAX_WORKERS, len(todo) // PARALLEL_MIN)
    done = _parallel(todo, workers) if workers >= 1 else {}
    for t, out in done.items():
        _remember(t, out)
    return [done[t] if t in done else pretty(t) for t in texts]


def _parallel(todo: list[str], workers: int) -> dict[str, str]:
    """Prettify `todo` with `workers` processes besides this one: a thread per worker feeds it batches
    from the front while this thread prettifies batches from the back. What a worker fails to return
    is left out (the caller prettifies it)."""
    import threading
    from collections import deque

    chunks = deque(todo[i:i + CHUNK] for i in range(0, len(todo), CHUNK))
    lock = threading.Lock()
    done: dict[str, str] = {}

    def take(front: bool) -> list[str] | None:
        with lock:
            if not chunks:
                return None
            return chunks.popleft() if front else chunks.pop()

    def feed(proc: subprocess.Popen[str]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            while (chunk := take(True)) is not None:
                proc.stdin.write(json.dumps(chunk) + "\n")
                proc.stdin.flush()
                out = json.loads(proc.stdout.readline())
                if not isinstance(out, list) or len(out) != len(chunk):
                    raise ValueError("worker answered out of turn")
                done.update(zip(chunk, out))
        except Exception:  # noqa: BLE001 - a worker gone wrong: this process does the rest
            pass
        finally:
            _stop(proc)

    threads = []
    for _ in range(workers):
        proc = _start_worker()
        if proc is None:
            break
        thread = threading.Thread(target=feed, args=(proc,), name="pgdecl-pretty", daemon=True)
        thread.start()
        threads.append(thread)
    while (chunk := take(False)) is not None:
        for t in chunk:
            done[t] = _pretty(t)
    for thread in threads:
        thread.join()
    return done


_WORKER = "import json, sys; sys.path[:] = json.loads(sys.stdin.readline()); " \
          "from pgdecl.sqlparse_cache import _serve; _serve()"


def _start_worker() -> subprocess.Popen[str] | None:
    """A fresh interpreter with this one's import path, prettifying the batches sent to it."""
    if not sys.executable:
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
