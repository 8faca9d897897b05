"""Fleet environments of pgdecl.toml (urls, urls_file, urls_command) and the fleet runner's order,
canary and stop rules, without a database."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from pgdecl.config import ConfigError, load_config
from pgdecl.fleet import APPLIED, FAILED, SKIPPED, FleetResult, Outcome, Target, run_fleet


def _config(tmp: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp / "pgdecl.toml").write_text(text)
    return load_config(tmp / "pgdecl.toml")


def test_urls_file_skips_comments_and_blank_lines_relative_to_the_project_root(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("# tenants\npostgresql://a:pw@h/one\n\n  postgresql://a@h/two  # eu\n#x\n")
    env = _config(tmp_path, '[env.f]\nurls_file = "t.txt"\n').envs["f"]
    assert env.fleet and env.targets() == ["postgresql://a:pw@h/one", "postgresql://a@h/two"]


def test_urls_and_urls_command(tmp_path: Path) -> None:
    env = _config(tmp_path, '[env.f]\nurls = ["postgresql://h/a", "postgresql://h/b"]\n').envs["f"]
    assert env.targets() == ["postgresql://h/a", "postgresql://h/b"]
    (tmp_path / "ls.py").write_text("import sys\nprint('postgresql://h/' + sys.argv[1].replace(' ', '_'))\nprint('# x')\n")
    env = _config(tmp_path, f'[env.f]\nurls_command = "{sys.executable} ls.py \'it s\'"\n').envs["f"]
    assert env.targets() == ["postgresql://h/it_s"]  # shlex quoting, no shell
    assert not _config(tmp_path, '[env.f]\nurl = "postgresql://h/a"\n').envs["f"].fleet


@pytest.mark.parametrize("toml, message", [
    ('[env.f]\nurls = []\n', "pgdecl.toml:2: env f: urls must be a non-empty list"),
    ('[env.f]\nurls = "postgresql://h/a"\n', "must be a non-empty list"),
    ('[env.f]\nurls = ["postgresql://h/a"]\nurl_env = "X"\n', "not url_env and urls"),
    ('[env.f]\nurls_timeout = 5\nurls = ["postgresql://h/a"]\n', "only for urls_command"),
    ('[env.f]\nurls_command = "x"\nurls_timeout = -1\n', "positive number"),
    ('[env.f]\nurls_command = ""\n', "non-empty string"),
])
def test_fleet_key_mistakes_name_the_line(tmp_path: Path, toml: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        _config(tmp_path, toml)


def test_fleet_target_mistakes_are_clear_and_never_show_a_password(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("postgresql://a:pw1@h/x\npostgresql://a:pw2@h/x\n")
    with pytest.raises(ConfigError, match=r"t.txt:2: postgresql://a@h:5432/x is listed twice \(first at t.txt:1\)"):
        _config(tmp_path, '[env.f]\nurls_file = "t.txt"\n').envs["f"].targets()
    (tmp_path / "t.txt").write_text("# nothing\n")
    with pytest.raises(ConfigError, match="lists no database"):
        _config(tmp_path, '[env.f]\nurls_file = "t.txt"\n').envs["f"].targets()
    (tmp_path / "t.txt").write_text("postgresql://a:pw1@h/x?badopt=1\n")
    with pytest.raises(ConfigError) as e:
        _config(tmp_path, '[env.f]\nurls_file = "t.txt"\n').envs["f"].targets()
    assert "pw1" not in str(e.value) and "t.txt:1" in str(e.value)
    (tmp_path / "slow.py").write_text("import time\ntime.sleep(5)\n")
    with pytest.raises(ConfigError, match=r"did not finish within 0.5 s \(urls_timeout\)"):
        _config(tmp_path, f'[env.f]\nurls_command = "{sys.executable} slow.py"\nurls_timeout = 0.5\n'
                ).envs["f"].targets()
    (tmp_path / "fail.py").write_text("import sys\nsys.exit('cannot list: postgresql://u:pw9@h/x')\n")
    with pytest.raises(ConfigError) as e:
        _config(tmp_path, f'[env.f]\nurls_command = "{sys.executable} fail.py"\n').envs["f"].targets()
    assert "exited 1: cannot list" in str(e.value) and "pw9" not in str(e.value)


def _targets(n: int) -> list[Target]:
    return [Target(i, f"postgresql://h/db{i}") for i in range(1, n + 1)]


def _work(failing: set[int], delay: float = 0.01, seen: list[int] | None = None):  # type: ignore[no-untyped-def]
    lock = threading.Lock()

    def work(t: Target, canary: bool) -> Outcome:
        with lock:
            if seen is not None:
                seen.append(t.index)
        time.sleep(delay)
        return Outcome(t, FAILED if t.index in failing else APPLIED, 1)
    return work


def test_runner_stops_new_starts_on_a_failure_and_continue_goes_on() -> None:
    out, why = run_fleet(_targets(20), _work({5}), parallel=1, canary=1, keep_going=False)
    assert [o.outcome for o in out] == [APPLIED] * 4 + [FAILED] + [SKIPPED] * 15
    assert out[0].canary and not out[1].canary and why == "target #5 postgresql://h:5432/db5 failed"
    r = FleetResult("f", "apply", out)
    assert r.exit_code == 1 and r.count(SKIPPED) == 15
    out, why = run_fleet(_targets(20), _work({5, 9}), parallel=3, canary=1, keep_going=True)
    assert [o.target.index for o in out if o.outcome == FAILED] == [5, 9] and why is None
    assert all(o.outcome == APPLIED for o in out if o.target.index not in (5, 9))


def test_a_failing_canary_stops_the_run_even_with_continue_and_parallelism_is_bounded() -> None:
    seen: list[int] = []
    out, why = run_fleet(_targets(10), _work({2}, seen=seen), parallel=4, canary=3, keep_going=True)
    assert sorted(seen) == [1, 2, 3] and [o.outcome for o in out[3:]] == [SKIPPED] * 7
    assert why is not None and why.startswith("canary target #2")
    running, peak = [0], [0]
    lock = threading.Lock()

    def work(t: Target, canary: bool) -> Outcome:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return Outcome(t, APPLIED, 0)
    out, _ = run_fleet(_targets(16), work, parallel=3, canary=0)
    assert peak[0] == 3 and [o.target.index for o in out] == list(range(1, 17))
    assert FleetResult("f", "apply", out).exit_code == 0
