"""Bulk actions as jobs (issue 11, items 2 and 9): Post/Redirect/Get for a change on many containers.

The confirmed POST starts a job and redirects to its page, `/containers/bulk/<job>/`, which
fills in each container's result as it arrives; a reload or the back button only reads the
job again, never repeats the change. As pulls do (images/pulls.py), a job lives in Django's
cache under a random id (LocMem, or Redis with REDIS_URL so any Berth process can show it)
and runs in a thread of its own, which acts on the containers BULK_WORKERS at a time
(bulk_action) and writes ONE audit entry with every item's result once all have ended.
Only the user who started a job, or an admin, may read it.

    job_id = start_bulk("stop", targets, owner_id=request.user.pk, later=defer_outcome(request), timeout=10)
    return redirect(job_url(job_id))
"""

import logging
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace

from django.core.cache import cache
from django.db import connections
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import Deferred, item_result
from accounts.models import Outcome
from accounts.roles import has_role
from containers import services
from dashboard.engine import EngineError, EngineUnavailable

logger = logging.getLogger(__name__)

JOB_TTL = 60 * 60  # seconds a finished job stays readable
RUNNING, FINISHED = "running", "finished"
# An item's state: waiting for a worker, being acted on, then ok / failed / denied / unknown.
WAITING, WORKING = "waiting", "working"


@dataclass(frozen=True)
class BulkItem:
    id: str
    name: str
    state: str = WAITING
    error: str = ""

    @property
    def ended(self) -> bool:
        return self.state not in (WAITING, WORKING)

    @property
    def ok(self) -> bool:
        return self.state == str(Outcome.OK)


@dataclass(frozen=True)
class BulkJob:
    id: str
    action: str
    owner_id: int
    items: list[BulkItem] = field(default_factory=list)
    state: str = RUNNING

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def ended_count(self) -> int:
        return sum(item.ended for item in self.items)


def _key(job_id: str) -> str:
    return f"berth:bulk:{job_id}"


def save_job(job: BulkJob) -> None:
    cache.set(_key(job.id), asdict(job), JOB_TTL)


def get_job(job_id: str) -> BulkJob | None:
    data = cache.get(_key(job_id))
    if data is None:
        return None
    return BulkJob(**{**data, "items": [BulkItem(**item) for item in data["items"]]})


def may_see(job: BulkJob, user) -> bool:
    """Its page names containers and the engine's words about them: its owner's, and admins'."""
    return job.owner_id == user.pk or has_role(user, "admin")


def job_url(job_id: str) -> str:
    return reverse("containers:bulk_job", args=[job_id])


# Containers acted on at once. Each stop waits up to its timeout on one engine connection and
# one thread; unbounded, "stop all" on a few hundred containers would take every connection of
# the process's pool (the pages and log streams share it) and make the engine tear down as
# many containers at once on a machine of two cores. Four makes two slow stops take one stop's time.
BULK_WORKERS = 4


def _act_on(
    function,
    container: services.ContainerSummary,
    refusal: Callable[[str], str] | None,
    started: Callable[[str], None] | None,
    **options,
) -> BulkItem:
    try:
        why = refusal(container.id) if refusal else ""
        if why:  # refused by Berth (an operator restriction), not by the engine
            return BulkItem(container.id, container.name, str(Outcome.DENIED), why)
        if started:
            started(container.id)
        function(container.id, **options)
    except EngineError as e:
        return BulkItem(container.id, container.name, str(Outcome.FAILED), e.message)
    except EngineUnavailable as e:  # timed out: the engine may have done it
        return BulkItem(container.id, container.name, str(Outcome.UNKNOWN if e.timed_out else Outcome.FAILED), str(e))
    return BulkItem(container.id, container.name, str(Outcome.OK))


def bulk_action(
    action: str,
    targets: list[services.ContainerSummary],
    refusal: Callable[[str], str] | None = None,
    *,
    started: Callable[[str], None] | None = None,
    finished: Callable[[BulkItem], None] | None = None,
    **options,
) -> list[BulkItem]:
    """Apply one action to each container, BULK_WORKERS at a time; a failure is reported for
    that one only. Results come back in the targets' order.

    `refusal(id)` says why the caller may not touch a container ("" when it may): that one is
    left alone, "denied". `started(id)` is called as a container's action begins, `finished(item)` as
    each ends (in whatever order they end), from the workers' threads.
    """
    function = services.ACTIONS[action]
    with ThreadPoolExecutor(max_workers=BULK_WORKERS, thread_name_prefix=f"bulk-{action}") as pool:
        futures = [pool.submit(_act_on, function, container, refusal, started, **options) for container in targets]
        for future in as_completed(futures):
            if finished:
                finished(future.result())
    return [future.result() for future in futures]


class _Progress:
    """The job as its workers change it: they run in threads of this process only, so one lock
    around each change and save keeps two items that end together from losing one another."""

    def __init__(self, job: BulkJob):
        self.job = job
        self.lock = threading.Lock()

    def change(self, container_id: str, **changes) -> None:
        with self.lock:
            items = [replace(item, **changes) if item.id == container_id else item for item in self.job.items]
            self.job = replace(self.job, items=items)
            save_job(self.job)

    def finish(self, error: str = "") -> None:
        with self.lock:
            # An item still open here was never acted on to the end (Berth itself failed).
            items = [
                item if item.ended else replace(item, state=str(Outcome.UNKNOWN), error=error)
                for item in self.job.items
            ]
            self.job = replace(self.job, items=items, state=FINISHED)
            save_job(self.job)


def _run(progress: _Progress, targets: list, refusal, later: Deferred, options: dict) -> None:
    job, error = progress.job, ""
    try:
        bulk_action(
            job.action,
            targets,
            refusal,
            started=lambda cid: progress.change(cid, state=WORKING),
            finished=lambda item: progress.change(item.id, state=item.state, error=item.error),
            **options,
        )
    except Exception:
        logger.exception("bulk %s failed unexpectedly", job.action)
        error = _("Berth failed; see its log.")
    try:
        # Recorded before the page says "finished", so whoever reads the result finds the entry too.
        items = [
            item_result(item.id, item.name, item.error, outcome=item.state)
            if item.ended
            else item_result(item.id, item.name, error, outcome=Outcome.UNKNOWN)
            for item in progress.job.items
        ]
        later.record_items(items, action=job.action)
    finally:
        connections.close_all()  # the audit entry used the database from this thread
        progress.finish(error)


def start_bulk(
    action: str,
    targets: list,
    *,
    owner_id: int,
    later: Deferred,
    refusal: Callable[[str], str] | None = None,
    **options,
) -> str:
    """Start `action` on `targets` (ContainerSummary) in the background and return the job id.

    `refusal(id)` says why a container must be left alone ("" when it may be touched);
    `later` (accounts.audit.defer_outcome) records the one entry when every item has ended.
    """
    job = BulkJob(
        id=secrets.token_urlsafe(12),
        action=action,
        owner_id=owner_id,
        items=[BulkItem(container.id, container.name) for container in targets],
    )
    save_job(job)
    threading.Thread(
        target=_run, args=(_Progress(job), targets, refusal, later, options), name=f"bulk-{job.id}", daemon=True
    ).start()
    return job.id
