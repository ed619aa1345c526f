"""Repeated identical denials within a minute are one audit row with an exact count (issue 10, item 12a)."""

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEntry
from tests.accounts.conftest import client_for

pytestmark = pytest.mark.django_db


def denials(action: str = "containers.stop"):
    return list(AuditEntry.objects.filter(action=action, outcome="denied").order_by("at", "id"))


def test_a_viewer_hammering_a_refused_action_writes_one_row_with_the_exact_count(viewer_client):
    for _ in range(25):
        assert viewer_client.post("/containers/berth-test-nope/stop/").status_code == 403
    [row] = denials()
    assert row.count == 25
    assert row.username == "vera" and row.object_id == "berth-test-nope"


def test_different_denials_stay_apart(viewer, viewer_client):
    viewer_client.post("/containers/berth-test-one/stop/")
    viewer_client.post("/containers/berth-test-two/stop/")  # another object
    viewer_client.post("/containers/berth-test-one/stop/", REMOTE_ADDR="127.0.0.7")  # another address
    viewer_client.post("/containers/berth-test-one/kill/")  # another action
    other = Client()
    other.force_login(viewer)
    other.post("/containers/berth-test-one/stop/")  # the same again: counted
    assert sorted((row.object_id, row.address, row.count) for row in denials()) == [
        ("berth-test-one", "127.0.0.1", 2),
        ("berth-test-one", "127.0.0.7", 1),
        ("berth-test-two", "127.0.0.1", 1),
    ]
    assert [row.count for row in denials("containers.kill")] == [1]


def test_a_denial_after_the_minute_opens_a_new_row(viewer_client):
    for _ in range(3):
        viewer_client.post("/containers/berth-test-nope/stop/")
    [first] = denials()
    AuditEntry.objects.filter(pk=first.pk).update(at=timezone.now() - datetime.timedelta(seconds=61))
    viewer_client.post("/containers/berth-test-nope/stop/")
    assert [row.count for row in denials()] == [3, 1]


def test_only_denials_are_counted_together(operator, operator_client):
    for _ in range(3):
        operator_client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong"})
    assert AuditEntry.objects.filter(action="login.failed").count() == 3  # the login throttle counts rows


def test_a_counted_row_stays_append_only(viewer_client):
    viewer_client.post("/containers/berth-test-nope/stop/")
    viewer_client.post("/containers/berth-test-nope/stop/")
    [row] = denials()
    row.message = "nothing happened"
    with pytest.raises(PermissionDenied):
        row.save()
    with pytest.raises(PermissionDenied):
        row.delete()


def test_the_audit_page_and_the_csv_show_the_count(viewer_client, admin_user):
    for _ in range(7):
        viewer_client.post("/containers/berth-test-nope/stop/")
    admin = client_for(admin_user)
    page = admin.get("/audit/", {"action": "containers.stop"}).content.decode()
    assert "×7" in page
    rows = list(
        csv.DictReader(
            io.StringIO(
                b"".join(admin.get("/audit/export.csv", {"action": "containers.stop"}).streaming_content).decode()
            )
        )
    )
    assert [(row["outcome"], row["count"]) for row in rows] == [("denied", "7")]
