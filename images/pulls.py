"""Pulls that run in the background while a page shows their per-layer progress.

`start_pull()` records a job in Django's cache and pulls in a thread, writing each
layer's state to the cache as the engine reports it; the progress page reads the job
from the cache (LocMem by default; Redis when REDIS_URL is set, so any Berth process can
show it). Registry credentials travel only to the engine: never into the cache or logs.

    job_id = start_pull("registry:5000/app:1.2", after=lambda: reverse(...))
    return redirect(progress_url(job_id))
"""

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from django.core.cache import cache
from django.db import connections
from django.urls import reverse

from dashboard.engine import EngineError, EngineUnavailable
from images import services

logger = logging.getLogger(__name__)

JOB_TTL = 60 * 60  # seconds a finished job stays readable
RUNNING, DONE, FAILED = "running", "done", "failed"
# Statuses after which a layer needs nothing more (its bar shows full).
FINISHED_LAYER_STATUSES = ("Pull complete", "Already exists", "Download complete")


@dataclass(frozen=True)
class LayerProgress:
    id: str
    status: str  # the engine's words: "Waiting", "Downloading", "Extracting", "Pull complete"…
    current: int = 0
    total: int = 0

    @property
    def measured(self) -> bool:
        """True while the engine reports bytes for this step (a bar with a value)."""
        return self.total > 0 and self.status in ("Downloading", "Extracting")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_LAYER_STATUSES

    @property
    def percent(self) -> int | None:
        """For the <progress> bar; None draws it indeterminate (waiting, verifying)."""
        if self.finished:
            return 100
        return int(100 * self.current / self.total) if self.measured else None

    @property
    def bytes_text(self) -> str:
        return f"{services.human_size(self.current)} / {services.human_size(self.total)}" if self.measured else ""


@dataclass(frozen=True)
class PullJob:
    id: str
    reference: str
    state: str = RUNNING
    layers: list[LayerProgress] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)  # whole-pull lines: "Digest: …", "Status: …"
    error: str = ""
    next_url: str = ""

    @property
    def running(self) -> bool:
        return self.state == RUNNING


def _key(job_id: str) -> str:
    return f"berth:pull:{job_id}"


def save_job(job: PullJob) -> None:
    cache.set(_key(job.id), asdict(job), JOB_TTL)


def get_job(job_id: str) -> PullJob | None:
    data = cache.get(_key(job_id))
    if data is None:
        return None
    return PullJob(**{**data, "layers": [LayerProgress(**layer) for layer in data["layers"]]})


def progress_url(job_id: str) -> str:
    return reverse("images:pull_progress", args=[job_id])


def apply_event(job: PullJob, event: services.PullEvent) -> PullJob:
    """The job with one engine progress line taken into account (a pure function)."""
    if not event.layer_id:
        return replace(job, messages=[*job.messages, event.status])
    layers = list(job.layers)
    index = next((i for i, layer in enumerate(layers) if layer.id == event.layer_id), None)
    previous = layers[index] if index is not None else LayerProgress(event.layer_id, "")
    if event.total:
        updated = LayerProgress(event.layer_id, event.status, event.current, event.total)
    else:
        # Lines without bytes ("Verifying Checksum", "Pull complete") keep the last known size.
        done = event.status in FINISHED_LAYER_STATUSES
        updated = LayerProgress(event.layer_id, event.status, previous.total if done else 0, previous.total)
    if index is None:
        layers.append(updated)
    else:
        layers[index] = updated
    return replace(job, layers=layers)


def image_page(reference: str) -> str:
    return reverse("images:detail", args=[services.inspect_image(reference)["Id"]])


def _failure(error: Exception) -> str:
    if isinstance(error, EngineError):
        return error.message
    if isinstance(error, EngineUnavailable):
        return str(error)
    logger.error("pull failed unexpectedly", exc_info=error)
    return "The pull failed unexpectedly; see Berth's log."


def _run(job: PullJob, auth: dict | None, after: Callable[[], str] | None, if_failed: Callable[[str], None] | None) -> None:
    try:
        try:
            for event in services.pull_progress(job.reference, auth):
                job = apply_event(job, event)
                save_job(job)
        except Exception as e:  # noqa: BLE001 - a job must never be left "running" forever
            job = replace(job, state=FAILED, error=_failure(e))
            if if_failed:
                if_failed(job.error)  # `after()` will not run: say so, e.g. to the audit log
            return
        try:
            job = replace(job, state=DONE, next_url=after() if after else image_page(job.reference))
        except Exception as e:  # noqa: BLE001 - as above
            job = replace(job, state=FAILED, error=_failure(e))
    finally:
        connections.close_all()  # `after()` or `if_failed()` may have used the database from this thread
        save_job(job)


def start_pull(reference: str, auth: dict | None = None, after: Callable[[], str] | None = None,
               if_failed: Callable[[str], None] | None = None) -> str:
    """Start pulling `reference` in the background and return the job id.

    `auth` is {"username": …, "password": …} for the registry. When the pull is done,
    `after()` runs (in the pull's thread) and returns the URL to go to next; without it,
    the image's page. An EngineError from the pull or from `after()` becomes the job's error.
    When the pull itself fails, `after()` does not run and `if_failed(error)` does instead.
    """
    job = PullJob(id=secrets.token_urlsafe(12), reference=reference)
    save_job(job)
    threading.Thread(target=_run, args=(job, auth, after, if_failed), name=f"pull-{job.id}", daemon=True).start()
    return job.id
