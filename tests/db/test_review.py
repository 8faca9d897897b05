"""`pgdecl diff`: reviews of a pull request in a scratch git repository, on golden files.

Each case in tests/cases/review/<name>/ names a `source` project (copied into a fresh git repository
as schema/ and committed on main), a `branch.patch` committed on branch `feature`, and a
`worktree.patch` then left uncommitted. `expected.md` is the Markdown review of
`--from main --to feature`; `expected_worktree.md` the one with the defaults (the merge base with
main against the work tree). Commit hashes are shown as <main>/<feature> so the files do not
depend on the commit dates. Set PGDECL_UPDATE_GOLDEN=1 to rewrite them (then read the diff: a
reviewer must be able to act on what they say).

The marketplace case copies this repository's schema/: when schema/70_reviews.yaml changes, its
patches may need remaking and its golden files regenerating."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from conftest import fresh_database
from pgdecl.cli import main
from pgdecl.review import ReviewError, review
from pgdecl.review_format import MARKER, review_json, review_markdown, review_text

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases" / "review"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "pgdecl test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "pgdecl test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_AUTHOR_DATE": "2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2024-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}
SOURCES = {"starter": ROOT / "examples" / "starter", "marketplace": ROOT / "schema"}


def git(repo: Path, *args: str) -> str:
    p = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True)
    assert p.returncode == 0, f"git {' '.join(args)}: {p.stderr}"
    return p.stdout.strip()


def make_repo(tmp: Path, case: str) -> Path:
    """main: the source project as schema/; feature: branch.patch committed; worktree.patch applied, not committed."""
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shutil.copytree(SOURCES[case], repo / "schema", ignore=shutil.ignore_patterns("README.md"))
    git(repo, "add", "schema")
    git(repo, "commit", "-q", "-m", "schema")
    git(repo, "checkout", "-q", "-b", "feature")
    git(repo, "apply", str(CASES / case / "branch.patch"))
    git(repo, "commit", "-q", "-am", "edit the schema")
    git(repo, "apply", str(CASES / case / "worktree.patch"))
    return repo


def normalized(text: str, repo: Path) -> str:
    for ref in ("main", "feature"):
        text = text.replace(git(repo, "rev-parse", ref)[:10], f"<{ref}>")
    return text


def check_golden(path: Path, got: str) -> None:
    if os.environ.get("PGDECL_UPDATE_GOLDEN"):
        path.write_text(got)
    assert got == path.read_text(), f"{path.relative_to(ROOT)} differs (PGDECL_UPDATE_GOLDEN=1 rewrites it)"


@pytest.fixture(scope="module")
def repos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {case: make_repo(tmp_path_factory.mktemp(case), case) for case in SOURCES}


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_pull_request_review(case: str, repos, server, monkeypatch) -> None:
    repo = repos[case]
    monkeypatch.chdir(repo)
    r = review("schema", "main", "feature", server=server)
    md = review_markdown(r)
    assert str(repo) not in md and "pgdecl-review-" not in md  # no temporary directory leaks into file names
    check_golden(CASES / case / "expected.md", normalized(md, repo))
    # what every such review must carry for a reviewer to act on
    assert md.startswith(MARKER + "\n")
    assert "🛑 **data_loss**" in md and "```mermaid\nerDiagram" in md and "<details>" in md
    assert {c.action for c in r.changes} >= {"added", "removed", "changed"}
    assert {c.kind for c in r.changes} >= {"column", "index", "check", "policy"}
    assert all(c.file and c.file.startswith("schema/") and c.line for c in r.changes)


@pytest.mark.parametrize("case", sorted(SOURCES))
def test_work_tree_review(case: str, repos, server, monkeypatch) -> None:
    repo = repos[case]
    monkeypatch.chdir(repo)
    r = review("schema", server=server)  # the merge base with main against the uncommitted work tree
    assert r.live.merge_base and r.live.commit == git(repo, "rev-parse", "main")
    assert r.desired.label == "schema (work tree)"
    check_golden(CASES / case / "expected_worktree.md", normalized(review_markdown(r), repo))
    # the work tree has everything the branch has, and more
    committed = review("schema", "main", "feature", server=server)
    branch_names = {(c.kind, c.name) for c in committed.changes}
    assert branch_names < {(c.kind, c.name) for c in r.changes}


def test_starter_review_details(repos, server, monkeypatch) -> None:
    """The facts behind the golden file, checked one by one."""
    monkeypatch.chdir(repos["starter"])
    r = review("schema", "main", "feature", server=server)
    by_name = {(c.action, c.kind, c.name): c for c in r.changes}
    assert by_name[("removed", "column", "posts.body")].summary == "text, not null, default ''"
    assert by_name[("added", "column", "posts.subtitle")].where == "schema/blog.yaml:43"
    check = by_name[("changed", "check", "posts.published_has_date")]
    assert check.details == (("expression", "status <> 'published' OR published_at IS NOT NULL",
                              "status = 'draft' OR published_at IS NOT NULL"),)
    assert check.where == "schema/blog.yaml:46"  # the check's own line, not the table's
    assert ("added", "policy", "posts.readers_see_published") in by_name
    assert ("added", "index", "posts.posts_lower_title_idx") in by_name
    sqls = [s.sql for s in r.steps]
    assert any("drop column \"body\"" in s for s in sqls)
    assert any(s.startswith("CREATE INDEX CONCURRENTLY posts_lower_title_idx") for s in sqls)
    assert "data_loss" in r.hazard_kinds()
    assert [f.code for f in r.lint_new] == ["PD001"]  # editor_id's foreign key has no index
    assert r.touched_tables == ("public.posts",)
    assert "uuid editor_id FK" in (r.er_diagram or "")
    data = json.loads(review_json(r))
    assert data["from"]["commit"] == git(repos["starter"], "rev-parse", "main")
    assert data["lint"]["new"][0]["code"] == "PD001" and data["empty"] is False
    text = review_text(r)
    assert "- column body removed: text, not null, default ''  (was schema/blog.yaml:41 in main)" in text


def test_database_side_is_read_only_and_gives_the_same_plan(repos, server, admin, monkeypatch) -> None:
    """--from a database built from main gives the plan of --from main, and the database is only read."""
    from pgdecl.catalog import live_fingerprint
    from pgdecl.db import connect
    from pgdecl.review_sides import read_only as _read_only

    repo = repos["starter"]
    monkeypatch.chdir(repo)
    from_git = review("schema", "main", "feature", server=server)
    with fresh_database(admin, "review_") as db:
        main_dir, feature_dir = repo.parent / "main_specs", repo.parent / "feature_specs"
        git(repo, "worktree", "add", "-q", str(main_dir), "main")
        git(repo, "worktree", "add", "-q", "--detach", str(feature_dir), "feature")
        try:
            from pgdecl.apply import apply
            from pgdecl.plan import make_plan

            assert apply(str(main_dir / "schema"), db.conninfo, allowed_hazards=set(), server=server).after.empty
            # the review's plan is the one `pgdecl plan` makes against a database at main
            plan = make_plan(feature_dir / "schema", db.conninfo, server=server)
            assert [(s.sql, s.hazards, s.phase) for s in plan.steps] == \
                [(s.sql, s.hazards, s.phase) for s in from_git.steps]
        finally:
            git(repo, "worktree", "remove", "--force", str(main_dir))
            git(repo, "worktree", "remove", "--force", str(feature_dir))
        with connect(db) as conn:
            before = live_fingerprint(conn)
        r = review("schema", f"{db.conninfo} password=s3cret", "feature", server=server)  # trust: ignored
        with connect(db) as conn:
            assert live_fingerprint(conn) == before
        assert "s3cret" not in review_json(r) + review_markdown(r) + review_text(r)
        assert [s.sql for s in r.steps] == [s.sql for s in from_git.steps]
        assert not r.models_compared and r.changes == ()
        assert "public.posts" in r.touched_tables  # found from the plan's statements
        assert "Not compared: a side is a database" in review_markdown(r)
        with psycopg.connect(_read_only(db.conninfo)) as conn:
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                conn.execute("CREATE TABLE review_must_not_write (i int)")


def test_project_absent_at_the_old_side(tmp_path, server, monkeypatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "README").write_text("no schema yet\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "start")
    shutil.copytree(SOURCES["starter"], repo / "schema")
    monkeypatch.chdir(repo)
    r = review("schema", server=server)
    assert r.live.note == "schema does not exist at merge base of HEAD and main " \
                          f"({git(repo, 'rev-parse', 'main')[:10]}): compared as an empty project"
    assert {c.action for c in r.changes} == {"added"}
    assert {c.name for c in r.changes if c.kind == "table"} == {"authors", "posts"}
    assert any(s.sql.startswith("create table") for s in r.steps)


def test_errors_name_the_side_and_the_users_file(repos, tmp_path, server, monkeypatch) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(repos["starter"], repo)
    monkeypatch.chdir(repo)
    blog = repo / "schema" / "blog.yaml"
    blog.write_text(blog.read_text().replace("type: post_status,", "type: post_state,"))
    git(repo, "commit", "-q", "-am", "a typo")
    with pytest.raises(ReviewError) as e:
        review("schema", "main", "feature", server=server)
    message = str(e.value)
    assert message.startswith(f"feature ({git(repo, 'rev-parse', 'feature')[:10]}) does not build:")
    assert "schema/blog.yaml:40: table posts, column status" in message and "post_state" in message
    assert "pgdecl-review-" not in message
    with pytest.raises(ReviewError, match="'no-such-ref' is neither a directory, a database URL nor a git revision"):
        review("schema", "no-such-ref", server=server)
    git(repo, "branch", "schema")  # a branch named like the directory
    with pytest.raises(ReviewError, match="both a directory and a git revision"):
        review("schema", "schema", "main", server=server)


def test_cli_exit_codes(repos, admin, monkeypatch) -> None:
    monkeypatch.chdir(repos["starter"])
    runner = CliRunner()
    dev = ["--dev-url", admin.conninfo]
    changed = runner.invoke(main, ["diff", "--from", "main", "--to", "feature", "--format", "markdown", *dev])
    assert changed.exit_code == 2, changed.output
    assert changed.output.startswith(MARKER)
    same = runner.invoke(main, ["diff", "--from", "feature", "--to", "feature", *dev])
    assert same.exit_code == 0 and "No changes" in same.output
    bad = runner.invoke(main, ["diff", "--from", "nope", *dev])
    assert bad.exit_code == 1 and "neither a directory" in bad.output
    linked = runner.invoke(main, ["diff", "--from", "main", "--to", "feature", "--format", "markdown",
                                  "--link-base", "https://example.com/blob/abc/", *dev])
    assert "[`schema/blog.yaml:43`](https://example.com/blob/abc/schema/blog.yaml#L43)" in linked.output
    as_json = runner.invoke(main, ["diff", "--from", "main", "--to", "feature", "--format", "json", *dev])
    assert as_json.exit_code == 2 and json.loads(as_json.output)["to"]["ref"] == "feature"


def test_github_workflow_review_step(repos, server, tmp_path) -> None:
    """The example workflow's review step, run as GitHub runs it: fetch-depth 0 checkout, origin/<base>."""
    import sys

    import yaml

    workflow = yaml.safe_load((ROOT / "examples" / "github-actions" / "pgdecl-review.yml").read_text())
    steps = workflow["jobs"]["review"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    assert workflow["permissions"]["pull-requests"] == "write"
    script = next(s for s in steps if s.get("id") == "review")["run"]
    post = next(s for s in steps if "github-script" in s.get("uses", ""))["with"]["script"]
    assert "<!-- pgdecl-review -->" in post and "updateComment" in post and "createComment" in post

    repo = tmp_path / "checkout"
    shutil.copytree(repos["starter"], repo)
    git(repo, "remote", "add", "origin", str(repos["starter"]))
    git(repo, "fetch", "-q", "origin")

    def run_step(base_ref: str) -> tuple[str, str]:
        out, summary = tmp_path / "output", tmp_path / "summary"
        out.write_text("")
        summary.write_text("")
        env = {**os.environ, **workflow["env"], "BASE_REF": base_ref, "LINK_BASE": "https://example.com/blob/sha",
               "GITHUB_OUTPUT": str(out), "GITHUB_STEP_SUMMARY": str(summary),
               "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
               "PGDECL_HOME": str(server.dir.parent)}
        p = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True)
        assert p.returncode == 0, p.stderr
        assert (repo / "review.md").read_text() == summary.read_text()
        return out.read_text(), (repo / "review.md").read_text()

    output, md = run_step("main")
    assert output == "exit_code=2\n"
    assert md.startswith("<!-- pgdecl-review -->\n") and "`origin/main`" in md
    assert "[`schema/blog.yaml:43`](https://example.com/blob/sha/schema/blog.yaml#L43)" in md
    output, md = run_step("no-such-branch")
    assert output == "exit_code=1\n"
    assert md.startswith("<!-- pgdecl-review -->\n") and "`pgdecl diff` failed" in md and "no-such-branch" in md


def test_renamed_column_is_renamed_in_the_plan(repos, tmp_path, server, monkeypatch) -> None:
    """A renamed_from hint: the review shows a rename, and its plan renames (as `pgdecl plan` would)."""
    repo = tmp_path / "repo"
    shutil.copytree(repos["starter"], repo)
    monkeypatch.chdir(repo)
    git(repo, "checkout", "-q", "--", "schema")  # the work tree as on feature
    blog = repo / "schema" / "blog.yaml"
    text = blog.read_text()
    for old, new in (('tags: {type: "text[]", nullable: false, default: "\'{}\'"}',
                      'labels: {type: "text[]", nullable: false, default: "\'{}\'", renamed_from: tags}'),
                     ("- columns: [tags]", "- columns: [labels]")):
        assert text.count(old) == 1
        text = text.replace(old, new)
    blog.write_text(text)
    r = review("schema", "feature", server=server)
    renamed = [c for c in r.changes if c.action == "renamed"]
    assert [(c.kind, c.name, c.details) for c in renamed] == [("column", "posts.labels",
                                                               (("name", "posts.tags", "posts.labels"),))]
    assert [s.sql for s in r.steps] == ["ALTER TABLE public.posts RENAME COLUMN tags TO labels",
                                        "ALTER INDEX public.posts_tags_idx RENAME TO posts_labels_idx"]
    assert "data_loss" not in r.hazard_kinds()
