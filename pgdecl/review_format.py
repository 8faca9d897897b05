"""How a review (`pgdecl diff`) looks: terminal text, Markdown for a pull-request comment, JSON.

The Markdown starts with the hidden marker `<!-- pgdecl-review -->`, so a CI job finds its earlier
comment and updates it instead of adding one per push.
"""

from __future__ import annotations

import json
from typing import Any

from .review import Change, Review
from .review_compare import as_text, shown_name

MARKER = "<!-- pgdecl-review -->"
SEVERE = ("data_loss", "security", "unparsed")  # hazards that can lose data or open access
_SIGN = {"added": "+", "removed": "-", "renamed": "~", "changed": "~"}
_ICON = {"added": "➕", "removed": "➖", "renamed": "🔁", "changed": "✏️"}
_LONG = 100  # longer values are not quoted inline
_PHASE = {"pre": " (before the transaction, on its own)", "post": " (after the transaction, on its own)"}


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _flat(v: Any) -> str:
    return "(none)" if v is None else as_text(v)


def _long(v: Any) -> bool:
    return isinstance(v, str) and ("\n" in v.strip() or len(v) > _LONG)


def _phase(step: Any) -> str:
    phase = getattr(step, "phase", "main" if step.transactional else "post")
    return _PHASE.get(phase, "")


def _groups(changes: tuple[Change, ...]) -> list[tuple[str | None, list[Change]]]:
    """Changes grouped by the table or view they belong to (other objects in a group of their own),
    in order of first appearance."""
    groups: dict[str | None, list[Change]] = {}
    for c in changes:
        groups.setdefault(c.table, []).append(c)
    return list(groups.items())


def _short(c: Change) -> str:
    """The object's name inside its group: `title` for column `posts.title` under table posts."""
    prefix = f"{shown_name(c.table)}." if c.table else ""
    if prefix and c.kind not in ("table", "view") and c.name.startswith(prefix):
        return c.name[len(prefix):]
    return c.name


def _group_title(table: str | None, changes: list[Change]) -> str:
    if table is None:
        return "other objects"
    own = next((c for c in changes if c.kind in ("table", "view") and c.table == table), None)
    kind = own.kind if own else "view" if any(c.kind == "view" for c in changes) else "table"
    return f"{kind} {shown_name(table)}"


def _summary_line(r: Review) -> str:
    parts = []
    if r.models_compared:
        tables = len({c.table for c in r.changes if c.table})
        parts.append(_plural(len(r.changes), "spec change") + (f" in {_plural(tables, 'table')}" if tables else ""))
    parts.append(_plural(len(r.steps), "DDL statement"))
    kinds = r.hazard_kinds()
    parts.append(f"hazards: {', '.join(kinds)}" if kinds else "no hazards")
    if r.linted:
        parts.append(f"lint: {_plural(len(r.lint_new), 'new finding')}" if r.lint_new else "lint: no new findings")
    return "; ".join(parts)


# --- text ---------------------------------------------------------------------------------------


def review_text(r: Review) -> str:
    lines = [f"Review of {r.project_dir}: {r.live.label} -> {r.desired.label}"]
    lines += [f"note: {side.note}" for side in (r.live, r.desired) if side.note]
    if r.empty:
        return "\n".join(lines + ["No changes: both sides have the same schema."]) + "\n"
    lines += [_summary_line(r), ""]
    if r.hazards():
        lines.append("Hazards:")
        lines += [f"  ! {h.kind} [{i}]: {h.message}" for i, h in r.hazards()]
        lines.append("")
    if r.models_compared:
        lines.append("Spec changes:" if r.changes else "Spec changes: none")
        for table, changes in _groups(r.changes):
            lines.append(f"  {_group_title(table, changes)}")
            for c in changes:
                head = f"    {_SIGN[c.action]} {c.kind} {_short(c)} {c.action}"
                if c.summary:
                    head += f": {c.summary}"
                where = c.where
                if where:
                    head += f"  (was {where} in {_ref_text(r.live)})" if c.action == "removed" else f"  ({where})"
                lines.append(head)
                for field, old, new in c.details:
                    if _long(old) or _long(new):
                        lines.append(f"        {field}: changed")
                    else:
                        lines.append(f"        {field}: {_flat(old)} -> {_flat(new)}")
        lines.append("")
    else:
        lines += ["Spec changes: not compared (a side is a database, not specs)", ""]
    lines.append(f"Plan ({_plural(len(r.steps), 'statement')}):" if r.steps else "Plan: no DDL")
    for i, step in enumerate(r.steps, 1):
        lines.append(f"-- [{i}]" + _phase(step))
        lines += [f"-- ! {h.kind}: {h.message}" for h in step.hazards]
        lines += [step.sql.rstrip() + ";", ""]
    lines += _lint_text(r)
    if r.touched_tables:
        lines.append("Touched tables: " + ", ".join(shown_name(t) for t in r.touched_tables)
                     + " (ER diagram: --format markdown)")
    return "\n".join(lines).rstrip("\n") + "\n"


def _lint_text(r: Review) -> list[str]:
    if not r.linted:
        return []
    scope = f" (compared with {_ref_text(r.live)})" if r.models_compared else ""
    lines = [f"Lint{scope}: " + (_plural(len(r.lint_new), "new finding") if r.lint_new else "no new findings")]
    for f in r.lint_new:
        lines += [f"  {f.where}: {f.code} {f.severity}: {f.object}: {f.message}", f"      fix: {f.fix}"]
    if r.lint_fixed:
        lines.append(f"  fixed by this change: {_plural(len(r.lint_fixed), 'finding')}")
        lines += [f"    {f.code} {f.object}: {f.message}" for f in r.lint_fixed]
    if r.lint_kept:
        lines.append(f"  {_plural(r.lint_kept, 'finding')} already present before this change")
    return lines + [""]


# --- Markdown -----------------------------------------------------------------------------------


def _code(text: Any) -> str:
    """Inline code that survives backticks in the text."""
    t = _flat(text)
    return f"`` {t} ``" if "`" in t else f"`{t}`"


def _location(where: str | None, link_base: str | None) -> str:
    if not where:
        return ""
    if not link_base:
        return f"`{where}`"
    path, _, line = where.partition(":")
    return f"[`{where}`]({link_base.rstrip('/')}/{path}" + (f"#L{line}" if line else "") + ")"


def _hazard_icon(kind: str) -> str:
    return "🛑" if kind in SEVERE else "⚠️"


def review_markdown(r: Review, link_base: str | None = None) -> str:
    """A pull-request comment; `link_base` (e.g. `https://github.com/o/r/blob/<sha>`) links each
    file:line of the new side to the file."""
    out = [MARKER, f"## pgdecl review of `{r.project_dir}`", "",
           f"{_side_md(r.live)} → {_side_md(r.desired)}", ""]
    out += [f"> [!NOTE]\n> {side.note}\n" for side in (r.live, r.desired) if side.note]
    if r.empty:
        return "\n".join(out + ["No schema changes: both sides build the same database.", ""])
    out += [f"**{_summary_line(r)}**", ""]
    hazards = sorted(r.hazards(), key=lambda ih: (ih[1].kind not in SEVERE, ih[0]))
    if hazards:
        severe = any(h.kind in SEVERE for _, h in hazards)
        out.append("> [!CAUTION]" if severe else "> [!WARNING]")
        out.append(f"> {_plural(len(hazards), 'hazard')} in the plan: check each before merging.")
        out.append(">")
        out += [f"> - {_hazard_icon(h.kind)} **{h.kind}** (statement {i}): {h.message}" for i, h in hazards]
        out.append("")
    else:
        out += ["✅ No hazards in the plan.", ""]
    out += _changes_md(r, link_base)
    out += _plan_md(r)
    out += _lint_md(r, link_base)
    if r.er_diagram:
        out += ["### Touched tables", "",
                "The tables this change touches (" + ", ".join(f"`{shown_name(t)}`" for t in r.touched_tables)
                + ") with their foreign keys, on the new side:",
                "", "```mermaid", r.er_diagram.rstrip("\n"), "```", ""]
    out += ["<sub>`pgdecl diff` builds both sides in scratch databases; a live database may differ, so run "
            "`pgdecl plan` against it before applying.</sub>", ""]
    return "\n".join(out)


def _side_md(side: Any) -> str:
    if side.merge_base:
        return f"the merge base of HEAD and `{side.ref}` (`{side.commit[:10]}`)"
    if side.commit:
        return f"`{side.ref}` (`{side.commit[:10]}`)"
    return f"`{side.label}`"


def _ref_md(side: Any) -> str:
    return f"the merge base with `{side.ref}`" if side.merge_base else f"`{side.ref}`"


def _ref_text(side: Any) -> str:
    return f"merge base with {side.ref}" if side.merge_base else side.ref


def _changes_md(r: Review, link_base: str | None) -> list[str]:
    if not r.models_compared:
        return ["### Spec changes", "", "Not compared: a side is a database, not specs (the plan below is the "
                                       "whole difference).", ""]
    out = ["### Spec changes", ""]
    if not r.changes:
        return out + ["The models are equal (the files changed, not the schema).", ""]
    for table, changes in _groups(r.changes):
        out.append(f"**{_group_title(table, changes)}**")
        out.append("")
        for c in changes:
            line = f"- {_ICON[c.action]} {c.kind} {_code(_short(c))} {c.action}"
            if c.summary:
                line += f": {_code(c.summary)}"
            if c.where:
                line += (f" — was {_location(c.where, None)} in {_ref_md(r.live)}" if c.action == "removed"
                         else f" — {_location(c.where, link_base)}")
            out.append(line)
            for field, old, new in c.details:
                if field == "name" and c.action == "renamed":
                    out.append(f"  - renamed from {_code(old)}")
                elif _long(old) or _long(new):
                    out.append(f"  - {field} changed (see the SQL)")
                else:
                    out.append(f"  - {field}: {_code(old)} → {_code(new)}")
        out.append("")
    return out


def _plan_md(r: Review) -> list[str]:
    out = [f"### DDL plan: {_plural(len(r.steps), 'statement')}", ""]
    if not r.steps:
        return out + ["Nothing to run: the specs differ only in ways that do not reach the database.", ""]
    body = []
    for i, step in enumerate(r.steps, 1):
        body.append(f"-- [{i}]" + _phase(step))
        body += [f"-- {h.kind.upper()}: {h.message}" for h in step.hazards]
        body += [step.sql.rstrip() + ";", ""]
    fence = "````" if any("```" in s.sql for s in r.steps) else "```"
    out += ["<details><summary>Full SQL</summary>", "", f"{fence}sql", *body[:-1], fence, "", "</details>", ""]
    return out


def _lint_md(r: Review, link_base: str | None) -> list[str]:
    if not r.linted:
        return []
    against = f" compared with {_ref_md(r.live)}" if r.models_compared else \
        " (all findings: the old side is a database)"
    out = [f"### Lint{against}", ""]
    if not r.lint_new:
        out.append("No new findings.")
    for f in r.lint_new:
        icon = "🛑" if f.severity == "error" else "⚠️"
        out.append(f"- {icon} {_location(f.where, link_base)} **{f.code}** {f.severity}: {f.object}: {f.message}  ")
        out.append(f"  fix: {_code(f.fix)}")
    if r.lint_fixed:
        out += ["", f"Fixed by this change ({_plural(len(r.lint_fixed), 'finding')}):"]
        out += [f"- ✅ **{f.code}** {f.object}: {f.message}" for f in r.lint_fixed]
    if r.lint_kept:
        out += ["", f"{_plural(r.lint_kept, 'finding')} already present before this change (`pgdecl lint` lists them)."]
    return out + [""]


# --- JSON ---------------------------------------------------------------------------------------


def review_json(r: Review) -> str:
    return json.dumps(r.to_json(), indent=2) + "\n"


REVIEW_FORMATS = {"text": review_text, "markdown": review_markdown, "json": review_json}
