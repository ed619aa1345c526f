"""`/events/`: the engine's events, filtered, with the history the engine kept and the live
ones after it (/ws/events/, system/event_consumers.py); `/events/download/` as JSON lines."""

from datetime import UTC, datetime
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.roles import role_required
from containers.stream_views import render_socket_page
from dashboard.inputs import EVENT_TYPES
from system import events

WINDOW_KEYS = ("since", "until")


def _parsed(request: HttpRequest) -> tuple[events.EventFilters, events.EventWindow]:
    return events.EventFilters.from_query(request.GET), events.EventWindow.from_query(
        request.GET, timezone.get_current_timezone()
    )


@require_GET
@role_required("viewer")
def feed(request: HttpRequest) -> HttpResponse:
    """The history (a bounded read up to now, or to Until), then live events while no Until is set."""
    query = {key: request.GET.get(key, "") for key in WINDOW_KEYS}
    error, history, ws_path = "", [], ""
    try:
        filters, window = _parsed(request)
    except ValueError as e:  # said on the page, the form kept as typed
        error = str(e)
        query.update({key: request.GET.get(key, "") for key in ("type", "action", "name", "label")})
    else:
        query.update(filters.query())
        until = events.now_engine_time()
        history = events.read_events(filters, window, until)
        if window.until is None:  # live from just after what the page shows
            ws_path = "/ws/events/?" + urlencode({**filters.query(), "since": events.after(until)})
    context = {
        "query": query,
        "error": error,
        "history": history,
        "ws_path": ws_path,
        "event_types": EVENT_TYPES,
        "kept_events": events.KEPT_EVENTS,
        "common_actions": events.COMMON_ACTIONS,
        "download_url": reverse("events:download") + "?" + urlencode(query),
    }
    return render_socket_page(request, "system/events.html", context)


@require_GET
@role_required("viewer")
async def download(request: HttpRequest) -> HttpResponse:
    """The same selection as JSON lines, up to now when no Until is given (never a follow)."""
    try:
        filters, window = _parsed(request)
    except ValueError as e:
        return HttpResponse(str(e), status=400, content_type="text/plain; charset=utf-8")
    # An async iterator: Django buffers a sync one whole under ASGI.
    response = StreamingHttpResponse(events.event_lines(filters, window), content_type="application/x-ndjson")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    response["Content-Disposition"] = f'attachment; filename="events-{stamp}.jsonl"'
    return response
