"""The pages of the live streams: logs (and their download), attach and exec terminals.

They only hold the controls; the streams run over the websockets (containers/consumers.py,
terminal_consumers.py) or stream as a download (raw_log.py). See containers/README.md.
"""

import asyncio
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import websocket_auth
from accounts.roles import role_required
from containers import raw_log, services
from containers.streams.options import DEFAULT_TAIL, LogOptions
from dashboard import zones

LOG_QUERY_KEYS = ("tail", "since", "until", "timestamps", "follow", "stdout", "stderr", "q", "regex", "zone")


def _log_query(request: HttpRequest) -> dict[str, str]:
    """The log view's settings from the address, with the defaults the page starts from."""
    query = {key: request.GET.get(key, "") for key in LOG_QUERY_KEYS}
    query["tail"] = request.GET.get("tail", str(DEFAULT_TAIL))  # present but empty: the whole log
    if not request.GET:
        query.update(follow="1", stdout="1", stderr="1")
    for flag in ("timestamps", "follow", "stdout", "stderr", "regex"):
        query[flag] = "1" if query[flag] in ("1", "on", "true") else "0"
    # A naive Since/Until is the viewer's time: the socket and the download get the zone it was read in.
    query["zone"] = query["zone"] or zones.zone_name(timezone.get_current_timezone())
    return query


def render_socket_page(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """A page that opens a websocket: the socket reuses this request's user lookup."""
    websocket_auth.remember_request(request)
    return render(request, template, context)


@require_GET
@role_required("viewer")
def logs(request: HttpRequest, container_id: str) -> HttpResponse:
    container = services.get_container(container_id)
    query = _log_query(request)
    error = ""
    try:
        LogOptions.from_query(query)
    except ValueError as e:
        error = str(e)
    context = {
        "container": container,
        "query": query,
        "error": error,
        # The socket carries both streams and the timestamps: the page shows and hides each
        # without reconnecting.
        "ws_path": f"/ws/containers/{container.id}/logs/?{urlencode({**query, 'stdout': '1', 'stderr': '1', 'timestamps': '1'})}",
        "download_url": reverse("containers:logs_download", args=[container.id]) + "?" + urlencode(query),
    }
    return render_socket_page(request, "containers/logs.html", context)


@require_GET
@role_required("viewer")
async def logs_download(request: HttpRequest, container_id: str) -> HttpResponse:
    """The log as `docker logs C > f 2>&1` writes it, or with `format=annotated` as labelled
    lines; honouring the page's filters, streamed so memory stays flat."""
    try:
        options, annotated = raw_log.download_options(
            {**_log_query(request), "follow": "0"}, request.GET.get("format", "")
        )
    except ValueError as e:
        return HttpResponse(str(e), status=400, content_type="text/plain; charset=utf-8")
    container = await asyncio.to_thread(services.get_container, container_id)
    # An async iterator: Django buffers a sync one whole under ASGI.
    content = (
        raw_log.log_text(container.id, options) if annotated else raw_log.raw_log(container.id, options, container.tty)
    )
    response = StreamingHttpResponse(content, content_type="text/plain; charset=utf-8")
    disposition = "inline" if request.GET.get("inline") else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{container.name}.log"'
    return response


@require_GET
@role_required("operator")
def attach(request: HttpRequest, container_id: str) -> HttpResponse:
    """The attached terminal; `?start=1` attaches first and then starts, like `docker run -it`."""
    container = services.get_container(container_id)
    start = request.GET.get("start") == "1" and not container.running
    ws_path = f"/ws/containers/{container.id}/attach/" + ("?start=1" if start else "")
    return render_socket_page(
        request,
        "containers/terminal.html",
        {"container": container, "mode": "attach", "ws_path": ws_path, "starting": start},
    )


@require_GET
@role_required("operator")
def exec_terminal(request: HttpRequest, container_id: str) -> HttpResponse:
    """A new process in the container: the login shell unless a command is given."""
    container = services.get_container(container_id)
    choice = {key: request.GET.get(key, "").strip() for key in ("cmd", "user", "workdir")}
    ws_path = f"/ws/containers/{container.id}/exec/?{urlencode(choice)}"
    return render_socket_page(
        request,
        "containers/terminal.html",
        {"container": container, "mode": "exec", "ws_path": ws_path, "choice": choice},
    )
