"""Project configuration: `pgdecl.toml` at the project root, found upwards from the working directory
(like git finds `.git`).

```toml
[project]
name = "shop"              # default: the root directory's name
specs = "schema"           # the spec directory, relative to the root
default_env = "dev"        # the environment used when no --env is given (default: dev, when defined)

[lint]
select = ["ALL"]
ignore = ["PD017"]
fail_on = "warning"

[env.dev]                  # no url: a database of this project on pgdecl's local server

[env.prod]
url_env = "PROD_DATABASE_URL"   # or url = "postgresql://..."
dev_url = "postgresql://..."    # where the desired side is built
lock_timeout = "5s"
statement_timeout = "0"
lock_wait = 300
allow_hazards = ["drop"]

[env.tenants]              # a fleet: the same schema on many databases (pgdecl.fleet)
urls_file = "tenants.txt"       # one URL per line, # comments; or urls = [...], or
                                # urls_command = "list-dbs --env prod" (one URL per line on stdout)
```

Each `[env.NAME]` is parsed into an `Env`; a target is one URL today, and `Env.targets()` returns
a list so that fleets (`urls`, `urls_file`, `urls_command`) can be added without changing callers.
"""

from __future__ import annotations

import hashlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import PgdeclError

CONFIG_NAME = "pgdecl.toml"
_PROJECT_KEYS = {"name", "specs", "default_env"}
_LINT_KEYS = {"select", "ignore", "fail_on"}
_ENV_KEYS = {"url", "url_env", "dev_url", "lock_timeout", "statement_timeout", "lock_wait", "allow_hazards",
             "urls", "urls_file", "urls_command", "urls_timeout"}
_TARGET_KEYS = ("url", "url_env", "urls", "urls_file", "urls_command")
_TOP_KEYS = {"project", "lint", "env"}


class ConfigError(PgdeclError):
    """pgdecl.toml is malformed or names something that does not exist."""


@dataclass(frozen=True)
class Env:
    """One named environment: where its database is and how to apply to it."""

    name: str
    url: str | None = None
    url_env: str | None = None
    dev_url: str | None = None
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    lock_wait: float | None = None
    allow_hazards: tuple[str, ...] = ()
    source: str = CONFIG_NAME  # file:line of its table, for messages
    urls: tuple[str, ...] = ()          # a fleet: these databases
    urls_file: str | None = None        # a fleet: one URL per line of this file (relative to root)
    urls_command: str | None = None     # a fleet: one URL per line printed by this command (run in root)
    urls_timeout: float = 60.0          # seconds urls_command may take
    root: str | None = None             # the directory of pgdecl.toml (urls_file, urls_command)

    @property
    def fleet(self) -> bool:
        """Declared with urls, urls_file or urls_command: planned and applied as a fleet."""
        return bool(self.urls or self.urls_file or self.urls_command)

    def targets(self) -> list[str | None]:
        """The database URLs of this environment; [None] means the project's local database.
        A fleet's come from urls, urls_file or urls_command (pgdecl.fleet.fleet_urls)."""
        if self.fleet:
            from .fleet import fleet_urls

            return list(fleet_urls(self))
        if self.url:
            return [self.url]
        if self.url_env:
            value = os.environ.get(self.url_env)
            if not value:
                raise ConfigError(f"{self.source}: env {self.name}: the variable {self.url_env} (url_env) is not set")
            return [value]
        return [None]

    def database_url(self) -> str | None:
        """The one URL of this environment (None: the project's local database)."""
        return self.targets()[0]


@dataclass(frozen=True)
class Config:
    """A project's configuration; `Config.default()` when there is no pgdecl.toml."""

    root: Path                          # the directory holding pgdecl.toml (or the working directory)
    path: Path | None = None            # pgdecl.toml, when there is one
    name: str = ""
    specs: str = "schema"
    default_env: str | None = None
    envs: dict[str, Env] = field(default_factory=dict)
    lint_select: tuple[str, ...] = ()
    lint_ignore: tuple[str, ...] = ()
    lint_fail_on: str | None = None

    @classmethod
    def default(cls, cwd: Path | None = None) -> "Config":
        root = (cwd or Path.cwd()).resolve()
        return cls(root=root, name=root.name)

    def specs_dir(self) -> str:
        """The spec directory as a path relative to the working directory when that is shorter."""
        p = self.root / self.specs
        try:
            rel = os.path.relpath(p)
        except ValueError:
            return str(p)
        return rel if not rel.startswith("../../..") else str(p)

    def env(self, name: str | None) -> Env | None:
        """The environment `name`; without a name the default one (None when there is none)."""
        if name is None:
            name = self.default_env or ("dev" if "dev" in self.envs else None)
            if name is None:
                return None
        if name not in self.envs:
            where = str(self.path) if self.path else f"no {CONFIG_NAME} found from {Path.cwd()}"
            known = ", ".join(sorted(self.envs)) or "none"
            raise ConfigError(f"unknown environment {name!r} ({where}; defined: {known})")
        return self.envs[name]


_DURATION = re.compile(r"\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*", re.IGNORECASE)


def check_duration(value: str, what: str) -> str:
    """A PostgreSQL duration (`10s`, `500ms`, `2min`, `0`), checked before anything runs."""
    if not _DURATION.fullmatch(value):
        raise ConfigError(f"{what}: {value!r} is not a duration (a number with an optional unit us, ms, s, min, "
                          "h or d, e.g. 10s or 500ms; 0: no limit)")
    return value.strip()


def find_config(start: Path | None = None) -> Path | None:
    """pgdecl.toml in `start` or the nearest directory above it."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _line_of(text: str, header: str, key: str | None = None) -> int:
    """The line of `[header]` (or of `key = ` inside it) in the TOML text, 1 when not found."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().replace(" ", "") == f"[{header}]"), None)
    if start is None:
        return 1
    if key is None:
        return start + 1
    for i in range(start + 1, len(lines)):
        if lines[i].lstrip().startswith("["):
            break
        if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
            return i + 1
    return start + 1


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ConfigError(f"{where}: expected a string or a list of strings, got {value!r}")


def _opt_str(value: Any, where: str) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ConfigError(f"{where}: expected a string, got {value!r}")


def _unknown(keys: set[str], known: set[str], where: str) -> None:
    extra = sorted(keys - known)
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(extra)} (known: {', '.join(sorted(known))})")


def _parse_env(name: str, data: Any, text: str, display: str, root: Path | None = None) -> Env:
    source = f"{display}:{_line_of(text, f'env.{name}')}"
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [env.{name}] must be a table")
    extra = sorted(set(data) - _ENV_KEYS)
    if extra:
        raise ConfigError(f"{display}:{_line_of(text, f'env.{name}', extra[0])}: env {name}: unknown key(s) "
                          f"{', '.join(extra)} (known: {', '.join(sorted(_ENV_KEYS))})")
    given = [k for k in _TARGET_KEYS if data.get(k)]
    if given == ["url", "url_env"]:
        raise ConfigError(f"{source}: env {name}: give url or url_env, not both")
    if len(given) > 1:
        raise ConfigError(f"{source}: env {name}: give one of {', '.join(_TARGET_KEYS)}, not {' and '.join(given)}")
    fleet = _fleet_keys(name, data, text, display)
    wait = data.get("lock_wait")
    if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float)) or wait < 0):
        raise ConfigError(f"{display}:{_line_of(text, f'env.{name}', 'lock_wait')}: env {name}: lock_wait must be "
                          "a number of seconds")
    timeouts = {}
    for key in ("lock_timeout", "statement_timeout"):
        value = _opt_str(data.get(key), f"{source}: env {name}: {key}")
        if value is not None:
            check_duration(value, f"{display}:{_line_of(text, f'env.{name}', key)}: env {name}: {key}")
        timeouts[key] = value
    hazards = _strings(data.get("allow_hazards", []), f"{source}: env {name}: allow_hazards")
    from .hazards import KINDS
    bad = [h for h in hazards if h not in KINDS]
    if bad:
        raise ConfigError(f"{display}:{_line_of(text, f'env.{name}', 'allow_hazards')}: env {name}: unknown hazard "
                          f"kind(s) {', '.join(bad)} (known: {', '.join(KINDS)})")
    return Env(name=name, url=_opt_str(data.get("url"), f"{source}: url"),
               url_env=_opt_str(data.get("url_env"), f"{source}: url_env"),
               dev_url=_opt_str(data.get("dev_url"), f"{source}: dev_url"),
               lock_timeout=timeouts["lock_timeout"], statement_timeout=timeouts["statement_timeout"],
               lock_wait=float(wait) if wait is not None else None, allow_hazards=hazards, source=source,
               root=str(root) if root is not None else None, **fleet)


def _fleet_keys(name: str, data: dict[str, Any], text: str, display: str) -> dict[str, Any]:
    """urls, urls_file, urls_command and urls_timeout of a fleet environment, checked."""
    def where(key: str) -> str:
        return f"{display}:{_line_of(text, f'env.{name}', key)}: env {name}: {key}"
    out: dict[str, Any] = {}
    if "urls" in data:
        urls = data["urls"]
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u.strip() for u in urls):
            raise ConfigError(f"{where('urls')} must be a non-empty list of database URLs")
        out["urls"] = tuple(u.strip() for u in urls)
    for key in ("urls_file", "urls_command"):
        if key in data:
            if not isinstance(data[key], str) or not data[key].strip():
                raise ConfigError(f"{where(key)} must be a non-empty string")
            out[key] = data[key]
    if "urls_timeout" in data:
        t = data["urls_timeout"]
        if isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0:
            raise ConfigError(f"{where('urls_timeout')} must be a positive number of seconds")
        if "urls_command" not in data:
            raise ConfigError(f"{where('urls_timeout')} is only for urls_command")
        out["urls_timeout"] = float(t)
    return out


def load_config(path: Path) -> Config:
    """Parse pgdecl.toml; every mistake is a ConfigError naming the file (and line when known)."""
    display = os.path.relpath(path) if not str(os.path.relpath(path)).startswith("../..") else str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except OSError as e:
        raise ConfigError(f"cannot read {display}: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{display}: {e}") from None
    _unknown(set(data), _TOP_KEYS, display)
    project = data.get("project", {})
    lint = data.get("lint", {})
    envs = data.get("env", {})
    for key, value in (("project", project), ("lint", lint), ("env", envs)):
        if not isinstance(value, dict):
            raise ConfigError(f"{display}:{_line_of(text, key)}: [{key}] must be a table")
    _unknown(set(project), _PROJECT_KEYS, f"{display}:{_line_of(text, 'project')}: [project]")
    _unknown(set(lint), _LINT_KEYS, f"{display}:{_line_of(text, 'lint')}: [lint]")
    root = path.parent.resolve()
    fail_on = _opt_str(lint.get("fail_on"), f"{display}: [lint] fail_on")
    if fail_on not in (None, "warning", "error", "never"):
        raise ConfigError(f"{display}:{_line_of(text, 'lint', 'fail_on')}: [lint] fail_on must be warning, error "
                          f"or never, not {fail_on!r}")
    config = Config(
        root=root, path=path,
        name=_opt_str(project.get("name"), f"{display}: [project] name") or root.name,
        specs=_opt_str(project.get("specs"), f"{display}: [project] specs") or "schema",
        default_env=_opt_str(project.get("default_env"), f"{display}: [project] default_env"),
        envs={name: _parse_env(name, value, text, display, root) for name, value in envs.items()},
        lint_select=_strings(lint.get("select", []), f"{display}: [lint] select"),
        lint_ignore=_strings(lint.get("ignore", []), f"{display}: [lint] ignore"),
        lint_fail_on=fail_on,
    )
    if config.default_env and config.default_env not in config.envs:
        raise ConfigError(f"{display}:{_line_of(text, 'project', 'default_env')}: default_env "
                          f"{config.default_env!r} is not an [env.*] table")
    return config


def current_config(start: Path | None = None) -> Config:
    """The configuration of the project around the working directory (defaults without a file)."""
    path = find_config(start)
    return load_config(path) if path else Config.default(start)


def local_database_name(name: str, identity: Path, env: str | None = None) -> str:
    """`pgdecl_<name>_<hash>[_<env>]`: a local development database of its own per project (and
    per environment), so two projects never plan against the same database."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "project"
    digest = hashlib.sha256(str(identity.resolve()).encode()).hexdigest()[:8]
    suffix = f"_{re.sub(r'[^a-z0-9]+', '_', env.lower()).strip('_')}" if env and env != "dev" else ""
    slug = slug[:63 - len("pgdecl__") - len(digest) - len(suffix)]
    return f"pgdecl_{slug}_{digest}{suffix}"


def project_database_name(config: Config, specs_dir: str, env: str | None = None) -> str:
    """The local database of this project: named after the pgdecl.toml root, or without a config
    after the spec directory (its parent's name when it is called `schema`)."""
    if config.path is not None:
        return local_database_name(config.name, config.root, env)
    specs = Path(specs_dir).resolve()
    name = specs.parent.name if specs.name in ("schema", "schemas", "specs") else specs.name
    return local_database_name(name, specs, env)
