"""Text search dictionaries and configurations: migra ignores them. A dictionary whose template
changes is made again, one whose options change is altered; a configuration keeps its name and
objects using it while its token mappings are altered one by one (made again only for a new parser).
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..graph import sql

NAME = "text_search"


def read(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"dictionaries": {}, "configurations": {}}
    for kind, name, source, options, mappings in conn.execute(sql("text_search")).fetchall():
        if kind == "dictionary":
            out["dictionaries"][name] = {"template": source, "options": options}
        else:
            out["configurations"][name] = {"parser": source, "mappings": {a: list(d) for a, d in mappings or []}}
    return out


def _dictionary(name: str, d: dict[str, Any]) -> str:
    options = f", {d['options']}" if d["options"] else ""
    return f"CREATE TEXT SEARCH DICTIONARY {name} (TEMPLATE = {d['template']}{options})"


def _mappings(name: str, have: dict[str, list[str]], want: dict[str, list[str]]) -> list[str]:
    """DROP, ALTER and ADD MAPPING statements, token types with the same dictionaries together."""
    out = []
    gone = sorted(set(have) - set(want))
    if gone:
        out.append(f"ALTER TEXT SEARCH CONFIGURATION {name} DROP MAPPING FOR {', '.join(gone)}")
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for alias in sorted(want):
        if have.get(alias) != want[alias]:
            verb = "ALTER" if alias in have else "ADD"
            groups.setdefault((verb, tuple(want[alias])), []).append(alias)
    for (verb, dicts), aliases in sorted(groups.items()):
        out.append(f"ALTER TEXT SEARCH CONFIGURATION {name} {verb} MAPPING FOR {', '.join(aliases)} "
                   f"WITH {', '.join(dicts)}")
    return out


def _option_names(options: str | None) -> set[str]:
    """The option names of a dictionary's init options (`language = 'english', stopwords = 'english'`)."""
    import re

    return {m.group(1).lower() for m in re.finditer(r"(?:^|,)\s*([A-Za-z_][A-Za-z0-9_]*)\s*=", options or "")}


def compare(live: dict[str, Any], desired: dict[str, Any], planned: list[str]) -> list[str]:
    out: list[str] = []
    live_d, want_d = live.get("dictionaries", {}), desired.get("dictionaries", {})
    live_c, want_c = live.get("configurations", {}), desired.get("configurations", {})
    for name in sorted(set(live_c) - set(want_c)):
        out.append(f"DROP TEXT SEARCH CONFIGURATION {name}")
    for name in sorted(set(live_d) | set(want_d)):
        have, want = live_d.get(name), want_d.get(name)
        if want is None:
            out.append(f"DROP TEXT SEARCH DICTIONARY {name}")
        elif have is None:
            out.append(_dictionary(name, want))
        elif have["template"] != want["template"]:
            out += [f"DROP TEXT SEARCH DICTIONARY {name}", _dictionary(name, want)]
        elif have["options"] != want["options"]:
            # options the specs no longer give are named without a value, which removes them
            gone = sorted(_option_names(have["options"]) - _option_names(want["options"]))
            changes = ", ".join(filter(None, [want["options"] or "", *gone]))
            out.append(f"ALTER TEXT SEARCH DICTIONARY {name} ({changes})")
    for name in sorted(want_c):
        have, want = live_c.get(name), want_c[name]
        if have is not None and have["parser"] != want["parser"]:
            out.append(f"DROP TEXT SEARCH CONFIGURATION {name}")
            have = None
        if have is None:
            out.append(f"CREATE TEXT SEARCH CONFIGURATION {name} (PARSER = {want['parser']})")
            out += _mappings(name, {}, want["mappings"])
        else:
            out += _mappings(name, have["mappings"], want["mappings"])
    return out
