from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.audit import audited, item_result, note_items, note_outcome, note_rejected
from accounts.models import Outcome
from accounts.roles import has_role, refused, role_required
from dashboard.engine import EngineError
from dashboard.redirects import safe_next
from system import prune as pruning
from system import services
from system.forms import PruneForm


@require_GET
@role_required("viewer")
def overview(request: HttpRequest) -> HttpResponse:
    """`/`: the engine, its counts, its recent events and the last disk usage computed."""
    context = {
        "overview": services.overview(),
        "events": services.recent_events(),
        "event_minutes": services.EVENT_MINUTES,
        "usage": services.last_disk_usage(),
    }
    return render(request, "system/overview.html", context)


@require_http_methods(["GET", "POST"])
@role_required("viewer")
def disk_usage(request: HttpRequest) -> HttpResponse:
    """GET shows the last disk usage computed; POST computes it now (slow on a big host)."""
    if request.method == "POST":
        try:
            usage = services.compute_disk_usage(request.user.get_username())
        except EngineError as e:
            messages.error(request, _("The engine could not compute its disk usage: %(error)s") % {"error": e.message})
        else:
            messages.success(request, _("Disk usage computed in %(seconds).1f s.") % {"seconds": usage.seconds})
        return redirect(safe_next(request, reverse("system:disk_usage")))
    return render(request, "system/disk_usage.html", {"usage": services.last_disk_usage()})


def _prunable_kinds(user) -> list[str]:
    return [kind for kind in pruning.KINDS if has_role(user, pruning.ROLES[kind])]


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("system.prune", object_type="system")
def prune(request: HttpRequest) -> HttpResponse:
    """GET lists what would go, per kind the user may prune; POST removes exactly the ticked ones."""
    kinds = _prunable_kinds(request.user)
    form = PruneForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        denied = sorted(form.kinds_posted() - set(kinds))
        if denied:
            message = _("Not allowed: pruning %(kinds)s needs the admin role.") % {"kinds": ", ".join(denied)}
            note_outcome(request, Outcome.DENIED, message, kinds=denied)
            return refused(request, message)
        if form.is_valid():
            results = pruning.remove(form.selection())
            note_items(request, _audit_items(results))
            return render(request, "system/prune.html", {"results": results})
        note_rejected(request, form)
    usage = services.last_disk_usage()
    context = {"form": form, "candidates": pruning.candidates(kinds, usage), "usage": usage, "kinds": kinds}
    return render(request, "system/prune.html", context)


def _audit_items(results: list[pruning.KindResult]) -> list[dict]:
    return [
        {**item_result(key.split(" ")[0], result.name, result.error), "kind": kind_result.kind}
        for kind_result in results
        for key, result in zip(kind_result.keys, kind_result.results, strict=True)
    ]
