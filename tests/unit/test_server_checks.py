"""The local server's cheap checks: the binaries' major version remembered per binary, and a server
found running by its socket answering (a stale socket file does not count). No server is started."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from pgdecl import server as srv


def test_major_version_is_remembered_per_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGDECL_HOME", str(tmp_path / "home"))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    postgres = bindir / "postgres"
    postgres.write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 17.2'\n")
    postgres.chmod(0o755)
    assert srv._major_of(bindir) == 17
    assert (tmp_path / "home" / "binaries.json").is_file()

    def no_process(*args: object, **kwargs: object) -> None:
        raise AssertionError("postgres --version ran again")

    monkeypatch.setattr(subprocess, "run", no_process)
    assert srv._major_of(bindir) == 17
    monkeypatch.undo()
    monkeypatch.setenv("PGDECL_HOME", str(tmp_path / "home"))
    postgres.write_text("#!/bin/sh\necho 'postgres (PostgreSQL) 18.1'\n# another build\n")  # a new binary
    assert srv._major_of(bindir) == 18
    assert srv._major_of(tmp_path / "nowhere") is None


def test_running_means_the_socket_answers(tmp_path: Path) -> None:
    s = srv.LocalServer(home=tmp_path, binaries=srv.Binaries(tmp_path, 15, "test"))
    s.socket_dir.mkdir(parents=True)
    path = s.socket_dir / f".s.PGSQL.{srv.PORT}"
    assert not s._accepting()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)
    try:
        assert s._accepting()
    finally:
        listener.close()
    assert path.exists()  # the file stays behind, as after a crash
    assert not s._accepting()
