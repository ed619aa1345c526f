"""Writing the audit log: `audit()` for one entry, `@audited` and `auditing()` around mutations.

`source` is what the action came through: an HttpRequest, a websocket's ASGI scope, or None
(a management command). The user and client address are taken from it.
"""

import contextlib
import datetime
import functools
import logging
import time

from channels.db import database_sync_to_async
from django.contrib import messages
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.models import AuditEntry, BerthSettings, Outcome
from accounts.proxies import request_address, scope_address
from dashboard.engine import EngineError

logger = logging.getLogger("berth.audit")
PRUNE_INTERVAL = datetime.timedelta(days=1)
# Each process asks the database whether a prune is due at most this often (seconds).
PRUNE_CHECK_SECONDS = 600
_next_prune_check = 0.0


def _who(source, user) -> tuple:
    if user is None and source is not None:
        user = source.get("user") if isinstance(source, dict) else getattr(source, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    return user, user.get_username()


def _address(source) -> str:
    if isinstance(source, dict):
        return scope_address(source)
    return request_address(source)


def audit(
    source,
    action: str,
    *,
    object_type: str = "",
    object_id: str = "",
    object_name: str = "",
    outcome: str = Outcome.OK,
    message: str = "",
    extra: dict | None = None,
    user=None,
    username: str = "",
) -> AuditEntry:
    """Record one entry. `user` overrides the source's user (e.g. a login before it is attached)."""
    who, name = _who(source, user)
    fields = dict(
        user=who,
        username=(name or username)[:150],
        address=_address(source)[:64],
        action=action[:64],
        object_type=object_type[:32],
        object_id=str(object_id)[:255],
        object_name=str(object_name)[:255],
        outcome=str(outcome),
        message=str(message),
        extra=extra or {},
    )
    entry = _count_repeat(fields) or AuditEntry.objects.create(**fields)
    logger.info("%s", entry)
    prune_if_due()
    return entry


REPEAT_WINDOW = datetime.timedelta(minutes=1)


def _count_repeat(fields: dict) -> AuditEntry | None:
    """A denial identical to one recorded less than REPEAT_WINDOW ago: that row, its count bumped.

    A viewer can be refused about 20 times a second; one row per kind of refusal per minute,
    with the exact number, keeps the log readable without losing any. The count is the one
    field ever changed after the write, by an atomic update() (save() still refuses), so two
    processes counting at once lose nothing: at worst they open two rows.
    """
    if fields["outcome"] != Outcome.DENIED:
        return None
    same = {name: value for name, value in fields.items() if name != "extra"}
    recent = AuditEntry.objects.filter(at__gte=timezone.now() - REPEAT_WINDOW, **same).order_by("-at", "-id")[:5]
    for entry in recent:
        if entry.extra == fields["extra"]:  # JSON compared here, alike on SQLite and PostgreSQL
            AuditEntry.objects.filter(pk=entry.pk).update(count=F("count") + 1)
            entry.count += 1
            return entry
    return None


aaudit = database_sync_to_async(audit)
aaudit.__doc__ = "audit() for consumers: `await aaudit(self.scope, 'container.exec', ...)`."


# ---------------------------------------------------------------- around a mutation


def note_outcome(request: HttpRequest, outcome: str, message: str = "", *, object_name: str = "", **extra) -> None:
    """Tell @audited how a view's action really ended (e.g. an engine refusal shown on a form)."""
    request.berth_audit = {"outcome": str(outcome), "message": message, "object_name": object_name, "extra": extra}


def audit_removals(request: HttpRequest, object_type: str, results) -> None:
    """One entry per object of a "remove unused" confirmation, each with its own outcome."""
    for result in results:
        audit(request, f"{object_type}.remove", object_type=object_type, object_id=result.name, object_name=result.name,
              outcome="ok" if result.ok else "failed", message=result.error, extra={"via": "remove unused"})


def _error_messages_since(request: HttpRequest, before: int) -> list[str]:
    queued = getattr(getattr(request, "_messages", None), "_queued_messages", [])
    return [str(m.message) for m in queued[before:] if m.level >= messages.ERROR]


def _outcome_of(request: HttpRequest, response: HttpResponse, before: int) -> tuple[str, str]:
    errors = _error_messages_since(request, before)
    if errors:
        return Outcome.FAILED, " ".join(errors)
    if response.status_code >= 400:
        return Outcome.FAILED, f"HTTP {response.status_code}"
    if response.status_code == 200 and not getattr(request, "htmx", False):
        # Berth's plain POSTs redirect when done; a 200 is a form shown again.
        return Outcome.REJECTED, "the form was shown again (invalid input or refused)"
    return Outcome.OK, ""


def audited(action: str, object_type: str = "", id_kwarg: str | None = None):
    """View decorator: one audit entry per POST with its outcome; GETs are not recorded.

    The outcome is, first that applies: what the view said with note_outcome(); an EngineError
    that escaped the view ("failed", the engine's message; re-raised); an error-level message
    the view queued ("failed", its text); a 4xx/5xx ("failed"); a plain POST answered 200
    ("rejected": Berth's plain POSTs redirect when done); otherwise "ok". `id_kwarg` names the
    URL argument that identifies the object (default: the first one).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            object_id = str(kwargs.get(id_kwarg) if id_kwarg else next(iter(kwargs.values()), "") or "")
            before = len(getattr(getattr(request, "_messages", None), "_queued_messages", []))
            try:
                response = view(request, *args, **kwargs)
            except EngineError as e:
                audit(request, action, object_type=object_type, object_id=object_id, outcome=Outcome.FAILED, message=e.message)
                raise
            noted = getattr(request, "berth_audit", None)
            if noted:
                outcome, message = noted["outcome"], noted["message"]
            else:
                outcome, message = _outcome_of(request, response, before)
            audit(
                request, action, object_type=object_type, object_id=object_id,
                object_name=(noted or {}).get("object_name", ""), outcome=outcome, message=message,
                extra=(noted or {}).get("extra") or {},
            )
            return response

        return wrapper

    return decorator


@contextlib.contextmanager
def auditing(source, action: str, *, object_type: str = "", object_id: str = "", object_name: str = "", **extra):
    """Record the action around a block: "ok" if it finishes, "failed" with the EngineError text if not.

        with auditing(request, "image.remove", object_type="image", object_id=image_id):
            services.remove_image(image_id)
    """
    fields = {"object_type": object_type, "object_id": object_id, "object_name": object_name, "extra": extra}
    try:
        yield
    except EngineError as e:
        audit(source, action, outcome=Outcome.FAILED, message=e.message, **fields)
        raise
    audit(source, action, **fields)


# ---------------------------------------------------------------- retention


def prune(now: datetime.datetime | None = None) -> int:
    """Delete the entries older than the retention setting; the number deleted."""
    days = BerthSettings.load().audit_retention_days
    if not days:
        return 0
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


def prune_if_due() -> None:
    """Prune at most once a day across every process: the first to claim the day does it."""
    global _next_prune_check
    if time.monotonic() < _next_prune_check:
        return
    _next_prune_check = time.monotonic() + PRUNE_CHECK_SECONDS
    now = timezone.now()
    due = Q(audit_pruned_at__isnull=True) | Q(audit_pruned_at__lt=now - PRUNE_INTERVAL)
    BerthSettings.load()
    with transaction.atomic():
        claimed = BerthSettings.objects.filter(due, pk=1).update(audit_pruned_at=now)
    if claimed:
        deleted = prune(now)
        if deleted:
            logger.info("pruned %d audit entries past the retention period", deleted)
