"""pgdecl.toml (pgdecl.config), --env resolution, per-project local database names, pgdecl init,
and early checks of the command line (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pgdecl.cli import main
from pgdecl.config import ConfigError, check_duration, current_config, load_config, local_database_name
from pgdecl.config import project_database_name

ROOT = Path(__file__).resolve().parents[2]

TOML = """\
[project]
name = "shop"
specs = "db/specs"
default_env = "dev"

[lint]
select = ["PD001", "PD003"]
ignore = ["PD003"]
fail_on = "error"

[env.dev]

[env.staging]
url = "postgresql://app@staging.internal/shop"
lock_timeout = "2s"
allow_hazards = ["drop"]

[env.prod]
url_env = "SHOP_PROD_URL"
dev_url = "postgresql://dev@localhost/postgres"
statement_timeout = "1min"
lock_wait = 60
"""


def _write(tmp: Path, text: str) -> Path:
    p = tmp / "pgdecl.toml"
    p.write_text(text)
    return p


def test_config_parses_envs_lint_and_project(tmp_path: Path, monkeypatch) -> None:
    c = load_config(_write(tmp_path, TOML))
    assert c.name == "shop" and c.specs == "db/specs" and c.root == tmp_path.resolve()
    assert set(c.envs) == {"dev", "staging", "prod"}
    assert c.lint_select == ("PD001", "PD003") and c.lint_ignore == ("PD003",) and c.lint_fail_on == "error"
    st = c.envs["staging"]
    assert st.database_url() == "postgresql://app@staging.internal/shop" and st.lock_timeout == "2s"
    assert st.allow_hazards == ("drop",) and st.targets() == [st.url]
    assert c.env(None).name == "dev" and c.envs["dev"].database_url() is None
    monkeypatch.setenv("SHOP_PROD_URL", "postgresql://app@prod/shop")
    prod = c.env("prod")
    assert prod.database_url() == "postgresql://app@prod/shop" and prod.lock_wait == 60.0
    assert prod.statement_timeout == "1min" and prod.dev_url == "postgresql://dev@localhost/postgres"
    monkeypatch.delenv("SHOP_PROD_URL")
    with pytest.raises(ConfigError, match=r"pgdecl.toml:18: env prod: the variable SHOP_PROD_URL"):
        prod.database_url()
    with pytest.raises(ConfigError, match=r"unknown environment 'qa' .*defined: dev, prod, staging"):
        c.env("qa")


@pytest.mark.parametrize("body, message", [
    ('[env.prod]\nurll = "x"\n', r"pgdecl.toml:2: env prod: unknown key\(s\) urll"),
    ('[env.prod]\nlock_timeout = "banana"\n', r"pgdecl.toml:2: env prod: lock_timeout: 'banana' is not a duration"),
    ('[env.prod]\nallow_hazards = ["dataloss"]\n', r"pgdecl.toml:2: env prod: unknown hazard kind\(s\) dataloss"),
    ('[env.prod]\nurl = "a"\nurl_env = "B"\n', r"env prod: give url or url_env, not both"),
    ('[project]\ndefault_env = "prod"\n', r"pgdecl.toml:2: default_env 'prod' is not an \[env.\*\] table"),
    ('[projects]\n', r"unknown key\(s\) projects"),
    ('[lint]\nfail_on = "sometimes"\n', r"pgdecl.toml:2: \[lint\] fail_on must be warning, error or never"),
    ('[env.prod\n', r"pgdecl.toml: "),
])
def test_config_mistakes_name_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(_write(tmp_path, body))


def test_config_is_found_upwards_like_git(tmp_path: Path, monkeypatch) -> None:
    _write(tmp_path, TOML)
    deep = tmp_path / "db" / "specs" / "sub"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    c = current_config()
    assert c.path == (tmp_path / "pgdecl.toml").resolve() or c.path.resolve() == (tmp_path / "pgdecl.toml").resolve()
    assert Path(c.specs_dir()).resolve() == (tmp_path / "db" / "specs").resolve()


def test_durations_are_checked() -> None:
    for ok in ("10s", "0", "500ms", "2min", "1h", " 3 s", "1.5s"):
        check_duration(ok, "x")
    for bad in ("banana", "10 seconds", "-1s", "", "10s; drop table x"):
        with pytest.raises(ConfigError, match="is not a duration"):
            check_duration(bad, "--lock-timeout")


def test_local_database_names_differ_per_project_and_env(tmp_path: Path) -> None:
    a, b = tmp_path / "one" / "app", tmp_path / "two" / "app"
    names = {local_database_name("app", a), local_database_name("app", b), local_database_name("app", a, "qa")}
    assert len(names) == 3 and all(n.startswith("pgdecl_app_") for n in names)
    assert local_database_name("app", a) == local_database_name("app", a, "dev")
    long = local_database_name("My Very Long Project-Name " * 5, a, "staging-eu")
    assert len(long) <= 63 and long.endswith("_staging_eu") and long.replace("_", "").isalnum()
    # without a pgdecl.toml: two spec directories of the same cwd get different databases
    cfg = current_config(tmp_path)
    assert project_database_name(cfg, str(a / "schema")) != project_database_name(cfg, str(b / "schema"))
    assert project_database_name(cfg, str(a / "schema")).startswith("pgdecl_app_")


def test_lock_timeout_banana_is_refused_before_anything_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PGDECL_HOME", str(tmp_path / "no-server-here"))
    for cmd in (["plan"], ["apply", "--yes"]):
        r = CliRunner().invoke(main, [*cmd, str(ROOT / "examples" / "starter"), "--lock-timeout", "banana"])
        assert r.exit_code == 1, r.output
        assert "--lock-timeout: 'banana' is not a duration" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "no-server-here").exists()  # refused before a server was started


def test_init_writes_a_project_that_lints_and_refuses_to_overwrite(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["init", "shop"])
    assert r.exit_code == 0, r.output
    proj = tmp_path / "shop"
    for rel in ("pgdecl.toml", "schema/app.yaml", ".pre-commit-config.yaml", ".github/workflows/pgdecl-review.yml",
                "pgdecl.schema.json"):
        assert (proj / rel).is_file(), rel
        assert f"wrote shop/{rel}" in r.output
    assert "Next:" in r.output and "cd shop" in r.output and "pgdecl plan" in r.output
    config = load_config(proj / "pgdecl.toml")
    assert config.name == "shop" and set(config.envs) == {"dev", "prod"} and config.envs["prod"].url_env
    assert local_database_name("shop", proj) in (proj / "pgdecl.toml").read_text()
    hooks = yaml.safe_load((proj / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    assert [h["entry"] for h in hooks] == ["pgdecl lint", "pgdecl validate"]
    # the workflow is the repository's example
    assert (proj / ".github/workflows/pgdecl-review.yml").read_text() == \
        (ROOT / "examples/github-actions/pgdecl-review.yml").read_text()
    monkeypatch.chdir(proj / "schema")  # pgdecl.toml is found from below
    lint = CliRunner().invoke(main, ["lint"])
    assert lint.exit_code == 0 and "no findings" in lint.output, lint.output
    monkeypatch.chdir(tmp_path)
    again = CliRunner().invoke(main, ["init", "shop"])
    assert again.exit_code == 1 and "already exist" in again.output and "--force" in again.output
    assert CliRunner().invoke(main, ["init", "shop", "--force"]).exit_code == 0


def test_lint_uses_the_config_selection(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "t.yaml").write_text("tables:\n  events:\n    columns:\n      at: timestamp\n")
    _write(tmp_path, '[project]\nspecs = "specs"\n[lint]\nignore = ["PD003"]\n')
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["lint"])
    assert r.exit_code == 1 and "PD002" in r.output and "PD003" not in r.output, r.output
    _write(tmp_path, '[project]\nspecs = "specs"\n[lint]\nselect = ["PD003"]\nfail_on = "never"\n')
    r = CliRunner().invoke(main, ["lint"])
    assert r.exit_code == 0 and "PD003" in r.output and "PD002" not in r.output, r.output
    r = CliRunner().invoke(main, ["plan", "--env", "nope"])
    assert r.exit_code == 1 and "unknown environment 'nope'" in r.output
