"""YAML emission of spec data."""

from __future__ import annotations

import re
from typing import Any, Iterable

import yaml



class _Dumper(yaml.SafeDumper):
    """Block style for the kinds and their objects, flow style for short leaf mappings and lists, `|` for
    multi-line text, double quotes for SQL holding single quotes, list items indented under their key."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


class _Block(dict):  # type: ignore[type-arg]
    """A mapping always written in block style (the top two levels of a spec file)."""


def _is_scalar(v: Any) -> bool:
    return not isinstance(v, (dict, list))


def _short(items: Iterable[Any], limit: int = 100) -> bool:
    return sum(len(str(x)) + 2 for x in items) <= limit and all("\n" not in str(x) for x in items)


_ODD_BREAKS = re.compile("[\r\x85\u2028\u2029]")


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    if _ODD_BREAKS.search(data):  # line breaks YAML readers fold: only double quotes keep them
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data and not data.endswith("\n\n") and data.strip():
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    if "'" in data and '"' not in data and "\\" not in data and data.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _represent_dict(dumper: yaml.SafeDumper, data: dict[Any, Any]) -> yaml.Node:
    flow = not isinstance(data, _Block) and bool(data) \
        and all(_is_scalar(v) or (isinstance(v, list) and all(map(_is_scalar, v))) for v in data.values()) \
        and _short([*data.keys(), *(x for v in data.values() for x in (v if isinstance(v, list) else [v]))], 90)
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=flow)


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(map(_is_scalar, data)) and _short(data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(dict, _represent_dict)
_Dumper.add_representer(_Block, _represent_dict)
_Dumper.add_representer(list, _represent_list)


def dump_yaml(data: dict[str, Any], header: str = "") -> str:
    """YAML text of spec data: keys in the order given, kinds and the objects of a kind separated by blank
    lines."""
    parts = []
    for key, value in data.items():
        if isinstance(value, dict):
            value = _Block({k: (_Block(v) if isinstance(v, dict) and not _leaf(v) else v) for k, v in value.items()})
        text = yaml.dump(_Block({key: value}), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096)
        # a blank line between the block-style objects of a kind
        text = re.sub(r"(?<!:)\n(?=  [^ \n-][^\n]*:\n)", "\n\n", text)
        parts.append(text)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(parts)).rstrip("\n") + "\n"
    return (header + "\n" if header else "") + body


def _leaf(v: dict[Any, Any]) -> bool:
    return all(_is_scalar(x) or (isinstance(x, list) and all(map(_is_scalar, x))) for x in v.values()) \
        and _short([*v.keys(), *(y for x in v.values() for y in (x if isinstance(x, list) else [x]))], 90)
