"""In Chromium: Berth's pages run under the Content-Security-Policy without a single violation."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


def test_it_violates_no_csp_on_any_page(page, berth_server, engine):
    container = engine.container("sleep 300")
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.on("pageerror", lambda error: violations.append(str(error)))
    paths = [
        "/",
        "/system/df/",
        "/system/prune/",
        "/containers/",
        "/images/",
        "/volumes/",
        "/networks/",
        "/users/",
        "/audit/",
        "/settings/",
        f"/containers/{container['Id']}/",
        f"/containers/{container['Id']}/logs/",
        f"/containers/{container['Id']}/exec/",
    ]
    for path in paths:
        response = page.goto(f"{berth_server.url}{path}")
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
    assert violations == []
    assert page.evaluate("typeof htmx") == "object"  # htmx loaded from 'self' and ran


def test_it_shows_the_admin_pages(page, berth_server):
    page.goto(f"{berth_server.url}/users/")
    assert page.locator("nav.mainnav a", has_text="Audit").is_visible()
    page.locator("a", has_text="Add a user").click()
    page.locator("input[name=username]").fill("browser-viewer")
    page.locator("select[name=role]").select_option("viewer")
    page.locator("input[name=password]").fill("browser-viewer-password-1")
    page.locator("button", has_text="Add user").click()
    # expect() waits for the page after the POST; is_visible() looked once (and failed under load)
    expect(page.locator(".message.success", has_text="Created browser-viewer (viewer)")).to_be_visible()
    page.goto(f"{berth_server.url}/audit/?action=user.create")
    assert page.locator("table.audit tbody tr", has_text="browser-viewer").count() == 1


def test_chromium_understands_every_feature_of_the_permissions_policy(page, berth_server, engine):
    container = engine.container("sleep 300")
    complaints: list[str] = []
    page.on("console", lambda message: "feature" in message.text.lower() and complaints.append(message.text))
    response = page.goto(f"{berth_server.url}/containers/{container['Id']}/exec/")
    assert "camera=()" in response.headers["permissions-policy"]
    page.wait_for_load_state("networkidle")
    assert complaints == []  # e.g. "Error with Permissions-Policy header: Unrecognized feature"
    allowed = page.evaluate(
        "['camera', 'microphone', 'geolocation', 'usb', 'clipboard-write']"
        ".map((feature) => document.featurePolicy.allowsFeature(feature))"
    )
    assert allowed == [False, False, False, False, True]  # copy from the terminal still works
