"""`make run` on a machine without DATABASE_URL/REDIS_URL: embedded PostgreSQL
and Redis, the landing page served, a Celery task processed, and Ctrl-C
leaves nothing running."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.conf import settings

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_mentioning(text: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and text in " ".join(proc.info["cmdline"] or []):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def test_make_run_serves_processes_a_task_and_stops_cleanly():
    data_dir = Path(tempfile.mkdtemp(prefix="ess-", dir="/tmp"))
    data_dir.chmod(0o755)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"} and not k.startswith("PYTEST")}
    env.update(ESSENCE_DATA_DIR=str(data_dir), PORT=str(port), DJANGO_DEBUG="1")
    log_path = data_dir / "make-run.log"
    with open(log_path, "w") as log:
        run = subprocess.Popen(
            ["make", "run"], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    try:
        body = _wait_for_page(f"http://127.0.0.1:{port}/", run, log_path)
        assert "Pay only for what you use" in body
        assert f"http://localhost:{port}/" in log_path.read_text()

        smoke = subprocess.run(
            [sys.executable, "manage.py", "celerysmoke", "--timeout", "90"],
            cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=180,
        )
        assert smoke.returncode == 0, smoke.stdout + smoke.stderr + log_path.read_text()[-3000:]
        assert "A Celery worker ran the smoke task" in smoke.stdout
        assert "beat: Starting..." in log_path.read_text()

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C
        run.wait(90)
        deadline = time.monotonic() + 30
        while _processes_mentioning(str(data_dir)) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert _processes_mentioning(str(data_dir)) == [], log_path.read_text()[-3000:]
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the web server is still listening"
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        for proc in _processes_mentioning(str(data_dir)):
            proc.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def _wait_for_page(url, run, log_path, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if run.poll() is not None:
            raise AssertionError("make run exited early:\n" + log_path.read_text()[-4000:])
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except OSError:
            time.sleep(1)
    raise AssertionError("make run did not serve the page in time:\n" + log_path.read_text()[-4000:])
