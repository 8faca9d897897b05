"""The Jinja environment trait templates run in: sandboxed, so a template can neither reach Python's
internals nor build unbounded values (`range` is capped by Jinja's sandbox; `*` and `**` here)."""

from __future__ import annotations

from typing import Any

import jinja2
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

MAX_REPEAT = 1 << 20  # characters or items a `*` may make; digits of a `**` result, roughly


class TraitEnvironment(SandboxedEnvironment):
    """Jinja's sandbox with bounded repetition and powers."""

    intercepted_binops = frozenset(("*", "**"))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > MAX_REPEAT:
                    raise SecurityError(f"a repetition of more than {MAX_REPEAT:,} items")
        if operator == "**" and isinstance(right, int) and isinstance(left, int) and abs(left) > 1 \
                and right * max(abs(left), 2).bit_length() > MAX_REPEAT:
            raise SecurityError("a power too large")
        return super().call_binop(context, operator, left, right)


def sandbox(loader: jinja2.BaseLoader) -> jinja2.Environment:
    return TraitEnvironment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                            autoescape=False)
