"""Progress lines on standard error for the slow parts of a command: starting the local server,
building the scratch database, each apply phase and post step, waiting on another apply's lock.

Off unless the command line turns it on (`enable`), which it does when standard error is a terminal
and neither `--quiet` nor a machine format was asked for; library callers see nothing. Uses click's
own styling (no extra dependency); `NO_COLOR` or `--no-color` leave the colour out.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from typing import Iterator

import click

_state = {"on": False, "color": False}


def enable(on: bool, color: bool | None = None) -> None:
    """Turn progress lines on or off for this process (`color` None: when stderr is a terminal)."""
    _state["on"] = on
    if color is None:
        color = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    _state["color"] = bool(color)


def enabled() -> bool:
    return _state["on"]


def _emit(text: str) -> None:
    click.echo(text, err=True, color=_state["color"])


def note(message: str) -> None:
    """A one-off progress line."""
    if _state["on"]:
        _emit(click.style("· ", fg="cyan") + message)


def _seconds(t: float) -> str:
    return f"{t:.1f} s" if t < 60 else f"{int(t // 60)} min {t % 60:.0f} s"


@contextmanager
def step(message: str) -> Iterator[None]:
    """`message…` when it starts and `message: done in N s` (or `failed after`) when it ends."""
    if not _state["on"]:
        yield
        return
    _emit(click.style("▸ ", fg="cyan") + message + "…")
    start = time.monotonic()
    try:
        yield
    except BaseException:
        _emit(click.style("✗ ", fg="red") + f"{message}: failed after {_seconds(time.monotonic() - start)}")
        raise
    _emit(click.style("✓ ", fg="green") + f"{message}: {_seconds(time.monotonic() - start)}")


class Waiting:
    """Says once that a wait began, then every `every` seconds how long it has lasted."""

    def __init__(self, what: str, every: float = 5.0) -> None:
        self.what, self.every = what, every
        self.start = time.monotonic()
        self.last: float | None = None

    def tick(self) -> None:
        if not _state["on"]:
            return
        now = time.monotonic()
        if self.last is None or now - self.last >= self.every:
            waited = "" if self.last is None else f" ({_seconds(now - self.start)} so far)"
            _emit(click.style("… ", fg="yellow") + f"waiting for {self.what}{waited}")
            self.last = now
