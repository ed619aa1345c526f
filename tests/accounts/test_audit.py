"""The audit log: logins, the append-only model, @audited / auditing(), the page, CSV, retention."""

import csv
import datetime
import io

import pytest
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts import audit as audit_module
from accounts.audit import (
    audit,
    audited,
    auditing,
    defer_outcome,
    note_confirmation,
    note_items,
    note_outcome,
    note_rejected,
)
from accounts.models import AuditEntry, BerthSettings, Outcome
from dashboard.engine import EngineError, EngineUnavailable
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- logins


@pytest.mark.postgres_redis
def test_it_records_logins_failed_logins_and_logouts(client, operator):
    client.post("/accounts/login/", {"username": "otto", "password": "wrong"}, REMOTE_ADDR="127.0.0.9")
    client.post("/accounts/login/", {"username": "otto", "password": PASSWORD})
    client.post("/accounts/logout/")
    entries = list(AuditEntry.objects.order_by("at", "id").values_list("action", "username", "outcome", "object_name"))
    assert entries == [
        ("login.failed", "otto", "failed", "otto"),
        ("login", "otto", "ok", "otto"),
        ("logout", "otto", "ok", "otto"),
    ]
    failed = AuditEntry.objects.get(action="login.failed")
    assert failed.address == "127.0.0.9" and failed.user is None


def test_it_records_a_failed_login_for_an_unknown_user(client):
    client.post("/accounts/login/", {"username": "mallory", "password": "guess"})
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.username, entry.object_id, entry.user) == ("login.failed", "mallory", "mallory", None)


# ---------------------------------------------------------------- append-only


def test_it_refuses_to_change_or_delete_an_entry(admin_user, admin_client_):
    entry = audit(None, "container.stop", object_id="abc")
    entry.outcome = Outcome.FAILED
    with pytest.raises(PermissionDenied):
        entry.save()
    with pytest.raises(PermissionDenied):
        entry.delete()
    assert AuditEntry.objects.get().outcome == Outcome.OK
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    assert admin_client_.get(f"/admin/accounts/auditentry/{entry.pk}/delete/").status_code == 403
    change = admin_client_.post(f"/admin/accounts/auditentry/{entry.pk}/change/", {"outcome": "failed"})
    assert change.status_code == 403
    assert admin_client_.get("/admin/accounts/auditentry/add/").status_code == 403
    assert AuditEntry.objects.get().outcome == Outcome.OK


def test_it_has_no_way_to_edit_entries_in_the_berth_ui(admin_client_):
    entry = audit(None, "container.stop", object_id="abc")
    for path in (f"/audit/{entry.pk}/", f"/audit/{entry.pk}/delete/"):
        assert admin_client_.post(path).status_code == 404
    assert admin_client_.post("/audit/").status_code == 405


# ---------------------------------------------------------------- around mutations


def post(user, path="/containers/abc/stop/", htmx=False):
    request = RequestFactory().post(path, REMOTE_ADDR="10.0.0.5", **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    request.user = user
    request.htmx = htmx
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_it_audits_an_action_that_worked(operator):
    @audited("container.stop", object_type="container", id_kwarg="container_id")
    def stop(request, container_id):
        note_outcome(request, Outcome.OK)
        return HttpResponse(status=302)

    stop(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_type, entry.object_id, entry.outcome, entry.username, entry.address) == (
        "container.stop",
        "container",
        "abc",
        "ok",
        "otto",
        "10.0.0.5",
    )


def test_it_audits_the_engine_refusal_a_view_noted_not_the_message_it_showed(operator):
    @audited("container.unpause", object_type="container")
    def unpause(request, container_id):
        note_outcome(request, Outcome.FAILED, "Container abc is not paused")
        messages.error(request, "Could not unpause web: Container abc is not paused")
        messages.error(request, "An unrelated error the outcome is not guessed from")
        return HttpResponse(status=302)

    unpause(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert entry.outcome == "failed" and entry.message == "Container abc is not paused"


def test_it_audits_an_engine_error_that_escaped_and_reraises_it(operator):
    @audited("image.remove", object_type="image")
    def remove(request, image_id):
        raise EngineError("conflict: unable to remove repository reference", 409)

    with pytest.raises(EngineError):
        remove(post(operator), image_id="sha256:1")
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.message) == ("failed", "conflict: unable to remove repository reference")


def test_it_takes_the_outcome_the_view_noted(operator):
    @audited("container.rename", object_type="container")
    def rename(request, container_id):
        note_outcome(request, Outcome.FAILED, "Conflict. The container name is already in use", object_name="web")
        return HttpResponse("form again")

    rename(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.object_name, entry.message) == (
        "failed",
        "web",
        "Conflict. The container name is already in use",
    )


def test_it_guesses_nothing_from_the_status_a_view_that_said_nothing_is_unknown(operator):
    @audited("container.create", object_type="container")
    def create(request):
        return HttpResponse("the form with errors")

    create(post(operator, "/containers/new/"))
    create(post(operator, "/containers/new/", htmx=True))
    assert (
        list(AuditEntry.objects.order_by("id").values_list("outcome", "message"))
        == [("unknown", "the view did not say how it ended")] * 2
    )


def test_it_records_a_rejected_form_with_its_errors(operator):
    from containers.action_forms import RenameForm

    @audited("container.rename", object_type="container")
    def rename(request, container_id):
        note_rejected(request, RenameForm({"name": ""}), object_name="web")
        return HttpResponse("the form with errors")

    rename(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.object_name) == ("rejected", "web") and entry.message.startswith("name: ")


def test_a_confirmation_page_records_nothing(operator):
    @audited("container.kill", object_type="container")
    def kill(request, container_id):
        note_confirmation(request)
        return HttpResponse("Kill web?")

    kill(post(operator), container_id="abc")
    assert not AuditEntry.objects.exists()


def test_many_items_are_one_entry_with_each_result(operator):
    @audited("container.bulk", object_type="container")
    def bulk(request):
        note_items(
            request,
            [
                {"id": "a", "name": "web", "outcome": "ok", "message": ""},
                {"id": "b", "name": "db", "outcome": "failed", "message": "is not running"},
            ],
            action="stop",
        )
        return HttpResponse("results")

    bulk(post(operator, "/containers/bulk/"))
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.message, entry.extra["action"]) == ("failed", "1 of 2 did not succeed", "stop")
    assert [item["outcome"] for item in entry.extra["items"]] == ["ok", "failed"]


def test_a_deferred_outcome_is_written_later_with_the_requests_user_and_address(operator):
    @audited("container.create", object_type="container")
    def create(request):
        create.later = defer_outcome(request, object_name="web")
        return HttpResponse(status=302)

    create(post(operator, "/containers/new/"))
    assert not AuditEntry.objects.exists()
    create.later.record(Outcome.OK, object_id="c0ffee")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.outcome, entry.object_id, entry.object_name, entry.username, entry.address) == (
        "container.create",
        "ok",
        "c0ffee",
        "web",
        "otto",
        "10.0.0.5",
    )


def test_an_engine_timeout_is_unknown_and_the_page_links_to_the_object(operator):
    @audited("container.start", object_type="container")
    def start(request, container_id):
        raise EngineUnavailable("ReadTimeout", timed_out=True)

    with pytest.raises(EngineUnavailable) as raised:
        start(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.message) == ("unknown", "engine timed out")
    assert (raised.value.object_url, raised.value.object_label) == ("/containers/abc/", "container abc")


def test_an_engine_that_refused_the_connection_is_failed(operator):
    @audited("container.start", object_type="container")
    def start(request, container_id):
        raise EngineUnavailable("ConnectionError")

    with pytest.raises(EngineUnavailable) as raised:
        start(post(operator), container_id="abc")
    entry = AuditEntry.objects.get()
    assert (entry.outcome, entry.message) == ("failed", "engine not answering (ConnectionError)")
    assert not getattr(raised.value, "object_url", "")


def test_it_does_not_audit_gets():
    @audited("container.rename")
    def rename(request, container_id):
        return HttpResponse("form")

    request = RequestFactory().get("/containers/abc/rename/")
    rename(request, container_id="abc")
    assert not AuditEntry.objects.exists()


def test_it_audits_a_block_with_auditing(operator):
    request = post(operator)
    with auditing(request, "network.remove", object_type="network", object_id="n1", object_name="backend"):
        pass
    with pytest.raises(EngineError), auditing(request, "network.remove", object_type="network", object_id="n1"):
        raise EngineError("error while removing network: network backend has active endpoints")
    ok, failed = AuditEntry.objects.order_by("id")
    assert (ok.outcome, ok.object_name) == ("ok", "backend")
    assert (failed.outcome, failed.message) == (
        "failed",
        "error while removing network: network backend has active endpoints",
    )


# ---------------------------------------------------------------- the page and CSV


@pytest.fixture
def some_entries(operator, viewer):
    audit(None, "container.stop", object_type="container", object_id="aaa111", object_name="web", user=operator)
    audit(
        None,
        "container.remove",
        object_type="container",
        object_id="bbb222",
        object_name="db",
        user=operator,
        outcome=Outcome.FAILED,
        message="You cannot remove a running container",
    )
    audit(
        None,
        "image.pull",
        object_type="image",
        object_id="busybox:latest",
        object_name="busybox:latest",
        user=viewer,
        outcome=Outcome.DENIED,
        message="needs the operator role",
    )


def rows(response) -> list[str]:
    return [line for line in response.content.decode().split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]]


def test_it_shows_the_audit_log_to_admins_only(some_entries, admin_client_, operator_client):
    assert len(rows(admin_client_.get("/audit/"))) == 3
    assert operator_client.get("/audit/").status_code == 403
    assert operator_client.get("/audit/export.csv").status_code == 403


def test_it_filters_by_user_action_object_outcome_and_time(some_entries, admin_client_):
    assert len(rows(admin_client_.get("/audit/?user=OTTO"))) == 2
    assert len(rows(admin_client_.get("/audit/?action=container."))) == 2
    assert len(rows(admin_client_.get("/audit/?action=container.stop"))) == 1
    assert "db" in rows(admin_client_.get("/audit/?object=db"))[0]
    assert len(rows(admin_client_.get("/audit/?object=bbb"))) == 1
    assert len(rows(admin_client_.get("/audit/?object=image"))) == 1
    assert len(rows(admin_client_.get("/audit/?outcome=denied"))) == 1
    today = timezone.localdate()
    assert len(rows(admin_client_.get(f"/audit/?since={today}&until={today}"))) == 3
    tomorrow = today + datetime.timedelta(days=1)
    assert "No entries match" in rows(admin_client_.get(f"/audit/?since={tomorrow}"))[0]
    earlier = (timezone.localtime() - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert "No entries match" in rows(admin_client_.get(f"/audit/?until={earlier}"))[0]


def test_the_object_filter_finds_a_bulk_entry_by_its_items(some_entries, admin_client_, operator):
    audit(
        None,
        "container.bulk",
        object_type="container",
        user=operator,
        outcome=Outcome.FAILED,
        extra={"action": "stop", "items": [{"id": "ccc333", "name": "cache", "outcome": "failed", "message": "x"}]},
    )
    assert len(rows(admin_client_.get("/audit/?object=cache"))) == 1
    assert len(rows(admin_client_.get("/audit/?object=ccc333"))) == 1


def test_it_exports_the_filtered_log_as_streamed_csv(some_entries, admin_client_):
    response = admin_client_.get("/audit/export.csv?user=otto")
    assert response.streaming and response["Content-Type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["action"], r["object_name"], r["outcome"]) for r in table] == [
        ("container.remove", "db", "failed"),
        ("container.stop", "web", "ok"),
    ]
    assert table[0]["message"] == "You cannot remove a running container"
    assert AuditEntry.objects.filter(action="audit.export", username="ada").exists()


FORMULA = "=cmd|' /C calc'!A0"


def test_it_neutralises_formulas_in_the_csv_export(client, admin_client_):
    # Anyone can put a name into the log: a failed login is recorded with the name tried.
    client.post("/accounts/login/", {"username": FORMULA, "password": "wrong"})
    for start in "+-@\t\r":
        audit(
            None, "container.rename", object_name=f"{start}SUM(1+1)", message=f'{start}HYPERLINK("http://evil.example")'
        )
    table = list(
        csv.DictReader(io.StringIO(b"".join(admin_client_.get("/audit/export.csv").streaming_content).decode()))
    )
    assert [r["username"] for r in table if r["action"] == "login.failed"] == ["'" + FORMULA]
    renames = [r for r in table if r["action"] == "container.rename"]
    assert sorted(r["object_name"] for r in renames) == sorted(f"'{start}SUM(1+1)" for start in "+-@\t\r")
    assert all(r["message"].startswith("'") for r in renames)
    assert not [cell for r in table for cell in r.values() if cell and cell[0] in "=+-@\t\r"]


# ---------------------------------------------------------------- retention


def backdate(entry: AuditEntry, days: int) -> None:
    AuditEntry.objects.filter(pk=entry.pk).update(at=timezone.now() - datetime.timedelta(days=days))


def test_it_prunes_entries_past_the_retention_with_the_command(capsys):
    settings_row = BerthSettings.load()
    settings_row.audit_retention_days = 30
    settings_row.save()
    old, recent = audit(None, "container.stop"), audit(None, "container.start")
    backdate(old, 31)
    backdate(recent, 29)
    call_command("prune_audit")
    assert list(AuditEntry.objects.values_list("action", flat=True)) == ["container.start"]
    assert "Pruned 1 audit entries older than 30 days" in capsys.readouterr().out


def test_it_prunes_on_write_at_most_once_a_day(monkeypatch):
    settings_row = BerthSettings.load()
    settings_row.audit_retention_days = 10
    settings_row.save()
    monkeypatch.setattr(audit_module, "_next_prune_check", 0.0)
    backdate(audit(None, "first"), 11)  # this write pruned (nothing yet) and claimed the day
    monkeypatch.setattr(audit_module, "_next_prune_check", 0.0)
    audit(None, "second")
    assert AuditEntry.objects.filter(action="first").exists()  # not again the same day
    BerthSettings.objects.filter(pk=1).update(audit_pruned_at=timezone.now() - datetime.timedelta(days=2))
    monkeypatch.setattr(audit_module, "_next_prune_check", 0.0)
    audit(None, "third")
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == ["second", "third"]


def test_it_keeps_everything_with_retention_zero():
    settings_row = BerthSettings.load()
    settings_row.audit_retention_days = 0
    settings_row.save()
    backdate(audit(None, "ancient"), 5000)
    call_command("prune_audit")
    assert AuditEntry.objects.filter(action="ancient").exists()
