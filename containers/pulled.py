"""A Run or Create that has to pull its image first (issue 11, item 6).

The pull's thread creates (or runs) the container once the image is there; the progress page
then goes on to it. When that create fails, the page goes back to the Run form, filled in as
the user left it and with the engine's words. The values are kept in the user's own session
(`request.session`), never in the pull's job: the job is in the shared cache, which every
process (and every user's progress page) reads, and the environment holds secrets.
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import HttpRequest, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import defer_outcome
from accounts.models import Outcome
from containers.specs import ContainerSpec
from images import pulls

SESSION_KEY = "berth:pulled-forms"
KEPT = 5  # forms kept per session: enough for a few tabs, without letting the session grow


@dataclass(frozen=True)
class KeptForm:
    data: QueryDict  # the POST as submitted
    error: str  # what went wrong after it was submitted, "" when nothing did (yet)


def pull_then_launch(request: HttpRequest, spec: ContainerSpec, launch: Callable[[], tuple[str, str]]) -> str:
    """Start the pull; its thread then calls `launch()` -> (container id, next URL), and only then
    is the outcome known and recorded. Returns the progress page's address."""
    later = defer_outcome(request, object_name=spec.name)
    key = _keep(request)

    def launch_and_record() -> str:
        with later.recording() as entry:
            entry["object_id"], next_url = launch()
        return next_url

    job_id = pulls.start_pull(
        spec.image,
        after=launch_and_record,
        form_url=_form_url(request, key),
        if_failed=lambda error: later.record(Outcome.FAILED, error),
    )
    request.session[SESSION_KEY][key]["job"] = job_id
    request.session.modified = True
    return pulls.progress_url(job_id)


def _keep(request: HttpRequest) -> str:
    """Keep the submitted form in the session under a new key; the oldest go beyond KEPT."""
    kept = request.session.get(SESSION_KEY, {})
    key = secrets.token_urlsafe(9)
    fields = {name: values for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"}
    kept = {**dict(list(kept.items())[-(KEPT - 1) :]), key: {"data": fields, "job": ""}}
    request.session[SESSION_KEY] = kept
    return key


def _form_url(request: HttpRequest, key: str) -> str:
    query = {"pulled": key, **({"from": request.GET["from"]} if request.GET.get("from") else {})}
    return reverse("containers:create") + "?" + urlencode(query)


def kept_form(request: HttpRequest) -> KeptForm | None:
    """The form `?pulled=<key>` names, from this user's session, with what failed after it."""
    entry = request.session.get(SESSION_KEY, {}).get(request.GET.get("pulled", ""))
    if entry is None:
        return None
    data = QueryDict(mutable=True)
    for name, values in entry["data"].items():
        data.setlist(name, values)
    return KeptForm(data, _failure(pulls.get_job(entry["job"]) if entry["job"] else None, data.get("action", "")))


def _failure(job: pulls.PullJob | None, action: str) -> str:
    if job is None or job.running or job.state == pulls.DONE:
        return ""
    if job.state == pulls.CANCELLED:
        return _("The pull of %(image)s was cancelled by %(user)s: nothing was made.") % {
            "image": job.reference,
            "user": job.cancelled_by,
        }
    if job.pulled and action == "run":
        return _("%(image)s was pulled, but running the container failed: %(error)s") % {
            "image": job.reference,
            "error": job.error,
        }
    if job.pulled:
        return _("%(image)s was pulled, but creating the container failed: %(error)s") % {
            "image": job.reference,
            "error": job.error,
        }
    return _("The pull of %(image)s failed, so nothing was made: %(error)s") % {
        "image": job.reference,
        "error": job.error,
    }
