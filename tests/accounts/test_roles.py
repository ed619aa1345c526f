"""Roles: role_of/has_role, @role_required (403, audited), the template flags."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.context_processors import roles
from accounts.models import AuditEntry, Membership, Outcome
from accounts.roles import has_role, role_of, role_required

pytestmark = pytest.mark.django_db


@role_required("operator")
def stop_something(request, container_id: str) -> HttpResponse:
    return HttpResponse("stopped")


def request_as(user, path: str = "/containers/abc/stop/"):
    request = RequestFactory().post(path, REMOTE_ADDR="10.1.2.3")
    request.user = user
    return request


def test_it_ranks_viewer_operator_admin(viewer, operator, admin_user, user):
    assert [role_of(u) for u in (viewer, operator, admin_user, user)] == ["viewer", "operator", "admin", "admin"]
    assert has_role(operator, "viewer") and has_role(operator, "operator") and not has_role(operator, "admin")
    assert not has_role(viewer, "operator")
    assert has_role(user, "admin")  # a superuser is always an admin


def test_it_makes_a_user_without_membership_a_viewer_and_anonymous_nothing(django_user_model):
    plain = django_user_model.objects.create_user("pat", password="x")
    assert role_of(plain) == "viewer"
    assert role_of(AnonymousUser()) is None and not has_role(AnonymousUser(), "viewer")
    plain.is_active = False
    plain.__dict__.pop("_berth_role", None)
    assert role_of(plain) is None


def test_it_refuses_a_typo_in_a_role_name():
    with pytest.raises(ValueError):
        role_required("operater")


def test_it_lets_the_role_through(operator, admin_user):
    for user in (operator, admin_user):
        response = stop_something(request_as(user), container_id="abc")
        assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_it_answers_403_with_a_page_and_audits_the_refusal(viewer):
    response = stop_something(request_as(viewer), container_id="abc")
    assert response.status_code == 403
    html = response.content.decode()
    assert "needs the <strong>operator</strong> role" in html and "your role is <strong>viewer</strong>" in html
    entry = AuditEntry.objects.get()
    assert (entry.username, entry.action, entry.object_id, entry.outcome) == (
        "vera",
        "tests.stop_something",
        "abc",
        Outcome.DENIED,
    )
    assert entry.address == "10.1.2.3" and entry.message == "needs the operator role"
    assert entry.extra == {"method": "POST", "path": "/containers/abc/stop/"}


def test_it_sends_anonymous_users_to_the_login_page():
    response = stop_something(request_as(AnonymousUser()), container_id="abc")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_it_gives_templates_role_flags(operator):
    flags = roles(request_as(operator))["perms_role"]
    assert (flags.name, flags.viewer, flags.operator, flags.admin) == ("operator", True, True, False)


def test_it_shows_admin_links_only_to_admins(viewer_client, admin_client_, operator):
    assert b'href="/audit/"' not in viewer_client.get("/accounts/login/").content
    Membership.objects.filter(user=operator).update(role="admin")
    page = admin_client_.get("/users/").content.decode()
    assert 'href="/audit/"' in page and 'href="/settings/"' in page and 'href="/users/"' in page


def test_it_answers_an_htmx_request_with_a_message_aimed_at_the_messages_box(viewer_client, viewer):
    response = viewer_client.post("/users/new/", headers={"HX-Request": "true", "HX-Target": "user-table"})
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#messages" and response["HX-Reswap"] == "outerHTML"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="messages"') and "this needs the admin role" in html
    assert AuditEntry.objects.filter(username="vera", outcome=Outcome.DENIED).count() == 1
