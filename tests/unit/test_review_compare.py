"""The spec half of `pgdecl diff`: two models compared object by object (no database)."""

from __future__ import annotations

from pathlib import Path

from pgdecl.review import compare_dirs
from pgdecl.review_format import _long

LIVE = """\
roles:
  app: {}
enums:
  mood: [sad, happy]
functions:
  add_one:
    args: "i integer"
    returns: integer
    language: sql
    body: "SELECT i + 1"
tables:
  users:
    columns:
      id: {type: bigint, primary_key: true}
      name: {type: text, nullable: false}
      email: text
    unique:
      - columns: [email]
    checks:
      name_not_empty: "name <> ''"
    indexes:
      - columns: [name]
  old_table:
    columns:
      id: {type: bigint, primary_key: true}
views:
  user_names:
    query: SELECT id, name FROM users
"""

DESIRED = """\
roles:
  app: {login: true}
enums:
  mood: [sad, ok, happy]
functions:
  add_one:
    args: "i integer"
    returns: integer
    language: sql
    body: "SELECT i + 2"
tables:
  users:
    comment: Everyone who signs in.
    columns:
      id: {type: bigint, primary_key: true}
      full_name: {type: text, nullable: false, renamed_from: name}
      email: text
    unique:
      - columns: [email]
        nulls_not_distinct: true
    indexes:
      - columns: [full_name]
  posts:
    columns:
      id: {type: bigint, primary_key: true}
      user_id: bigint
    foreign_keys:
      - columns: [user_id]
        references: users
        on_delete: cascade
views:
  user_names:
    query: SELECT id, full_name FROM users
"""


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_compare(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name, text in (("old", LIVE), ("new", DESIRED)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.yaml").write_text(text)
    (tmp_path / "new" / "extra.sql").write_text("CREATE TABLE extra (id int PRIMARY KEY);\n")
    changes = compare_dirs("old", "new")
    got = {(c.action, c.kind, c.name): c for c in changes}
    assert set(got) == {
        ("changed", "role", "app"),
        ("changed", "enum", "mood"),
        ("changed", "function", "add_one"),
        ("changed", "table", "users"),
        ("renamed", "column", "users.full_name"),
        ("changed", "unique", "users.users_email_key"),
        ("removed", "check", "users.name_not_empty"),
        ("removed", "index", "users.users_name_idx"),
        ("added", "index", "users.users_full_name_idx"),
        ("added", "table", "posts"),
        ("removed", "table", "old_table"),
        ("changed", "view", "user_names"),
        ("added", "sql file", "new/extra.sql"),
    }
    assert got[("changed", "role", "app")].details == (("login", False, True),)
    assert got[("changed", "enum", "mood")].details == (("values", ["sad", "happy"], ["sad", "ok", "happy"]),)
    assert got[("changed", "function", "add_one")].details == (("body", "SELECT i + 1", "SELECT i + 2"),)
    assert got[("changed", "table", "users")].details == (("comment", None, "Everyone who signs in."),)
    renamed = got[("renamed", "column", "users.full_name")]
    assert renamed.details == (("name", "users.name", "users.full_name"),)  # nothing else about it changed
    assert renamed.where == f"new/a.yaml:{line_of(DESIRED, 'full_name: {')}"
    assert got[("changed", "unique", "users.users_email_key")].details == (("nulls_not_distinct", False, True),)
    # removed objects point into the old side
    assert got[("removed", "check", "users.name_not_empty")].where == f"old/a.yaml:{line_of(LIVE, 'name_not_empty')}"
    assert got[("removed", "table", "old_table")].where == f"old/a.yaml:{line_of(LIVE, 'old_table:')}"
    posts = got[("added", "table", "posts")]
    assert posts.summary == "columns id, user_id; primary key (id); 1 foreign key"
    assert posts.table == "public.posts" and posts.where == f"new/a.yaml:{line_of(DESIRED, 'posts:')}"
    assert got[("added", "index", "users.users_full_name_idx")].summary == "on (full_name)"
    assert got[("changed", "view", "user_names")].details == (
        ("query", "SELECT id, name FROM users", "SELECT id, full_name FROM users"),)


def test_equal_specs_have_no_changes(tmp_path: Path) -> None:
    for name in ("old", "new"):
        (tmp_path / name).mkdir()
    (tmp_path / "old" / "a.yaml").write_text(LIVE)
    # the same objects, in another file and another order, with a lint silence (not part of the schema)
    (tmp_path / "new" / "b.yaml").write_text(LIVE.replace("      email: text\n",
                                                          "      email: {type: text, lint: {ignore: {PD009: x}}}\n"))
    assert compare_dirs(tmp_path / "old", tmp_path / "new") == []


def test_long_values_are_not_quoted_inline() -> None:
    assert _long("BEGIN\n  RETURN 1;\nEND") and _long("x" * 101)
    assert not _long("SELECT i + 1") and not _long(["a", "b"])


def test_part_lines_come_from_the_model_not_the_files(tmp_path: Path) -> None:
    """A check and a primary key have no origin of their own: the loader records their lines in the model
    (`Table.part_origins`), so the comparison names them even once the spec files are gone."""
    from pgdecl.review_compare import compare_projects
    from pgdecl.review_sides import DIRECTORY, Side, SideInfo, build_side

    old = "tables:\n  t:\n    columns:\n      id: bigint\n      n: int\n"
    new = old + "    primary_key: [id]\n    checks:\n      n_positive: n > 0\n"
    sides = []
    for name, text in (("old", old), ("new", new)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.yaml").write_text(text)
        side = Side(SideInfo(DIRECTORY, name, name), directory=tmp_path / name, shown=name)
        build_side(side)
        (tmp_path / name / "a.yaml").unlink()  # nothing left to read again
        sides.append(side)
    table = sides[1].project.tables["public.t"]
    assert table.part_origins["checks.n_positive"].line == line_of(new, "n_positive")
    assert table.part_origins["primary_key"].line == line_of(new, "primary_key")
    got = {(c.action, c.kind, c.name): c.where for c in compare_projects(*sides)}
    assert got[("added", "check", "t.n_positive")] == f"new/a.yaml:{line_of(new, 'n_positive')}"
    assert got[("added", "primary key", "t")] == f"new/a.yaml:{line_of(new, 'primary_key')}"
    assert table == table.model_copy(update={"part_origins": {}})  # never compared
