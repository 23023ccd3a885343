"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Screenshots go to test-artifacts/screenshots/<test name>/ (git-ignored).
"""

import email
import os
import re
import subprocess
import sys
import time
import uuid
from email import policy as email_policy
from pathlib import Path

import pytest
from django.conf import settings

from essence.celery import app as celery_app
from tests.factories import ensure_policy_v1
from tests.utils import database_url_for_subprocess

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.shots = Screenshots(page, request.node.name)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        page.shots.take("failure")
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


class Screenshots:
    def __init__(self, page, test_name):
        self.page = page
        self.folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", test_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def take(self, name):
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def e2e_db(transactional_db):
    """Live-server tests commit for real; re-create the seed data a flush removes."""
    ensure_policy_v1()


class WorkerMail:
    """Mail that the real worker wrote with the dev outbox backend."""

    def __init__(self, folder: Path):
        self.folder = folder

    def messages(self):
        return [
            email.message_from_bytes(path.read_bytes(), policy=email_policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def wait_for(self, to: str, subject_contains: str, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages():
                if to in message["To"] and subject_contains in message["Subject"]:
                    return message
            time.sleep(0.2)
        raise AssertionError(f"no email to {to} about {subject_contains!r} within {timeout}s")

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def celery_worker(e2e_db, tmp_path):
    """A real `celery worker` process on the test database, consuming this test run's queue."""
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_QUEUE": queue,
        "EMAIL_FILE_PATH": str(outbox),
        "DJANGO_DEBUG": "0",
        "SECRET_KEY": "e2e-worker-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SITE_URL": "http://localhost",
    }
    for name in ("ANYMAIL_PROVIDER", "EMAIL_BACKEND_URL"):
        env.pop(name, None)
    with open(log_path, "w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "essence", "worker", "--pool=solo", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", queue],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    celery_app.conf.task_always_eager = False
    try:
        _wait_for_worker_ready(worker, log_path)
        yield WorkerMail(outbox)
    finally:
        celery_app.conf.task_always_eager = True
        worker.terminate()
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        print("---- celery worker log ----\n" + log_path.read_text()[-5000:])


def _wait_for_worker_ready(worker, log_path, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "ready." in log_path.read_text():
            return
        if worker.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError("Celery worker did not start:\n" + log_path.read_text()[-5000:])
