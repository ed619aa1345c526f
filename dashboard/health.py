"""`GET /healthz`: is Berth up, for a container's HEALTHCHECK or a load balancer.

Public (no login, no session, no CSRF cookie), so it says only up or down: no versions, no
addresses, no error text (those go to the log). 200 when the engine and the database both
answer, 503 when either does not. Cheap: one `GET /_ping` to the engine and one `SELECT 1`,
side by side, each bounded by HEALTH_TIMEOUT.
"""

import logging

import docker
import docker.constants
import docker.errors
from django.contrib.auth.decorators import login_not_required
from django.db import Error as DatabaseError
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from dashboard.engine import engine_calls

log = logging.getLogger(__name__)

# Seconds the engine may take to answer /_ping. A local engine answers in about 1 ms; the
# image's HEALTHCHECK gives the whole check 5 s, and a page would wait DOCKER_TIMEOUT (10 s).
HEALTH_TIMEOUT = 2


def engine_up() -> bool:
    """Does the engine at DOCKER_HOST answer /_ping? A client of its own, so the check waits
    HEALTH_TIMEOUT and never the shared client's DOCKER_TIMEOUT; given a version, making it
    asks the engine nothing. /_ping is unversioned: every engine answers it, whatever API
    versions it accepts."""
    try:
        client = docker.from_env(version=docker.constants.MINIMUM_DOCKER_API_VERSION, timeout=HEALTH_TIMEOUT)
    except docker.errors.DockerException as e:  # a DOCKER_HOST it cannot even parse
        log.warning("health check: no engine client: %s", e)
        return False
    try:
        answer = client.api.get(f"{client.api.base_url}/_ping", timeout=HEALTH_TIMEOUT)
        if answer.status_code == 200:
            return True
        log.warning("health check: the engine answered /_ping with %s", answer.status_code)
    except Exception as e:  # noqa: BLE001 - whatever the transport raises, the engine is down
        log.warning("health check: the engine did not answer /_ping: %s", type(e).__name__)
    finally:
        client.close()
    return False


def database_up() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError as e:
        log.warning("health check: the database did not answer: %s", type(e).__name__)
        return False


@login_not_required
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    engine = engine_calls.submit(engine_up)  # the ping and the query wait side by side
    database = database_up()
    parts = {"engine": engine.result(), "database": database}
    up = all(parts.values())
    body = {"status": "up" if up else "down"} | {name: "up" if ok else "down" for name, ok in parts.items()}
    return JsonResponse(body, status=200 if up else 503)
