"""User management at /users/: create, change role, deactivate, reset password; admins only."""

import pytest
from django.test import Client

from accounts.models import AuditEntry, Membership, Outcome
from accounts.roles import role_of
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-passphrase-7"


def audit_of(action: str) -> AuditEntry:
    return AuditEntry.objects.get(action=action)


def test_it_lists_users_with_their_roles(admin_client_, viewer, operator):
    html = admin_client_.get("/users/").content.decode()
    for name in ("ada", "vera", "otto"):
        assert f"<strong>{name}</strong>" in html
    assert 'aria-label="Role of otto"' in html and "Deactivate otto" in html


def test_it_is_for_admins_only(operator_client, viewer_client, viewer):
    for client in (operator_client, viewer_client):
        assert client.get("/users/").status_code == 403
        assert (
            client.post("/users/new/", {"username": "x", "password": NEW_PASSWORD, "role": "admin"}).status_code == 403
        )
        assert client.post(f"/users/{viewer.pk}/role/", {"role": "admin"}).status_code == 403
    assert role_of(viewer) == "viewer"
    assert AuditEntry.objects.filter(outcome=Outcome.DENIED).count() == 6


@pytest.mark.postgres_redis
def test_it_creates_a_user_who_can_log_in_with_that_role(admin_client_, django_user_model):
    response = admin_client_.post("/users/new/", {"username": "nina", "password": NEW_PASSWORD, "role": "operator"})
    assert response.status_code == 302 and response["Location"] == "/users/"
    nina = django_user_model.objects.get(username="nina")
    assert role_of(nina) == "operator"
    assert Client().login(username="nina", password=NEW_PASSWORD)
    entry = audit_of("user.create")
    assert (entry.username, entry.object_name, entry.extra) == ("ada", "nina", {"role": "operator"})


def test_it_refuses_a_bad_new_user(admin_client_, operator, django_user_model):
    response = admin_client_.post("/users/new/", {"username": "OTTO", "password": "123", "role": "operator"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is already a user named OTTO" in html
    response = admin_client_.post("/users/new/", {"username": "sam", "password": "123", "role": "boss"})
    html = response.content.decode()
    assert "too short" in html and "Select a valid choice" in html
    assert not django_user_model.objects.filter(username="sam").exists()
    # Each refused attempt is audited as rejected, with the form's words (issue 10, item 4).
    refused = list(AuditEntry.objects.filter(action="user.create").order_by("id").values_list("outcome", "object_name"))
    assert refused == [("rejected", "OTTO"), ("rejected", "sam")]
    assert "too short" in audit_of_last("user.create").message and "123" not in audit_of_last("user.create").message


def audit_of_last(action: str) -> AuditEntry:
    return AuditEntry.objects.filter(action=action).latest("id")


def test_it_changes_a_role(admin_client_, viewer):
    response = admin_client_.post(f"/users/{viewer.pk}/role/", {"role": "operator"}, follow=True)
    assert "vera is now operator" in response.content.decode()
    viewer.refresh_from_db()
    assert role_of(viewer) == "operator"
    assert audit_of("user.role").extra == {"before": "viewer", "role": "operator"}


def test_it_demoting_a_superuser_takes_the_flag_away(admin_client_, django_user_model):
    root = django_user_model.objects.create_superuser("root", "", PASSWORD)
    admin_client_.post(f"/users/{root.pk}/role/", {"role": "viewer"})
    root = django_user_model.objects.get(pk=root.pk)
    assert not root.is_superuser and role_of(root) == "viewer"


def test_it_refuses_to_change_your_own_role_or_deactivate_yourself(admin_user, admin_client_):
    response = admin_client_.post(f"/users/{admin_user.pk}/role/", {"role": "viewer"}, follow=True)
    assert "cannot change your own role" in response.content.decode()
    response = admin_client_.post(f"/users/{admin_user.pk}/deactivate/", follow=True)
    assert "cannot change your own role or deactivate yourself" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and Membership.objects.get(user=admin_user).role == "admin"
    assert AuditEntry.objects.filter(action__in=["user.role", "user.deactivate"], outcome="rejected").count() == 2


def test_it_lets_another_admin_deactivate_an_admin(admin_user, operator, operator_client):
    Membership.objects.filter(user=operator).update(role="admin")
    assert operator_client.post(f"/users/{admin_user.pk}/deactivate/").status_code == 302
    admin_user.refresh_from_db()
    assert not admin_user.is_active


def test_it_deactivates_and_activates_a_user(admin_client_, operator):
    other = Client()
    other.force_login(operator)
    assert other.get("/users/").status_code == 403  # logged in (an operator)
    admin_client_.post(f"/users/{operator.pk}/deactivate/")
    operator.refresh_from_db()
    assert not operator.is_active
    assert other.get("/containers/").status_code == 302  # the open session is over
    assert not Client().login(username="otto", password=PASSWORD)
    admin_client_.post(f"/users/{operator.pk}/activate/")
    assert Client().login(username="otto", password=PASSWORD)
    assert [e.action for e in AuditEntry.objects.filter(action__startswith="user.").order_by("id")] == [
        "user.deactivate",
        "user.activate",
    ]


def test_it_resets_a_password(admin_client_, operator):
    assert "New password for otto" in admin_client_.get(f"/users/{operator.pk}/password/").content.decode()
    response = admin_client_.post(
        f"/users/{operator.pk}/password/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert Client().login(username="otto", password=NEW_PASSWORD)
    assert audit_of("user.password").object_name == "otto"
    mismatch = admin_client_.post(
        f"/users/{operator.pk}/password/", {"new_password1": NEW_PASSWORD, "new_password2": "other"}
    )
    assert "didn’t match" in mismatch.content.decode()
