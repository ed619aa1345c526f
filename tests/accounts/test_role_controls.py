"""Pages show only the controls the user's role may use (issue 11, item 13).

Every page a role may open is rendered for that role against the real engine, and every
control on it (a link, a submit button with its form's or its own target, an hx-get/hx-post)
is resolved to its view: the view's @role_required (`berth_role`) must be the user's role or
below. A "select all" checkbox must have row checkboxes to select. The positive side: an
operator (an admin) does get the controls a viewer (an operator) does not.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import Resolver404, resolve

from accounts.roles import has_role
from images import pulls
from images.services import ImageListing
from tests.conftest import TEST_LABEL, random_name, wait_for
from tests.images import BUSYBOX_IMAGE
from tests.networks.helpers import make_network

pytestmark = pytest.mark.django_db

HX_VERBS = ("hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete")


class Controls(HTMLParser):
    """(target path, what) for every control on a page, and the select-all boxes and row boxes."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self.forms: list[str] = []
        self.select_all: list[str] = []
        self.checkbox_names: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(attrs.get("action") or "")
        if tag == "a" and attrs.get("href"):
            self.found.append((attrs["href"], f"link {attrs['href']}"))
        submits = (
            tag == "button"
            and attrs.get("type", "submit") == "submit"
            or tag == "input"
            and attrs.get("type") == "submit"
        )
        if submits and (attrs.get("formaction") or self.forms):
            target = attrs.get("formaction") or self.forms[-1]
            self.found.append((target, f"button {attrs.get('name', '')}={attrs.get('value', '')} -> {target}"))
        for verb in HX_VERBS:
            if attrs.get(verb):
                self.found.append((attrs[verb], f"{tag} {verb}={attrs[verb]}"))
        if tag == "input" and attrs.get("type") == "checkbox":
            if "data-select-all" in attrs:
                self.select_all.append(attrs["data-select-all"])
            elif attrs.get("name"):
                self.checkbox_names.add(attrs["name"])

    def handle_endtag(self, tag):
        if tag == "form" and self.forms:
            self.forms.pop()


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def needed_role(target: str) -> str | None:
    """The role the control's view needs; None for anything that is not a Berth view (static, other hosts)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    return getattr(match.func, "berth_role", None)


def forbidden_controls(html: str, user) -> list[str]:
    page = controls(html)
    wrong = [what for target, what in page.found if (role := needed_role(target)) and not has_role(user, role)]
    wrong += [
        f"select-all for {name!r} without a box to select"
        for name in page.select_all
        if name not in page.checkbox_names
    ]
    return wrong


@pytest.fixture
def objects(engine, docker_client):
    """One of each kind of object a page shows controls for, all matching the search `token`."""
    token = random_name("ctl")
    running = engine.container("sh", name=f"{token}-run", tty=True, stdin_open=True)
    created = engine.container("sh", name=f"{token}-new", start=False, tty=True, stdin_open=True)
    volume = docker_client.api.create_volume(f"{token}-vol", labels=TEST_LABEL)["Name"]
    engine.volumes.append(volume)
    network = make_network(engine, docker_client, name=f"{token}-net")
    image = docker_client.api.inspect_image(BUSYBOX_IMAGE)["Id"]
    # A pull that fails at once (nothing listens there): its page offers to try again.
    job_id = pulls.start_pull(f"127.0.0.1:9/{token}:1")
    wait_for(lambda: not pulls.get_job(job_id).running, timeout=30, message="the pull to fail")
    return {
        "token": token,
        "running": running["Id"],
        "created": created["Id"],
        "volume": volume,
        "network": network["Id"],
        "image": image,
        "job": job_id,
    }


def viewer_pages(o) -> list[str]:
    """Every page a viewer may open, with objects that make each show all its controls."""
    return [
        "/",
        "/system/df/",
        f"/containers/?all=1&q={o['token']}",
        f"/containers/{o['running']}/",
        f"/containers/{o['created']}/",
        f"/containers/{o['running']}/logs/",
        f"/containers/{o['created']}/logs/",
        "/images/",
        f"/images/{o['image']}/",
        f"/images/pulls/{o['job']}/",
        f"/volumes/?q={o['token']}",
        f"/volumes/?q={o['token']}-none",
        f"/volumes/{o['volume']}/",
        f"/networks/?q={o['token']}",
        f"/networks/{o['network']}/",
    ]


def operator_pages(o) -> list[str]:
    """The pages only an operator (or an admin) may open."""
    return [
        "/containers/new/",
        f"/containers/new/?from={o['running']}",
        f"/containers/{o['running']}/rename/",
        f"/containers/{o['created']}/remove/",
        f"/containers/{o['running']}/attach/",
        f"/containers/{o['created']}/attach/?start=1",
        f"/containers/{o['running']}/exec/",
        "/images/pull/",
        f"/images/{o['image']}/tag/",
        "/system/prune/",
    ]


def page_html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def test_a_viewer_sees_no_control_it_may_not_use(viewer_client, viewer, objects):
    wrong = {path: forbidden_controls(page_html(viewer_client, path), viewer) for path in viewer_pages(objects)}
    failing = {path: found for path, found in wrong.items() if found}
    assert not failing, "\n".join(f"{path}: {found}" for path, found in failing.items())


def test_an_operator_sees_no_admin_control(operator_client, operator, objects):
    wrong = {
        path: forbidden_controls(page_html(operator_client, path), operator)
        for path in viewer_pages(objects) + operator_pages(objects)
    }
    failing = {path: found for path, found in wrong.items() if found}
    assert not failing, "\n".join(f"{path}: {found}" for path, found in failing.items())
    response = operator_client.post(f"/containers/{objects['running']}/kill/")  # the confirmation page
    assert forbidden_controls(response.content.decode(), operator) == []


def roles_of_controls(html: str) -> set[str]:
    return {role for target, _ in controls(html).found if (role := needed_role(target))}


def test_an_operator_gets_the_controls_a_viewer_does_not(viewer_client, operator_client, objects):
    running, created = objects["running"], objects["created"]
    logs = page_html(operator_client, f"/containers/{running}/logs/")
    assert f'href="/containers/{running}/exec/"' in logs and f'href="/containers/{running}/attach/"' in logs
    assert f'href="/containers/{created}/attach/?start=1"' in page_html(operator_client, f"/containers/{created}/logs/")
    listing = controls(page_html(operator_client, f"/containers/?all=1&q={objects['token']}"))
    assert listing.select_all == ["ids"] and "ids" in listing.checkbox_names
    viewer_listing = controls(page_html(viewer_client, f"/containers/?all=1&q={objects['token']}"))
    assert viewer_listing.select_all == [] and "ids" not in viewer_listing.checkbox_names
    assert 'href="/images/pull/?reference=' in page_html(operator_client, f"/images/pulls/{objects['job']}/")
    assert "operator" in roles_of_controls(page_html(operator_client, f"/containers/{running}/"))


def test_an_admin_gets_the_admin_controls(admin_client_, objects):
    for path in (
        f"/volumes/?q={objects['token']}",
        f"/volumes/{objects['volume']}/",
        f"/networks/{objects['network']}/",
        f"/images/{objects['image']}/",
        f"/containers/{objects['running']}/",
    ):
        assert "admin" in roles_of_controls(page_html(admin_client_, path)), path
    # A search that matches none says so, rather than "No volumes yet. Create one."
    assert "No volume matches this filter." in page_html(admin_client_, f"/volumes/?q={objects['token']}-none")


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_an_empty_image_list_offers_a_pull_only_to_an_operator(role, request):
    # An engine without any image cannot be had beside the others' tests: the list's own
    # partial, rendered for an empty listing as the view renders it.
    user = request.getfixturevalue(role)
    page = RequestFactory().get("/images/")
    page.user = user
    html = render_to_string(
        "images/list.html#image-table",
        {"listing": ImageListing(rows=[], total=0, matching=0), "sort_urls": {}, "query": {}},
        request=page,
    )
    assert "No images yet" in html
    assert ('href="/images/pull/"' in html) == (role == "operator")
    assert forbidden_controls(html, user) == []
