"""`pgdecl lint`: golden pass/fail cases per rule, the rules' own documented examples, inline silences,
the command line, and the repository's own specs.

Cases: tests/cases/lint/<CODE>/pass/*.yaml must give no finding of CODE; fail/*.yaml must give exactly
the findings in the sibling .expected file. A case lints only its rule unless its first line says
`# select: PD000, PD001`. Set PGDECL_UPDATE_GOLDEN=1 to rewrite the .expected files (then review the diff).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.lint import all_rules, lint_project
from pgdecl.lint.output import lint_text
from pgdecl.spec import load_project

ROOT = Path(__file__).resolve().parent.parent.parent
CASES = ROOT / "tests" / "cases" / "lint"
RULES = {r.code: r for r in all_rules()}


def _cases(kind: str) -> list[str]:
    return sorted(f"{p.parent.parent.name}/{p.stem}" for p in CASES.glob(f"*/{kind}/*.yaml"))


def _lint_case(path: Path, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    first = path.read_text().splitlines()[0]
    m = re.match(r"#\s*select:\s*(.+)", first)
    select = [c.strip() for c in m.group(1).split(",")] if m else [code]
    project = tmp_path / "schema"
    project.mkdir()
    shutil.copy(path, project / path.name)
    monkeypatch.chdir(tmp_path)
    return lint_project("schema", select)


def test_every_rule_has_cases() -> None:
    for code in RULES:
        assert list(CASES.glob(f"{code}/fail/*.yaml")), f"{code} has no failing case"
        assert list(CASES.glob(f"{code}/pass/*.yaml")), f"{code} has no passing case"


@pytest.mark.parametrize("case", _cases("fail"))
def test_failing_case(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, name = case.split("/")
    path = CASES / code / "fail" / f"{name}.yaml"
    result = _lint_case(path, code, tmp_path, monkeypatch)
    got = lint_text(result, "schema")
    expected = path.with_suffix(".expected")
    if os.environ.get("PGDECL_UPDATE_GOLDEN"):
        expected.write_text(got)
    assert any(f.code == code for f in result.findings), f"{case}: no {code} finding:\n{got}"
    assert all(f.file == f"schema/{path.name}" and f.line for f in result.findings)
    assert got == expected.read_text()


@pytest.mark.parametrize("case", _cases("pass"))
def test_passing_case(case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, name = case.split("/")
    result = _lint_case(CASES / code / "pass" / f"{name}.yaml", code, tmp_path, monkeypatch)
    assert result.findings == [], lint_text(result, "schema")


def _doc_examples(doc: str) -> tuple[str, str]:
    bad = re.search(r"Bad:\s*```yaml\n(.*?)```", doc, re.S)
    good = re.search(r"Good:\s*```yaml\n(.*?)```", doc, re.S)
    assert bad and good, "the docstring shows the anti-pattern (Bad:) and the fix (Good:) as YAML"
    return bad.group(1), good.group(1)


@pytest.mark.parametrize("code", sorted(RULES))
def test_documented_examples(code: str, tmp_path: Path) -> None:
    """Each rule's docstring is true: its Bad YAML gives the finding, its Good YAML does not."""
    rule = RULES[code]
    assert rule.doc.startswith(f"{code} {rule.name}:")
    bad, good = _doc_examples(rule.doc)
    for kind, text in (("bad", bad), ("good", good)):
        d = tmp_path / kind
        d.mkdir()
        (d / "spec.yaml").write_text(text)
        result = lint_project(d, [code])
        codes = [f.code for f in result.findings]
        assert codes if kind == "bad" else not codes, f"{code} {kind} example: {lint_text(result, kind)}"


def test_rules_one_per_module() -> None:
    files = sorted(p.stem for p in (ROOT / "pgdecl" / "lint" / "rules").glob("pd*.py"))
    assert [f[:5].upper() for f in files] == sorted(RULES)
    for r in RULES.values():
        assert r.severity in ("error", "warning") and r.summary and r.fix
        assert r.check.__module__.rsplit(".", 1)[1][:5].upper() == r.code


# --- silences -------------------------------------------------------------------------------------

def _write(tmp_path: Path, text: str) -> Path:
    d = tmp_path / "schema"
    d.mkdir(parents=True, exist_ok=True)
    (d / "a.yaml").write_text(text)
    return d


FK_UNINDEXED = """
tables:
  authors:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
  posts:
    columns:
      id: {type: bigint, identity: always, primary_key: true}
      author_id:
        type: bigint
        references: authors
        on_delete: cascade
"""


def test_silence_with_reason_sets_the_finding_apart(tmp_path: Path) -> None:
    d = _write(tmp_path, FK_UNINDEXED + "        lint: {ignore: {PD001: \"authors are never deleted\"}}\n")
    result = lint_project(d)
    assert result.findings == []
    assert [(f.code, f.silenced, f.object) for f in result.silenced] == [
        ("PD001", "authors are never deleted", "table posts, foreign key posts_author_id_fkey")]
    assert not result.failed()


def test_silence_without_reason_is_a_finding(tmp_path: Path) -> None:
    d = _write(tmp_path, FK_UNINDEXED + "        lint: {ignore: {PD001: \"  \"}}\n")
    result = lint_project(d)
    assert [(f.code, f.severity) for f in result.findings] == [("PD000", "error")]
    assert "no reason" in result.findings[0].message
    assert result.failed("error")


def test_lint_key_does_not_change_the_schema(tmp_path: Path) -> None:
    plain = load_project(_write(tmp_path / "x", FK_UNINDEXED)).project
    silenced = load_project(_write(tmp_path / "y", FK_UNINDEXED + "        lint: {ignore: {PD001: why}}\n")).project
    assert plain.fingerprint() == silenced.fingerprint()
    assert silenced.tables["public.posts"].columns["author_id"].lint is not None


def test_spec_json_schema_offers_the_lint_key() -> None:
    from pgdecl.model import json_schema

    schema = json_schema()
    assert schema["$defs"]["Lint"]["properties"]["ignore"]["type"] == "object"
    for kind in ("Table", "Column", "Index", "ForeignKey", "Unique", "Trigger", "Policy", "View", "Function"):
        assert "lint" in schema["$defs"][kind]["properties"], kind
    json.dumps(schema)  # still serialisable


def test_unknown_lint_key_is_a_spec_error(tmp_path: Path) -> None:
    from pgdecl.errors import SpecErrors

    d = _write(tmp_path, "tables:\n  t:\n    lint: {silence: {PD002: x}}\n    columns: {id: text}\n")
    with pytest.raises(SpecErrors) as e:
        lint_project(d)
    assert "a.yaml:3" in str(e.value) and "silence" in str(e.value)


# --- selection, command line ----------------------------------------------------------------------

def test_select_and_ignore(tmp_path: Path) -> None:
    d = _write(tmp_path, "tables:\n  Events:\n    columns:\n      at: timestamp\n      doc: json\n")
    codes = lambda **kw: sorted({f.code for f in lint_project(d, **kw).findings})  # noqa: E731
    assert codes() == ["PD002", "PD003", "PD005", "PD009"]
    assert codes(select=["PD003,json-not-jsonb"]) == ["PD003", "PD005"]
    assert codes(ignore=["PD009", "PD002"]) == ["PD003", "PD005"]
    assert "PD017" not in {r.code for r in lint_project(d).rules}
    assert "PD017" in {r.code for r in lint_project(d, select=["ALL"]).rules}


def test_cli_exit_codes_and_formats(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "tables:\n  events:\n    columns:\n      id: {type: bigint, primary_key: true}\n"
                     "      payload: json\n      at: timestamp\n")
    monkeypatch.chdir(tmp_path)
    run = CliRunner().invoke
    r = run(main, ["lint"])
    assert r.exit_code == 1
    assert "schema/a.yaml:6: PD003 error: table events, column at:" in r.output
    assert "    fix: type: timestamptz" in r.output
    assert r.output.rstrip().endswith("2 findings (1 error, 1 warning; 21 rules, 1 tables)")
    assert run(main, ["lint", "--ignore", "PD003"]).exit_code == 1
    assert run(main, ["lint", "--ignore", "PD003", "--fail-on", "error"]).exit_code == 0
    assert run(main, ["lint", "--fail-on", "never"]).exit_code == 0
    data = json.loads(run(main, ["lint", "--format", "json"]).output)
    assert data["summary"]["errors"] == 1 and data["summary"]["warnings"] == 1
    assert {f["code"]: f["line"] for f in data["findings"]} == {"PD003": 6, "PD005": 5}
    bad = run(main, ["lint", "--select", "PD999"])
    assert bad.exit_code == 1 and "unknown lint rule 'PD999'" in bad.output and "Traceback" not in bad.output
    missing = run(main, ["lint", "nowhere"])
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_cli_list_and_explain() -> None:
    run = CliRunner().invoke
    listed = run(main, ["lint", "--list-rules"]).output.splitlines()
    assert [line.split()[0] for line in listed] == sorted(RULES)
    explained = run(main, ["lint", "--explain", "fk-without-index"])
    assert explained.exit_code == 0 and explained.output.startswith("PD001 fk-without-index:")
    assert "```yaml" in explained.output and "lint: {ignore: {PD001:" in explained.output


def test_spec_error_is_reported_not_raised(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path, "tables:\n  t:\n    columns: [oops\n")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["lint"])
    assert r.exit_code == 1 and "schema/a.yaml" in r.output and "Traceback" not in r.output


# --- the repository's own specs -------------------------------------------------------------------

EXAMPLES = sorted(p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "examples").glob("*/*.yaml"))


@pytest.mark.parametrize("project", ["schema", *dict.fromkeys(EXAMPLES)])
def test_repository_specs_are_clean(project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = lint_project(project)
    assert result.findings == [], lint_text(result, project)
    assert all(f.silenced and f.silenced.strip() for f in result.silenced)


def test_lint_does_not_import_database_libraries() -> None:
    """pre-commit runs lint on every commit: it must not pay for psycopg, migra or SQLAlchemy."""
    code = ("import sys; from pgdecl.cli import main; from pgdecl.lint import lint_project; "
            "lint_project('examples/starter'); "
            "print(sorted(m for m in ('psycopg', 'migra', 'sqlalchemy', 'schemainspect') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- pre-commit -----------------------------------------------------------------------------------

def test_pre_commit_hook_passes_on_schema_and_fails_on_a_finding(tmp_path: Path) -> None:
    """The pgdecl-lint hook of .pre-commit-hooks.yaml, run by pre-commit in a scratch git repository.

    The manifest says `language: python`, for which pre-commit pip-installs pgdecl into its own
    environment (network). Offline, the same hook (entry, files, pass_filenames) runs as a local
    `system` hook with this environment's pgdecl."""
    import yaml

    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = next(h for h in manifest if h["id"] == "pgdecl-lint")
    assert hook["language"] == "python" and hook["entry"] == "pgdecl lint" and hook["pass_filenames"] is False
    script = Path(sys.executable).parent / "pgdecl"
    command = str(script) if script.exists() else f"{sys.executable} -m pgdecl.cli"
    local = {**hook, "language": "system", "entry": command + hook["entry"].removeprefix("pgdecl")}
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "schema", repo / "schema")
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump({"repos": [{"repo": "local", "hooks": [local]}]}))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "GIT_CONFIG_GLOBAL": os.devnull}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)

    def pre_commit() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
                              cwd=repo, env=env, capture_output=True, text=True)

    git("init", "-q")
    git("add", "-A")
    ok = pre_commit()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert re.search(r"pgdecl lint\.+Passed", ok.stdout)
    (repo / "schema" / "97_webhooks.yaml").write_text(
        "tables:\n  webhook_log:\n    columns:\n      id: {type: bigint, identity: always, primary_key: true}\n"
        "      received_at: timestamp\n")
    git("add", "-A")
    bad = pre_commit()
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert re.search(r"pgdecl lint\.+Failed", bad.stdout)
    assert "schema/97_webhooks.yaml:5: PD003 error: table webhook_log, column received_at" in bad.stdout


def test_readme_lists_every_rule() -> None:
    rows = dict(re.findall(r"^\| (PD\d{3}) \| (error|warning) \|", (ROOT / "README.md").read_text(), re.M))
    assert rows == {code: r.severity for code, r in RULES.items()}


# --- random specs ---------------------------------------------------------------------------------

def test_random_specs_lint_without_crashing() -> None:
    """Every rule runs on random valid specs (tests/strategies.py); findings are well-formed and stable."""
    from hypothesis import given, settings

    sys.path.insert(0, str(ROOT / "tests"))
    from strategies import spec_dir, specs

    @settings(max_examples=int(os.environ.get("PGDECL_RANDOM_EXAMPLES", "30")), deadline=None)
    @given(specs())
    def run(spec: dict) -> None:  # type: ignore[type-arg]
        with spec_dir(spec) as d:
            first = lint_project(d, ["ALL"])
            again = lint_project(d, ["ALL"])
        assert first.findings == again.findings
        for f in first.findings:
            assert f.code in RULES and f.file and f.line and f.object and f.message and f.fix
        no_pk = {f.object for f in first.findings if f.code == "PD002"}
        assert no_pk == {f"table {t}" for t, data in spec["tables"].items()
                         if not data.get("primary_key") and not any(
                             isinstance(c, dict) and c.get("primary_key") for c in data.get("columns", {}).values())
                         and "uuid_pk" not in str(data.get("traits", ""))}

    run()
