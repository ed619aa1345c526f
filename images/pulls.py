"""Pulls that run in the background while a page shows their per-layer progress.

`start_pull()` records a job in Django's cache and pulls in a thread, writing each
layer's state to the cache as the engine reports it; the progress page reads the job
from the cache (LocMem by default; Redis when REDIS_URL is set, so any Berth process can
show it). Registry credentials travel only to the engine: never into the cache or logs.
A pull can be cancelled from any process (`request_cancel`): a thread beside it closes its
connection to the engine, which then aborts the pull (images/streams.py says why that way).

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
from django.utils.translation import gettext as _

from dashboard.engine import EngineError, EngineUnavailable
from images import services
from images.streams import PullCancelled, PullStream

logger = logging.getLogger(__name__)

JOB_TTL = 60 * 60  # seconds a finished job stays readable
RUNNING, DONE, FAILED, CANCELLED = "running", "done", "failed", "cancelled"
CANCEL_POLL = 0.25  # seconds between looks at a cancel request, which may come from another process
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
    next_url: str = ""  # where the page goes on to once the job ended: the result, or the form back
    pulled: bool = False  # the image is there; an error came from what `after()` did with it
    form_url: str = ""  # the form whose submission pulled first (its values are in that user's session)
    cancelled_by: str = ""

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
    """The page of the image just pulled, by the reference pulled: titled with it (issue 11, item 12)."""
    return reverse("images:detail", args=[reference])


def _cancel_key(job_id: str) -> str:
    return f"berth:pull:{job_id}:cancel"


def request_cancel(job_id: str, username: str) -> PullJob | None:
    """Ask the pull's thread, in whichever process, to stop; the running job, or None when it
    has ended (or never was). The thread itself writes the job's new state."""
    job = get_job(job_id)
    if job is None or not job.running:
        return None
    cache.set(_cancel_key(job_id), username, JOB_TTL)
    return job


def _cancelled_by(job_id: str) -> str | None:
    return cache.get(_cancel_key(job_id))


def _watch_for_cancel(job_id: str, stream: PullStream, ended: threading.Event) -> None:
    """Close the pull's stream once a cancel is asked for: the pull's own thread is blocked reading it."""
    while not ended.wait(CANCEL_POLL):
        if _cancelled_by(job_id) is not None:
            stream.close()
            return


def _failure(error: Exception) -> str:
    if isinstance(error, EngineError):
        return error.message
    if isinstance(error, EngineUnavailable):
        return str(error)
    logger.error("pull failed unexpectedly", exc_info=error)
    return _("The pull failed unexpectedly; see Berth's log.")


def _run(
    job: PullJob, auth: dict | None, after: Callable[[], str] | None, if_failed: Callable[[str], None] | None
) -> None:
    stream, ended = PullStream(), threading.Event()
    threading.Thread(
        target=_watch_for_cancel, args=(job.id, stream, ended), name=f"pull-{job.id}-cancel", daemon=True
    ).start()
    try:
        try:
            for event in services.pull_progress(job.reference, auth, stream):
                job = apply_event(job, event)
                save_job(job)
            if _cancelled_by(job.id) is not None:
                raise PullCancelled()  # asked for before `after()` made anything
        except Exception as e:  # noqa: BLE001 - a job must never be left "running" forever
            who = _cancelled_by(job.id)
            if who is not None:
                job = replace(job, state=CANCELLED, cancelled_by=who, error=f"cancelled by {who}")
            else:
                job = replace(job, state=FAILED, error=_failure(e))
            if if_failed:
                if_failed(job.error)  # `after()` will not run: say so, e.g. to the audit log
            return
        try:
            job = replace(job, state=DONE, pulled=True, next_url=after() if after else image_page(job.reference))
        except Exception as e:  # noqa: BLE001 - as above
            # Back to the form that asked for it, when there is one (issue 11, item 6).
            job = replace(job, state=FAILED, pulled=True, error=_failure(e), next_url=job.form_url)
    finally:
        ended.set()
        connections.close_all()  # `after()` or `if_failed()` may have used the database from this thread
        save_job(job)


def start_pull(
    reference: str,
    auth: dict | None = None,
    after: Callable[[], str] | None = None,
    if_failed: Callable[[str], None] | None = None,
    form_url: str = "",
) -> str:
    """Start pulling `reference` in the background and return the job id.

    `auth` is {"username": …, "password": …} for the registry. When the pull is done,
    `after()` runs (in the pull's thread) and returns the URL to go to next; without it,
    the image's page. An EngineError from the pull or from `after()` becomes the job's error.
    When the pull itself fails or is cancelled, `after()` does not run and `if_failed(error)`
    does instead. `form_url` is the form the user filled in to ask for this: when `after()`
    fails, the progress page goes back there (it must hold no secret: the job is in the shared cache).
    """
    job = PullJob(id=secrets.token_urlsafe(12), reference=reference, form_url=form_url)
    save_job(job)
    threading.Thread(target=_run, args=(job, auth, after, if_failed), name=f"pull-{job.id}", daemon=True).start()
    return job.id
