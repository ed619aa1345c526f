"""Shared fixtures for browser tests: a real Berth server and a logged-in Chromium page.

tests/conftest.py imports them once, so every test module can ask for them by name
(`berth_server`, not `live_server`: pytest-django owns that name); mark the tests
`@pytest.mark.browser`. Importing them into a test module instead would define a second
session-wide Playwright in the same process, which Playwright refuses. The server runs Berth exactly as `make run`
does (dashboard/serve.py: uvicorn, ASGI, websockets included) on a free 127.0.0.1 port, with its own SQLite
file (DATABASE_URL), migrated, and one admin account; `page` has logged in as that admin
through the login form. Only Debian's Chromium is used; no browser is ever downloaded.
"""

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.common import server_command

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # This Chromium still offers WebGL2 in software (SwiftShader) under --disable-gpu: without
    # WebGL the terminals use xterm's DOM renderer, whose rows (.xterm-rows) the tests read.
    # The WebGL renderer is tested on its own (tests/streams/test_terminal_addons.py).
    "--disable-webgl",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ADMIN_USERNAME = "browser-admin"
ADMIN_PASSWORD = "browser-admin-password-1"


@dataclass(frozen=True)
class LiveServer:
    url: str
    username: str
    password: str
    database_url: str
    log_path: str
    pid: int = 0  # the server process's


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)


def _wait_until_answering(url: str, server: subprocess.Popen, log_path: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Berth's server exited with {server.returncode}:\n{Path(log_path).read_text()[-3000:]}")
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"Berth did not answer at {url} within {timeout}s")


@pytest.fixture(scope="session")
def berth_server():
    """Berth as `make run` serves it on a free port, with a fresh SQLite database and an admin account."""
    with serve_berth() as server:
        yield server


@contextlib.contextmanager
def serve_berth(**env_overrides: str):
    """berth_server's server, with more environment (e.g. DOCKER_HOST for another engine)."""
    workdir = tempfile.mkdtemp(prefix="berth-live-")
    database_url = f"sqlite:///{workdir}/db.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "dashboard.settings",
        "DJANGO_SUPERUSER_USERNAME": ADMIN_USERNAME,
        "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        **env_overrides,
    }
    _manage(env, "migrate", "--noinput")
    _manage(env, "ensure_admin")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = f"{workdir}/server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            server_command(port),
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_answering(url, server, log_path)
        yield LiveServer(url, ADMIN_USERNAME, ADMIN_PASSWORD, database_url, log_path, server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="session")
def live_server_url(berth_server) -> str:
    return berth_server.url


# Per module, not per session: sync Playwright keeps an event loop running in this thread
# for as long as it lives, and pytest-asyncio cannot run an async test beside it. Closing it
# at the end of each browser module leaves the process free for the async tests after it.
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Sync Playwright keeps an event loop running in this thread; Django's ORM (used by
    # pytest-django fixtures in the same test) would otherwise refuse to run beside it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def log_in(page, server: LiveServer) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.locator("input[name=username]").fill(server.username)
    page.locator("input[name=password]").fill(server.password)
    page.locator("form button[type=submit], form button.primary").first.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@contextlib.contextmanager
def logged_in_page(browser, server: LiveServer, **context_options):
    """A fresh browser context (Playwright's new_context options: viewport, locale, timezone_id),
    logged in as the admin through the login form; closed after."""
    context = browser.new_context(**{"viewport": {"width": 1366, "height": 900}, **context_options})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, server)
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser, berth_server):
    """A fresh logged-in page at 1366x900. For dark mode call `page.emulate_media(color_scheme="dark")`."""
    with logged_in_page(browser, berth_server) as page:
        yield page


def wait_for_js(page, expression: str, timeout: float = 10):
    """page.wait_for_function() for Berth's pages: Playwright polls a predicate with `new
    Function`, which Berth's CSP (no 'unsafe-eval') refuses as soon as the first check is false;
    page.evaluate() goes through the DevTools protocol, which the CSP does not govern."""
    deadline = time.monotonic() + timeout
    while not (value := page.evaluate(expression)):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression!r}")
        time.sleep(0.05)
    return value
