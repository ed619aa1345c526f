"""A container's page, live (issue 13): its summary (state, health, restart count, exit code) and
"why it stopped", pushed as the page renders them when an event names the container (one
inspect: services.get_container), over /ws/containers/<id>/state/ (containers/live_consumers.py)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import reverse

from containers import services
from containers.live_rows import Expectation, page_request
from dashboard.engine import EngineError, EngineNotFound


class LiveContainer:
    def __init__(self, container_id: str, user, csrf_secret: str = ""):
        self.container_id = container_id  # as the address names it: an id or a name
        self.user = user
        self.csrf_secret = csrf_secret

    def relist(self, whole: bool) -> list[dict]:
        return self.frames() if whole else []

    def changed(self, container_id: str, expect: Expectation | None = None) -> list[dict]:
        return self.frames()

    def frames(self) -> list[dict]:
        try:
            container = services.get_container(self.container_id)
        except EngineNotFound:
            return [{"type": "removed"}]
        self.container_id = container.id  # a rename must not lose it
        request = page_request(self.user, reverse("containers:detail", args=[container.id]), {}, self.csrf_secret)
        context = {"container": container, "output": None, "output_error": ""}
        if container.has_stopped and container.logs_readable:
            try:
                context["output"] = services.recent_output(container.id)
            except EngineError as e:
                context["output_error"] = e.message
        summary = render_to_string("containers/detail.html#container-summary", context, request=request)
        why = render_to_string("containers/detail.html#why-stopped", context, request=request)
        return [{"type": "summary", "html": summary, "why": why}]
