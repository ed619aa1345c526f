"""The container page's live parts that are plain HTTP: its processes (`docker top`), which
static/stats.js asks for again every few seconds while the page is visible."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.roles import role_required
from dashboard.engine import EngineError, get_client, translate

TOP_ROWS = 500  # processes shown at most: a fork bomb's table must not become a huge page


@require_GET
@role_required("viewer")
@never_cache  # command lines change: never a cached copy
def processes(request: HttpRequest, container_id: str) -> HttpResponse:
    context = {"titles": [], "rows": [], "more": 0, "note": ""}
    try:
        top = translate(lambda: get_client().api.top(container_id))
    except EngineError as e:
        if e.status_code != 409:  # 409: not running, said below; a 404 is the page's own
            raise
        context["note"] = _("It is not running: no processes.")
    else:
        rows = top.get("Processes") or []
        context.update(titles=top.get("Titles") or [], rows=rows[:TOP_ROWS], more=max(0, len(rows) - TOP_ROWS))
    return render(request, "containers/_processes.html", context)
