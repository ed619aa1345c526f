"""Login throttling, trusted proxies, CSRF, security headers and `check --deploy`."""

import asyncio
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import requests
import websockets
from django.test import Client

from accounts.models import AuditEntry
from bench.common import berth_server
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


def attempt(client: Client, username: str, password: str, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


def logged_in_as(client: Client) -> str:
    return str(client.session.get("_auth_user_id", ""))


# ---------------------------------------------------------------- throttling


@pytest.mark.postgres_redis
def test_it_throttles_a_brute_force_on_one_account(client, operator, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    for _ in range(5):
        assert attempt(client, "otto", "wrong").status_code == 200
    response = attempt(client, "otto", PASSWORD)  # the right password, too late
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert not logged_in_as(client)
    assert AuditEntry.objects.filter(action="login.throttled", object_id="otto", outcome="denied").count() == 1


def test_it_throttles_an_account_whatever_the_case_of_its_name(client, operator, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for name in ("otto", "OTTO", "Otto"):
        attempt(client, name, "wrong")
    assert attempt(client, "otto", PASSWORD).status_code == 429


def test_it_forgets_failures_after_a_successful_login(client, operator, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    attempt(client, "otto", "wrong")
    attempt(client, "otto", "wrong")
    assert attempt(client, "otto", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    attempt(client, "otto", "wrong")
    attempt(client, "otto", "wrong")
    assert attempt(client, "otto", PASSWORD).status_code == 302


def test_it_throttles_an_address_trying_many_accounts(client, operator, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        attempt(client, f"user{n}", "guess")
    assert attempt(client, "otto", PASSWORD).status_code == 429
    # The same account from another address still works: the address is what was throttled.
    assert attempt(Client(REMOTE_ADDR="127.0.0.2"), "otto", PASSWORD).status_code == 302


@pytest.mark.postgres_redis
def test_it_ignores_a_forged_x_forwarded_for_from_an_untrusted_client(client, operator, settings):
    settings.TRUSTED_PROXIES = []
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        attempt(client, f"user{n}", "guess", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = attempt(client, "otto", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
    assert response.status_code == 429
    addresses = set(AuditEntry.objects.values_list("address", flat=True))
    assert addresses == {"127.0.0.1"}  # the audit records the real peer, never the forged header


def test_it_believes_x_forwarded_for_from_a_trusted_proxy(client, operator, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.0/8"]
    settings.LOGIN_FAILURES_PER_ADDRESS = 2
    attempt(client, "nobody", "guess", HTTP_X_FORWARDED_FOR="203.0.113.9")
    attempt(client, "nobody2", "guess", HTTP_X_FORWARDED_FOR="203.0.113.9")
    # A different client behind the same proxy is not throttled ...
    assert attempt(client, "otto", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.10").status_code == 302
    # ... and the one that failed is, even when it prepends a forged hop.
    assert attempt(Client(), "otto", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1, 203.0.113.9").status_code == 429
    assert AuditEntry.objects.filter(action="login", address="203.0.113.10").exists()


def test_it_honours_x_forwarded_proto_only_from_a_trusted_proxy(client, admin_client_, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.TRUSTED_PROXIES = []
    # Untrusted: the header is dropped, so the request is plain HTTP and gets redirected.
    response = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    assert client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https").status_code == 200


def test_it_throttles_the_django_admin_login_too(client, admin_user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    admin_user.is_staff = True
    admin_user.save()
    for _ in range(2):
        client.post("/admin/login/", {"username": "ada", "password": "wrong"})
    client.post("/admin/login/", {"username": "ada", "password": PASSWORD})
    assert not logged_in_as(client)


# ---------------------------------------------------------------- CSRF and headers


@pytest.mark.postgres_redis
def test_it_refuses_a_post_without_csrf(operator, admin_user):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"username": "otto", "password": PASSWORD}).status_code == 403
    client.force_login(admin_user)
    assert (
        client.post("/users/new/", {"username": "eve", "password": "a-long-passphrase-1", "role": "admin"}).status_code
        == 403
    )
    assert client.post("/containers/bulk/", {"action": "stop", "scope": "all"}).status_code == 403
    assert not AuditEntry.objects.filter(action="user.create").exists()


def test_it_accepts_the_token_from_the_page(operator):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/").content.decode()
    token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    response = client.post("/accounts/login/", {"username": "otto", "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_it_sends_csp_without_inline_scripts_and_forbids_framing(client):
    response = client.get("/accounts/login/")
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";") if part.strip())
    assert policy["script-src"] == "'self'" and "unsafe" not in policy["script-src"]
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    html = response.content.decode()
    assert "<script>" not in html and "onclick=" not in html
    assert '"allowEval": false' in html


def test_it_expires_sessions(settings, client, operator):
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 3600
    client.post("/accounts/login/", {"username": "otto", "password": PASSWORD})
    assert client.cookies["sessionid"]["max-age"] == settings.SESSION_COOKIE_AGE


# ---------------------------------------------------------------- check --deploy


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "SECRET_KEY": secrets.token_urlsafe(50), "DEBUG": "0", **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=120
    )


def test_it_passes_check_deploy_with_https_on():
    result = manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="1", ALLOWED_HOSTS="berth.example.com")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_it_warns_in_check_deploy_with_https_off():
    result = manage("check", "--deploy", HTTPS="0")
    assert "security.W004" in result.stderr + result.stdout  # no HSTS: the check notices


# ---------------------------------------------------------------- HTTPS: __Host- cookies


@pytest.fixture(scope="module")
def https_server():
    """A real Berth with HTTPS=1 behind a TLS proxy on 127.0.0.1 (this test plays the proxy)."""
    with berth_server(
        HTTPS="1", SECURE_SSL_REDIRECT="0", TRUSTED_PROXIES="127.0.0.1", ALLOWED_HOSTS="127.0.0.1"
    ) as base:
        yield base


def cookie_named(response: requests.Response, name: str):
    cookies = [cookie for cookie in response.cookies if cookie.name == name]
    assert cookies, f"no {name} cookie in {response.headers.get('Set-Cookie')!r}"
    return cookies[0]


def test_with_https_the_cookies_are_host_cookies_and_a_terminal_still_opens(https_server, engine):
    # __Host-: Secure, Path=/, no Domain, so that no other host name (nor http) can set or get them.
    proxy = {"X-Forwarded-Proto": "https"}
    origin = https_server.replace("http://", "https://")
    page = requests.get(https_server + "/accounts/login/", headers=proxy, timeout=10)
    csrf = cookie_named(page, "__Host-csrftoken")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    login = requests.post(
        https_server + "/accounts/login/",
        data={"username": "bench", "password": "bench-password-1", "csrfmiddlewaretoken": token},
        headers={**proxy, "Origin": origin, "Cookie": f"__Host-csrftoken={csrf.value}"},
        allow_redirects=False,
        timeout=10,
    )
    assert login.status_code == 302 and "/accounts/login/" not in login.headers["Location"]
    session = cookie_named(login, "__Host-sessionid")
    for cookie in (csrf, session):
        assert (cookie.secure, cookie.path, cookie.domain_specified) == (True, "/", False)

    container = engine.container("sleep 300")
    url = https_server.replace("http://", "ws://") + f"/ws/containers/{container['Id']}/exec/?cmd=id"

    async def run_id() -> tuple[bytes, str]:
        headers = {**proxy, "Cookie": f"__Host-sessionid={session.value}"}
        async with websockets.connect(url, origin=origin, additional_headers=headers) as socket:
            output = b""
            while isinstance(message := await asyncio.wait_for(socket.recv(), 10), bytes):
                output += message
            return output, message

    output, final = asyncio.run(run_id())
    assert b"uid=0" in output and json.loads(final) == {"type": "exit", "code": 0}
