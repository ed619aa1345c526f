"""The one Docker client, and the one place where engine errors are translated.

Services call `get_client()` and wrap themselves in `@translate_errors`, so the rest of
Berth sees only three exceptions: `EngineNotFound` (a 404 page), `EngineUnavailable`
(a 503 page naming the DOCKER_HOST tried) and `EngineError` (the daemon's own words,
shown to the user). Nothing the engine says becomes a 500.
"""

import functools
import inspect
import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker
import docker.errors
import requests.exceptions
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _

DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock"


class EngineError(Exception):
    """The engine refused a request; the message is the daemon's explanation."""

    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.status_code = status_code


class EngineNotFound(EngineError, Http404):
    """The container, image, volume or network does not exist."""


class EngineUnavailable(Exception):
    """The engine did not answer at DOCKER_HOST.

    `timed_out`: the request was sent and no answer came within DOCKER_TIMEOUT, so the
    engine may still have done it; otherwise (connection refused, no socket) nothing was asked.
    """

    def __init__(self, detail: str = "", timed_out: bool = False):
        self.host = docker_host()
        self.detail = detail
        self.timed_out = timed_out
        text = _("The Docker engine at %(host)s is not answering.") % {"host": self.host}
        super().__init__(f"{text} {detail}".strip())


def docker_host() -> str:
    return os.environ.get("DOCKER_HOST") or DEFAULT_DOCKER_HOST


# The client and the DOCKER_HOST it was made for, read together (one tuple): a client made for
# another host is not handed out. Tests point DOCKER_HOST elsewhere and back, and a thread of
# theirs (the events hub's, reconnecting) could make a client just before it was pointed back:
# kept, it went on asking an engine whose socket was gone, for every later test of that process.
_kept: tuple[str, docker.DockerClient] | None = None
_client_lock = threading.Lock()


_client_generation = 0  # counts reset_client() calls: a client made before one is not kept


def get_client() -> docker.DockerClient:
    """The process-wide client, created on first use.

    Creating it asks the engine for its API version, so it is cached only once that
    succeeds: an engine that was down at start-up is picked up when it comes back. The
    question is asked outside the lock: against an engine that does not answer, each request
    waits its own DOCKER_TIMEOUT, not those of every request queued before it. Requests that
    start together may each make a client; the first one kept is the one every later request gets.
    """
    global _kept
    host = docker_host()
    kept = _kept
    if kept is not None and kept[0] == host:
        return kept[1]
    generation = _client_generation
    made = translate(lambda: docker.from_env(timeout=settings.DOCKER_TIMEOUT, max_pool_size=64))
    with _client_lock:
        if _kept is not None and _kept[0] == host:
            made.close()
            made = _kept[1]
        elif generation == _client_generation:
            _kept = (host, made)
    return made


def dedicated_client(timeout: float | None = None) -> docker.DockerClient:
    """A client of its own, for one long call that another thread may cut short by closing its
    connection (a pull: images/streams.py). The shared client's connections serve every request,
    so none of them may be closed for one. It asks the engine nothing: the version is the shared one's."""
    version = get_client().api.api_version
    return translate(lambda: docker.from_env(version=version, timeout=timeout or settings.DOCKER_TIMEOUT))


def client_made() -> bool:
    """Is there a client already? Then get_client() does not ask the engine anything (code on
    the event loop checks this first, and makes the client in a thread otherwise)."""
    kept = _kept
    return kept is not None and kept[0] == docker_host()


def reset_client() -> None:
    """Forget the cached client (tests that point DOCKER_HOST elsewhere use this)."""
    global _kept, _client_generation
    with _client_lock:
        if _kept is not None:
            _kept[1].close()
        _kept = None
        _client_generation += 1


# A few threads for engine calls a page can make at once (the list pages' two calls).
engine_calls = ThreadPoolExecutor(max_workers=8, thread_name_prefix="berth-engine")


def side_by_side(*calls: Callable[[], Any]) -> list[Any]:
    """Run independent engine calls at once: a list page then waits for the slowest call,
    not for their sum. Exceptions (already translated by the services) propagate."""
    futures = [engine_calls.submit(call) for call in calls]
    return [future.result() for future in futures]


def explanation(error: docker.errors.APIError) -> str:
    text = error.explanation
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return str(text or error).strip()


def translated(error: BaseException) -> EngineError | EngineUnavailable | None:
    """Berth's exception for what docker-py, requests or a socket raised; None for anything else."""
    if isinstance(error, docker.errors.NotFound):
        return EngineNotFound(explanation(error), 404)
    if isinstance(error, docker.errors.APIError):
        return EngineError(explanation(error), error.status_code)
    if isinstance(error, (requests.exceptions.RequestException, ConnectionError, TimeoutError)):
        # A read timeout comes after the request went out; a connect timeout is a ConnectionError.
        timed_out = isinstance(error, (requests.exceptions.ReadTimeout, TimeoutError))
        return EngineUnavailable(type(error).__name__, timed_out=timed_out)
    if isinstance(error, docker.errors.DockerException):
        # Raised by the client itself, e.g. "Error while fetching server API version".
        if "Error while fetching server API version" in str(error):  # not UI: docker-py's own message
            return EngineUnavailable()
        return EngineError(str(error))
    return None


def translate(call):
    """call(), raising only Berth's engine exceptions for the engine's failures."""
    try:
        return call()
    except (docker.errors.DockerException, requests.exceptions.RequestException, ConnectionError, TimeoutError) as e:
        raise translated(e) from e


def unreachable(error: OSError) -> EngineUnavailable:
    """A connection of Berth's own to the engine (containers/streams/sockets.py) that failed:
    refused, reset, no socket, or no answer within DOCKER_TIMEOUT."""
    return EngineUnavailable(type(error).__name__, timed_out=isinstance(error, TimeoutError))


def refusal(status: int, body: bytes) -> EngineError:
    """The engine's answer to a request of Berth's own that it refused: its JSON message."""
    try:
        message = json.loads(body.decode("utf-8", "replace")).get("message", "")
    except (ValueError, AttributeError):
        message = body.decode("utf-8", "replace").strip()
    return (EngineNotFound if status == 404 else EngineError)(
        message or _("The engine answered %(status)s.") % {"status": status}, status
    )


def user_message(error: BaseException) -> str:
    """The text a user sees for a failure: the daemon's explanation when there is one."""
    if not isinstance(error, (EngineError, EngineUnavailable)):
        berths = translated(error)
        if berths is None:  # not an engine error: say what it was
            return f"{type(error).__name__}: {error}"
        error = berths
    return getattr(error, "message", None) or str(error)


def translate_errors(function):
    """Decorate a service function so that it raises only Berth's engine exceptions."""
    if inspect.isgeneratorfunction(function):

        @functools.wraps(function)
        def generator_wrapper(*args, **kwargs):
            iterator = translate(lambda: function(*args, **kwargs))
            while True:
                try:
                    item = translate(lambda: next(iterator))
                except StopIteration:
                    return
                yield item

        return generator_wrapper

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return translate(lambda: function(*args, **kwargs))

    return wrapper


def _unavailable(request, exception: EngineUnavailable):
    """The 503 page; for HTMX, the same news as a message in #messages (a button's target
    would otherwise get nothing, and the user would not know the change may have happened)."""
    # @audited names the object a timed-out change was about (accounts/audit.py).
    url, label = getattr(exception, "object_url", ""), getattr(exception, "object_label", "")
    if not getattr(request, "htmx", False):
        context = {"host": exception.host, "detail": exception.detail, "object_url": url, "object_label": label}
        return render(request, "engine_unavailable.html", context, status=503)
    if url:
        text = format_html(
            _('The engine did not answer in time; the change may still have happened. See <a href="{}">{}</a>.'),
            url,
            label,
        )
    else:
        text = _("The Docker engine at %(host)s is not answering.") % {"host": exception.host}
    messages.error(request, text)
    response = render(request, "base.html#messages", {"oob_messages": False}, status=503)
    response["HX-Retarget"], response["HX-Reswap"] = "#messages", "outerHTML"
    return response


class EngineErrorMiddleware:
    """Turns engine exceptions a view did not handle into clear pages instead of 500s."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, EngineUnavailable):
            return _unavailable(request, exception)
        if isinstance(exception, EngineNotFound):
            return None  # Http404: Django renders the 404 page
        if isinstance(exception, EngineError):
            status = exception.status_code if exception.status_code in (400, 403, 409) else 502
            return render(request, "engine_error.html", {"message": exception.message}, status=status)
        return None


def published_host(request_host: str, binding_ip: str) -> str:
    """The host name a browser should use to reach a port the engine published.

    A port bound to every address (0.0.0.0 or ::) is on the engine's own host: the
    DOCKER_HOST name for a remote engine, otherwise the host the browser used for Berth.
    """
    if binding_ip not in ("", "0.0.0.0", "::"):
        return f"[{binding_ip}]" if ":" in binding_ip else binding_ip
    host = docker_host()
    if host.startswith(("tcp://", "ssh://", "http://", "https://")):
        netloc = host.split("://", 1)[1].split("/", 1)[0]
        return netloc.rsplit("@", 1)[-1].rsplit(":", 1)[0] if not netloc.endswith("]") else netloc.rsplit("@", 1)[-1]
    return request_host.rsplit(":", 1)[0] if not request_host.endswith("]") else request_host
