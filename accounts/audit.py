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
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import AuditEntry, BerthSettings, Outcome
from accounts.proxies import request_address, scope_address
from dashboard.engine import EngineError, EngineUnavailable

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
# A view under @audited SAYS how each POST ended, with note_outcome(); nothing is guessed
# from messages or status codes (issue 10, item 4). See accounts/README.md, "Audit log".

CONFIRMATION, DEFERRED = "confirmation", "deferred"  # a POST that writes no entry now


def note_outcome(
    request: HttpRequest, outcome: str, message: str = "", *, object_id: str = "", object_name: str = "", **extra
) -> None:
    """Say how this POST ended; @audited writes it as the one entry (the last call wins).

    `object_id` replaces the URL's (e.g. the id of a container just created); `extra` is kept as JSON.
    """
    request.berth_audit = {
        "outcome": str(outcome),
        "message": str(message),
        "object_id": str(object_id),
        "object_name": str(object_name),
        "extra": extra,
    }


def form_errors(form) -> str:
    """A refused form's errors as one line for an entry's message ("field: error ...")."""
    errors = [
        f"{name}: {error}" if name != "__all__" else error for name, errors in form.errors.items() for error in errors
    ]
    return " ".join(errors) or "invalid input"


def note_rejected(request: HttpRequest, form, **fields) -> None:
    """The input was refused before anything was asked of the engine: "rejected", with the form's errors."""
    note_outcome(request, Outcome.REJECTED, form_errors(form), **fields)


def note_confirmation(request: HttpRequest) -> None:
    """This POST only showed a confirmation page: nothing was done, so nothing is recorded."""
    request.berth_audit = {"skip": CONFIRMATION}


def note_items(request: HttpRequest, items: list[dict], **extra) -> None:
    """The outcome of an action on many objects: ONE entry, each item's result in `extra["items"]`.

    Each item is {"id", "name", "outcome", "message"}; the entry is "ok" when every item is,
    else the one outcome they share, else "failed" ("k of n did not succeed").
    """
    note_outcome(request, *items_outcome(items), items=items, **extra)


def items_outcome(items: list[dict]) -> tuple[str, str]:
    """(outcome, message) of an action on many objects, from its items (see note_items)."""
    outcomes = {item["outcome"] for item in items}
    if outcomes <= {Outcome.OK}:
        return Outcome.OK, ""
    outcome = outcomes.pop() if len(outcomes) == 1 else Outcome.FAILED
    return outcome, f"{sum(item['outcome'] != Outcome.OK for item in items)} of {len(items)} did not succeed"


def item_result(object_id: str, name: str = "", error: str = "", outcome: str | None = None) -> dict:
    """One entry of note_items(): "ok", or "failed" with the engine's words (or `outcome`, e.g.
    "denied" for an item Berth itself refused)."""
    outcome = outcome or (Outcome.FAILED if error else Outcome.OK)
    return {"id": str(object_id), "name": str(name or object_id), "outcome": str(outcome), "message": str(error)}


def outcome_of_exception(error: BaseException) -> tuple[str, str]:
    """The outcome of a change that ended with this exception (the view noted none)."""
    if isinstance(error, EngineUnavailable):
        if error.timed_out:  # the request went out: the engine may have done it
            return Outcome.UNKNOWN, "engine timed out"  # not UI: audit text, stored as written
        detail = error.detail or "no connection"
        return Outcome.FAILED, f"engine not answering ({detail})"  # not UI: audit text, stored as written
    if isinstance(error, EngineError):
        return Outcome.FAILED, error.message
    if isinstance(error, Http404):
        return Outcome.FAILED, str(error) or "not found"
    if isinstance(error, PermissionDenied):
        return Outcome.DENIED, str(error)
    return Outcome.UNKNOWN, f"Berth failed: {type(error).__name__}"


class _Captured:
    """Who and from where, copied from a request so an entry can be written after it ended."""

    def __init__(self, request: HttpRequest):
        self.user = getattr(request, "user", None)
        self.META = {"REMOTE_ADDR": request_address(request)}


class Deferred:
    """An entry whose outcome is known only later, e.g. in a pull's thread (see defer_outcome)."""

    def __init__(self, request: HttpRequest, action: str, object_type: str, object_id: str, object_name: str):
        self.source = _Captured(request)
        self.fields = {"object_type": object_type, "object_id": object_id, "object_name": object_name}
        self.action = action

    def record(self, outcome: str, message: str = "", *, object_id: str = "", object_name: str = "", **extra) -> None:
        fields = {**self.fields, **{k: v for k, v in (("object_id", object_id), ("object_name", object_name)) if v}}
        audit(self.source, self.action, outcome=outcome, message=message, extra=extra, **fields)

    def record_items(self, items: list[dict], **extra) -> None:
        """note_items(), later: ONE entry with each item's result, e.g. from a bulk job's thread."""
        self.record(*items_outcome(items), items=items, **extra)

    @contextlib.contextmanager
    def recording(self):
        """Record the block's outcome when it ends: "ok", or what its exception means (re-raised).
        The block may add `object_id`/`object_name`/extra to the dict it is given."""
        fields: dict = {}
        try:
            yield fields
        except Exception as e:
            self.record(*outcome_of_exception(e), **fields)
            raise
        self.record(Outcome.OK, **fields)


def defer_outcome(request: HttpRequest, *, object_name: str = "") -> Deferred:
    """The outcome of this POST is known only later: @audited writes nothing now, and
    `.record(...)` / `with .recording():` writes the entry then, with this request's user and address."""
    action, object_type, object_id = request.berth_audited
    request.berth_audit = {"skip": DEFERRED}
    return Deferred(request, action, object_type, object_id, object_name)


def _object_link(object_type: str, object_id: str) -> tuple[str, str]:
    """Where to look at an object a timed-out change was about: its page, else its list."""
    try:
        if object_id:
            bare = object_id.removeprefix("sha256:")
            short = bare[:12] if len(bare) == 64 else object_id  # an engine id, not a name
            return reverse(f"{object_type}s:detail", args=[object_id]), f"{object_type} {short}"
        return reverse(f"{object_type}s:list"), f"the {object_type}s"
    except NoReverseMatch:
        return "", ""


def _write(request: HttpRequest, action: str, object_type: str, object_id: str, noted: dict) -> None:
    audit(
        request,
        action,
        object_type=object_type,
        object_id=noted.get("object_id") or object_id,
        object_name=noted.get("object_name", ""),
        outcome=noted["outcome"],
        message=noted.get("message", ""),
        extra=noted.get("extra") or {},
    )


def audited(action: str, object_type: str = "", id_kwarg: str | None = None):
    """View decorator: one audit entry per POST, with the outcome the view noted; GETs are not recorded.

    The view calls note_outcome() on every path (or note_items(), note_confirmation(),
    defer_outcome()). An exception that escapes before it did is recorded by what it means
    (outcome_of_exception: an engine timeout is "unknown", and the 503 page links to the
    object) and re-raised. `id_kwarg` names the URL argument that identifies the object
    (default: the first one).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return view(request, *args, **kwargs)
            object_id = str(kwargs.get(id_kwarg) if id_kwarg else next(iter(kwargs.values()), "") or "")
            request.berth_audited = (action, object_type, object_id)
            try:
                response = view(request, *args, **kwargs)
            except Exception as e:
                noted = getattr(request, "berth_audit", None)
                if noted is None:
                    outcome, message = outcome_of_exception(e)
                    noted = {"outcome": outcome, "message": message}
                    if outcome == Outcome.UNKNOWN and isinstance(e, EngineUnavailable):
                        e.object_url, e.object_label = _object_link(object_type, object_id)
                if "skip" not in noted:
                    _write(request, action, object_type, object_id, noted)
                raise
            noted = getattr(request, "berth_audit", None)
            if noted is None:
                # A view that forgot to say: still recorded, never silently dropped.
                logger.error("%s answered a POST without noting its outcome", view.__qualname__)
                unsaid = "the view did not say how it ended"  # not UI: audit text, stored as written
                noted = {"outcome": Outcome.UNKNOWN, "message": unsaid}
            if "skip" not in noted:
                _write(request, action, object_type, object_id, noted)
            return response

        return wrapper

    return decorator


@contextlib.contextmanager
def auditing(source, action: str, *, object_type: str = "", object_id: str = "", object_name: str = "", **extra):
    """Record the action around a block: "ok" if it finishes, else what its exception means (re-raised).

    with auditing(request, "image.remove", object_type="image", object_id=image_id):
        services.remove_image(image_id)
    """
    fields = {"object_type": object_type, "object_id": object_id, "object_name": object_name, "extra": extra}
    try:
        yield
    except Exception as e:
        outcome, message = outcome_of_exception(e)
        audit(source, action, outcome=outcome, message=message, **fields)
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
