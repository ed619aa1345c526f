"""The self-service password change: audited, and throttled per account like logins (issue 10, item 12b)."""

import pytest
from django.test import Client

from accounts.models import AuditEntry
from tests.accounts.conftest import PASSWORD, client_for

pytestmark = pytest.mark.django_db
NEW = "a-brand-new-password-4"


def change(client: Client, old: str, new: str = NEW):
    return client.post("/accounts/password_change/", {"old_password": old, "new_password1": new, "new_password2": new})


def entries(action: str):
    return list(AuditEntry.objects.filter(action=action).order_by("at", "id"))


def test_a_successful_change_is_audited(operator, operator_client):
    response = change(operator_client, PASSWORD)
    assert response.status_code == 302 and response.url.endswith("/password_change/done/")
    operator.refresh_from_db()
    assert operator.check_password(NEW)
    [entry] = entries("user.password.change")
    assert (entry.username, entry.object_type, entry.object_id, entry.outcome) == ("otto", "user", "otto", "ok")


def test_a_wrong_old_password_is_audited_and_changes_nothing(operator, operator_client):
    response = change(operator_client, "not-my-password")
    assert response.status_code == 200
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)
    [entry] = entries("user.password.change.failed")
    assert (entry.username, entry.object_id, entry.outcome) == ("otto", "otto", "failed")
    assert not entries("user.password.change")


def test_an_invalid_new_password_is_audited_as_rejected(operator, operator_client):
    assert change(operator_client, PASSWORD, "short").status_code == 200
    [entry] = entries("user.password.change")
    assert entry.outcome == "rejected"
    assert not entries("user.password.change.failed")  # the old password was right: no throttle count


def test_wrong_old_passwords_are_throttled_per_account(operator, viewer, operator_client, viewer_client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    for _ in range(5):
        assert change(operator_client, "guess").status_code == 200
    response = change(operator_client, PASSWORD)  # the right one, too late
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    operator.refresh_from_db()
    assert operator.check_password(PASSWORD)
    assert [e.outcome for e in entries("user.password.change.throttled")] == ["denied"]
    # Counted per account: another user, and another session of the same one, share nothing but that.
    assert change(viewer_client, PASSWORD).status_code == 302
    assert change(client_for(operator), PASSWORD).status_code == 429


def test_a_successful_change_forgets_earlier_failures(operator, operator_client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    change(operator_client, "guess")
    change(operator_client, "guess")
    assert change(operator_client, PASSWORD).status_code == 302
    change(operator_client, "guess")
    change(operator_client, "guess")
    assert change(operator_client, NEW, "yet-another-password-5").status_code == 302
