from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from accounts.audit import audited, item_result, note_items, note_outcome, note_rejected
from accounts.models import Outcome
from accounts.roles import role_required
from dashboard.engine import EngineError
from volumes import services
from volumes.forms import RemoveForm, RemoveUnusedForm, VolumeCreateForm

PER_PAGE = 100


@require_GET
@role_required("viewer")
@vary_on_headers("HX-Request")
def volume_list(request: HttpRequest) -> HttpResponse:
    """`docker volume ls`, with the containers using each volume (no sizes: see the volume page)."""
    template = "volumes/list.html" + ("#volume-table" if request.htmx and not request.htmx.boosted else "")
    return render(request, template, list_context(request))


def list_context(request: HttpRequest) -> dict:
    """The list's context; also what its live socket renders the table from (volumes/live.py)."""
    volumes = services.list_volumes()
    unused_only, search = request.GET.get("unused") == "1", request.GET.get("q", "").strip()
    shown = [v for v in volumes if (not unused_only or not v.users) and search.lower() in v.name.lower()]
    page = Paginator(shown, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in {"q": search, "unused": "1" if unused_only else ""}.items() if v})
    context = {
        "volumes": page.object_list,
        "listed": volumes,  # every volume, for the live page's counts (containers/live_objects.py)
        "page": page,
        "query": query + "&" if query else "",
        "search": search,
        "total": len(volumes),
        "matching": len(shown),
        "unused_only": unused_only,
    }
    return context


@require_GET
@role_required("viewer")
def detail(request: HttpRequest, name: str) -> HttpResponse:
    """`docker volume inspect`, its users, and its size (measured here, only on this page)."""
    volume = services.get_volume(name)
    return render(request, "volumes/detail.html", {"volume": volume, "size": services.volume_size(volume)})


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("volume.create", object_type="volume")
def create(request: HttpRequest) -> HttpResponse:
    form = VolumeCreateForm(request.POST if request.method == "POST" else None, drivers=services.volume_drivers())
    if request.method == "POST" and form.is_valid():
        try:
            name = services.create_volume(**form.service_arguments())
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=form.cleaned_data["name"])
        else:
            note_outcome(request, Outcome.OK, object_id=name, object_name=name)
            messages.success(request, _("Created volume %(name)s.") % {"name": name})
            return redirect("volumes:detail", name)
    elif request.method == "POST":
        note_rejected(request, form, object_name=request.POST.get("name", ""))
    return render(request, "volumes/create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("volume.remove", object_type="volume", id_kwarg="name")
def remove(request: HttpRequest, name: str) -> HttpResponse:
    """GET asks for confirmation naming the volume, or says which containers keep it in use."""
    volume = services.get_volume(name)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_volume(volume)
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=volume.name)
        else:
            note_outcome(request, Outcome.OK, object_name=volume.name)
            messages.success(request, _("Removed volume %(name)s.") % {"name": volume.name})
            return redirect("volumes:list")
    elif request.method == "POST":
        note_rejected(request, form, object_name=volume.name)
    return render(request, "volumes/remove.html", {"volume": volume, "form": form})


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("volume.remove_unused", object_type="volume")
def remove_unused(request: HttpRequest) -> HttpResponse:
    """First the exact list of unused volumes; the confirmation removes those and no others."""
    form = RemoveUnusedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        results = services.remove_volumes(form.cleaned_data["names"])
        note_items(request, [item_result(r.name, r.name, r.error) for r in results])
        return render(request, "volumes/remove_unused.html", {"results": results})
    if request.method == "POST":
        note_rejected(request, form)
    return render(request, "volumes/remove_unused.html", {"unused": services.unused_volumes(), "form": form})
