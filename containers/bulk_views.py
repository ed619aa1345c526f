"""The bulk actions' views (issue 11, items 2 and 9): the confirmation, then a job and its page.

Apart from containers/views.py, which holds the single-container views, to keep each module
small; the job itself is containers/bulk_jobs.py.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING

from accounts.audit import audited, defer_outcome, note_confirmation, note_rejected
from accounts.restrictions import restrictions_for
from accounts.roles import role_required
from containers import bulk_jobs, services
from containers.action_forms import BulkForm
from containers.own import own_container_ids
from containers.views import reach_refusal
from dashboard.engine import EngineNotFound
from dashboard.redirects import safe_next


def _bulk_refusal(request: HttpRequest, action: str):
    """Why a bulk start, restart or unpause may not touch a container ("" when it may), asked
    by the job's workers of each one; None for the other actions."""
    if action not in ("start", "restart", "unpause"):
        return None
    restrictions = restrictions_for(request.user)

    def refusal(container_id: str) -> str:
        try:
            return reach_refusal(restrictions, container_id, action)[1]
        except EngineNotFound:
            return ""  # gone since the confirmation: the action itself says so

    return refusal


@require_POST
@role_required("operator")
@audited("container.bulk", object_type="container")
def bulk(request: HttpRequest) -> HttpResponse:
    """First POST shows exactly which containers the action will touch; `confirm` runs it."""
    everything = services.list_containers(all=True)
    form = BulkForm(request.POST, containers=everything, protected=own_container_ids(everything))
    if not form.is_valid():
        note_rejected(request, form)
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect(safe_next(request, reverse("containers:list")))
    targets, action = form.cleaned_data["targets"], form.cleaned_data["action"]
    if not form.cleaned_data["confirm"]:
        note_confirmation(request)
        context = {"form": form, "targets": targets, "action": action, "verb": dict(BulkForm.ACTIONS)[action]}
        return render(request, "containers/bulk_confirm.html", context)
    # Post/Redirect/Get: the job's page shows the results as they come; reloading it repeats nothing.
    job_id = bulk_jobs.start_bulk(
        action,
        targets,
        owner_id=request.user.pk,
        later=defer_outcome(request),
        refusal=_bulk_refusal(request, action),
        **form.action_options(),
    )
    return redirect(bulk_jobs.job_url(job_id))


@require_GET
@role_required("operator")
@vary_on_headers("HX-Request")
def bulk_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """A bulk action's results as they come; htmx polls the partial until the job has finished."""
    job = bulk_jobs.get_job(job_id)
    if job is None or not bulk_jobs.may_see(job, request.user):
        raise Http404(_("No such bulk action: it finished long ago, never started, or is someone else's."))
    if request.htmx:
        status = 200 if job.running else HTMX_STOP_POLLING
        return render(request, "containers/bulk_done.html#bulk-results", {"job": job}, status=status)
    return render(request, "containers/bulk_done.html", {"job": job})
