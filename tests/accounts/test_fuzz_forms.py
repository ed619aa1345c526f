"""Hypothesis on the users and settings forms: no input gives a 500; a rejected one changes nothing."""

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditEntry, BerthSettings
from tests.accounts.conftest import client_for

pytestmark = pytest.mark.django_db
FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
texts = st.one_of(
    st.text(max_size=40), st.sampled_from(["", " ", "admin", "operator", "viewer", "a" * 200, "x\x00y", "ada"])
)


@FUZZ
@given(username=texts, password=texts, role=texts)
def test_it_never_fails_on_any_new_user(admin_user, username, password, role):
    client = client_for(admin_user)
    User = get_user_model()
    before = User.objects.count()
    response = client.post("/users/new/", {"username": username, "password": password, "role": role})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert User.objects.count() == before
    else:
        assert User.objects.count() == before + 1
        assert AuditEntry.objects.filter(action="user.create", object_name=username.strip()).exists()


@FUZZ
@given(
    values=st.dictionaries(
        st.sampled_from(["operators_may_run_privileged", "operators_may_bind_mount", "audit_retention_days"]), texts
    )
)
def test_it_never_fails_on_any_settings(admin_user, values):
    client = client_for(admin_user)
    before = BerthSettings.load().audit_retention_days
    response = client.post("/settings/", values)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert BerthSettings.load().audit_retention_days == before
