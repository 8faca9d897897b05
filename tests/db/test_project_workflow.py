"""What a new user does, through the command line only (subprocesses): `pgdecl init`, lint, plan
and apply to dev (the project's own database on the local server), a pull request reviewed by the
generated CI workflow's script, a saved plan for prod applied from the file, and both environments
converged. Plus the CI example installing pgdecl from a git repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
import yaml

from conftest import ROOT, fresh_database

BIN = Path(sys.executable).parent


def _env(server, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER", "PGSERVICE")}
    env.update(PGDECL_HOME=str(server._home), PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
               GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com", **extra)
    return env


def _run(args: list[str], cwd: Path, env: dict[str, str], expect: int = 0) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == expect, f"{args} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r


def _steps(workflow: Path) -> dict[str, dict]:
    jobs = yaml.safe_load(workflow.read_text())["jobs"]
    return {s["name"]: s for job in jobs.values() for s in job["steps"] if "name" in s}


def _script_env(workflow: Path, step: dict, base: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The workflow's and the step's env, with the ${{ ... }} expressions given by `values`."""
    env = dict(base)
    for k, v in {**yaml.safe_load(workflow.read_text()).get("env", {}), **step.get("env", {})}.items():
        env[k] = re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: values[m.group(1)], str(v))
    return env


def _columns(conninfo: str, table: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [r[0] for r in conn.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass "
                                           "AND attnum > 0 AND NOT attisdropped ORDER BY attnum", (table,))]


def test_from_init_to_a_reviewed_change_applied_on_two_environments(tmp_path: Path, server, admin) -> None:
    with fresh_database(admin, "prod_") as prod:
        env = _env(server, PROD_DATABASE_URL=prod.conninfo)
        pgdecl = str(BIN / "pgdecl")
        out = _run([pgdecl, "init", "shop"], tmp_path, env).stdout
        assert "Next:" in out and "pgdecl plan" in out
        proj = tmp_path / "shop"
        _run(["git", "init", "-q", "-b", "main"], proj, env)
        _run(["git", "add", "-A"], proj, env)
        _run(["git", "commit", "-qm", "start"], proj, env)
        hooks = _run([str(BIN / "pre-commit"), "run", "--all-files"], proj,
                     dict(env, PRE_COMMIT_HOME=str(tmp_path / "pc")))  # the generated hooks
        assert re.search(r"pgdecl lint\.+Passed", hooks.stdout) and re.search(r"pgdecl validate\.+Passed", hooks.stdout)

        # dev: the project's own database on the local server
        assert "no findings" in _run([pgdecl, "lint"], proj, env).stdout
        first = _run([pgdecl, "plan"], proj, env, expect=2).stdout
        dbname = re.search(r"Plan for \S+/(pgdecl_shop_[0-9a-f]{8})\n", first)
        assert dbname, first
        sql = re.search(r"^create table", first, re.M | re.I)  # the SQL (into an empty database: the rendered DDL)
        assert sql and first.index("Summary:") < sql.start()
        assert "2 CREATE TABLE" in first and "hazards: none" in first
        applied = _run([pgdecl, "apply", "--yes"], proj, env).stdout
        assert "a second plan is empty" in applied and dbname.group(1) in applied
        assert "No changes" in _run([pgdecl, "plan"], proj, env).stdout
        dev = admin.with_dbname(dbname.group(1))
        # prod, named in pgdecl.toml through PROD_DATABASE_URL
        assert "a second plan is empty" in _run([pgdecl, "apply", "--env", "prod", "--yes"], proj, env).stdout
        assert _columns(prod.conninfo, "public.notes") == _columns(dev.conninfo, "public.notes")

        # a pull request: a column and an index on a live table
        _run(["git", "checkout", "-qb", "pinned-notes"], proj, env)
        spec = proj / "schema" / "app.yaml"
        spec.write_text(spec.read_text().replace(
            "      body: {type: text, nullable: false, default: \"''\"}\n",
            "      body: {type: text, nullable: false, default: \"''\"}\n"
            "      pinned: {type: boolean, nullable: false, default: \"false\"}\n").replace(
            "      - columns: [user_id]\n", "      - columns: [user_id]\n      - columns: [pinned, created_at]\n"))
        _run(["git", "commit", "-qam", "pin notes"], proj, env)
        _run(["git", "remote", "add", "origin", str(proj)], proj, env)
        _run(["git", "fetch", "-q", "origin"], proj, env)

        # the generated CI workflow's script steps, run as GitHub would run them
        workflow = proj / ".github" / "workflows" / "pgdecl-review.yml"
        steps = _steps(workflow)
        summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
        values = {"github.base_ref": "main", "github.server_url": "https://github.com",
                  "github.repository": "me/shop", "github.event.pull_request.head.sha": "abc123",
                  "github.event.pull_request.number": "1"}
        for name in ("Lint and validate the specs (no database)", "Review the schema change"):
            step_env = _script_env(workflow, steps[name], env, values)
            step_env.update(GITHUB_STEP_SUMMARY=str(summary), GITHUB_OUTPUT=str(outputs))
            _run(["bash", "-eo", "pipefail", "-c", steps[name]["run"]], proj, step_env)
        review = (proj / "review.md").read_text()
        assert "<!-- pgdecl-review -->" in review and "pinned" in review and "CONCURRENTLY" in review
        assert "exit_code=2" in outputs.read_text() and "pinned" in summary.read_text()
        (proj / "review.md").unlink()
        (proj / "review.err").unlink()

        # prod: a saved plan, reviewed, then applied from the file; `plan -o` exits 0 under set -e
        script = "set -e; pgdecl plan --env prod -o plan.json > plan.txt; echo saved"
        saved = _run(["bash", "-c", script], proj, env)
        assert "saved" in saved.stdout and "pgdecl apply plan.json" in saved.stderr
        plan_txt = (proj / "plan.txt").read_text()
        assert prod.display in plan_txt and "CREATE INDEX CONCURRENTLY" in plan_txt
        progress_env = dict(env, PGDECL_PROGRESS="1")
        done = _run([pgdecl, "apply", "plan.json", "--env", "prod", "--yes"], proj, progress_env)
        assert f"Applied 2 statement(s) to {prod.display}" in done.stdout and "a second plan is empty" in done.stdout
        assert re.search(r"✓ main transaction: 1 statement\(s\): \d+\.\d s", done.stderr), done.stderr
        assert re.search(r"✓ post step 1/1: CREATE INDEX CONCURRENTLY .*: \d+\.\d s", done.stderr), done.stderr
        # dev, then both converged
        _run([pgdecl, "apply", "--yes"], proj, env)
        for args in ([pgdecl, "plan"], [pgdecl, "plan", "--env", "prod"]):
            assert "No changes" in _run(args, proj, env).stdout
        for db in (dev, prod):
            assert "pinned" in _columns(db.conninfo, "public.notes")
        with psycopg.connect(admin.conninfo, autocommit=True) as conn:
            assert not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'pgdecl_dev'").fetchone()
            conn.execute(f"DROP DATABASE {dev.dbname} WITH (FORCE)")


def test_the_ci_example_installs_pgdecl_from_a_git_repository(tmp_path: Path) -> None:
    """The example's install step, run locally against this repository's HEAD. Dependencies are
    found installed in the test environment (a .pth file), pgdecl itself comes from git."""
    workflow = ROOT / "examples" / "github-actions" / "pgdecl-review.yml"
    step = _steps(workflow)["Install pgdecl"]
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("not a git checkout")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    here = next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    (site / "deps.pth").write_text(here + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}", PIP_QUIET="1",
               PGDECL_REPO=f"file://{ROOT}", PGDECL_REF=head.stdout.strip(), VIRTUAL_ENV=str(venv))
    env.pop("PYTHONPATH", None)
    r = subprocess.run(["bash", "-ec", step["run"]], cwd=tmp_path, env=env, capture_output=True, text=True,
                       timeout=600)
    assert r.returncode == 0, r.stderr
    assert step["run"].strip() == 'pip install "git+$PGDECL_REPO@$PGDECL_REF"'
    assert "PGDECL_PACKAGE" not in workflow.read_text()
    version = subprocess.run([str(venv / "bin" / "pgdecl"), "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path)
    assert version.returncode == 0 and "pgdecl" in version.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import pgdecl; print(pgdecl.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert str(venv) in where.stdout  # installed from git into the new environment, not the work tree
