from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.audit import audited, item_result, note_items, note_outcome, note_rejected
from accounts.models import Outcome
from accounts.roles import role_required
from dashboard.engine import EngineError
from dashboard.redirects import safe_next
from networks import services
from networks.forms import ConnectForm, DisconnectForm, NetworkCreateForm, RemoveForm, RemoveUnusedForm

# ---------------------------------------------------------------- list and page


@require_GET
@role_required("viewer")
@vary_on_headers("HX-Request")
def network_list(request: HttpRequest) -> HttpResponse:
    template = "networks/list.html" + ("#network-table" if request.htmx and not request.htmx.boosted else "")
    return render(request, template, list_context(request))


def list_context(request: HttpRequest) -> dict:
    """The list's context; also what its live socket renders the table from (networks/live.py)."""
    networks = services.list_networks()
    unused_only = request.GET.get("unused") == "1"
    shown = [n for n in networks if not n.builtin and not n.containers] if unused_only else networks
    return {
        "networks": shown,
        "listed": networks,
        "total": len(networks),
        "matching": len(shown),
        "unused_only": unused_only,
    }


def _detail_context(network_id: str) -> dict:
    network = services.get_network(network_id)
    attached = {a.container_id for a in network.containers}
    others = [(cid, name) for cid, name in services.container_choices() if cid not in attached]
    form = ConnectForm(initial={"network": network.id}, networks=[network], containers=others)
    return {"network": network, "connect_form": form, "can_connect": network.name not in ("host", "none")}


@require_GET
@role_required("viewer")
def detail(request: HttpRequest, network_id: str) -> HttpResponse:
    """`docker network inspect`: IPAM, options, labels and every attached container."""
    return render(request, "networks/detail.html", _detail_context(network_id))


# ---------------------------------------------------------------- create


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("network.create", object_type="network")
def create(request: HttpRequest) -> HttpResponse:
    drivers, interfaces = services.network_drivers()
    form = NetworkCreateForm(request.POST if request.method == "POST" else None, drivers=drivers)
    if request.method == "POST" and form.is_valid():
        try:
            network_id = services.create_network(**form.service_arguments())
        except EngineError as e:
            # The daemon's own words, e.g. "Pool overlaps with other one on this address space".
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=form.cleaned_data["name"])
        else:
            note_outcome(request, Outcome.OK, object_id=network_id, object_name=form.cleaned_data["name"])
            messages.success(request, _("Created network %(name)s.") % {"name": form.cleaned_data["name"]})
            return redirect("networks:detail", network_id)
    elif request.method == "POST":
        note_rejected(request, form, object_name=request.POST.get("name", ""))
    context = {"form": form, "drivers": drivers, "interfaces": interfaces}
    return render(request, "networks/create.html", context)


# ---------------------------------------------------------------- connect and disconnect


def _after_change(request: HttpRequest, network_id: str) -> HttpResponse:
    """An HTMX POST from the network page gets the fresh container table; others redirect back."""
    if request.htmx and request.htmx.target == "network-containers" and network_id:
        context = {**_detail_context(network_id), "oob_messages": True}
        return render(request, "networks/detail.html#network-containers", context)
    return redirect(safe_next(request, f"/networks/{network_id}/" if network_id else "/networks/"))


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("network.connect", object_type="network")
def connect(request: HttpRequest) -> HttpResponse:
    """Connect a container (running or stopped) to a network, with aliases and a static IPv4.

    GET shows the form, prefilled from `?network=` or `?container=`; the container page
    loads it inline with the container fixed and only the networks it is not on yet.
    """
    fixed = request.GET.get("container", "") if request.method == "GET" else request.POST.get("fixed", "")
    networks, containers = services.connect_choices(fixed)
    form = ConnectForm(
        request.POST if request.method == "POST" else None,
        initial=request.GET.dict(),
        networks=networks,
        containers=containers,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.connect(data["network"], data["container"], data["aliases"], data["ipv4"])
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(
                request,
                Outcome.FAILED,
                e.message,
                object_id=data["network"],
                object_name=data["network_name"],
                container=data["container"],
            )
        else:
            container_name = dict(form.fields["container"].choices)[data["container"]]
            note_outcome(
                request,
                Outcome.OK,
                object_id=data["network"],
                object_name=data["network_name"],
                container=container_name,
                aliases=data["aliases"],
                ipv4=data["ipv4"],
            )
            messages.success(
                request,
                _("Connected %(container)s to %(network)s.")
                % {"container": container_name, "network": data["network_name"]},
            )
            return _after_change(request, data["network"])
    elif request.method == "POST":
        note_rejected(request, form, object_id=request.POST.get("network", ""))
    if request.htmx and request.htmx.target == "network-containers":
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _after_change(request, request.POST.get("network", ""))
    fixed_name = dict(form.fields["container"].choices).get(fixed, "")
    template = "networks/connect.html" + (
        "#connect-form" if request.htmx and request.htmx.target == "connect-form" else ""
    )
    return render(request, template, {"form": form, "fixed": fixed if fixed_name else "", "fixed_name": fixed_name})


@require_POST
@role_required("admin")
@audited("network.disconnect", object_type="network", id_kwarg="network_id")
def disconnect(request: HttpRequest, network_id: str) -> HttpResponse:
    form = DisconnectForm(request.POST)
    if form.is_valid():
        try:
            services.disconnect(network_id, form.cleaned_data["container"], force=form.cleaned_data["force"])
        except EngineError as e:
            note_outcome(request, Outcome.FAILED, e.message, container=form.cleaned_data["container"])
            messages.error(request, _("Could not disconnect: %(error)s") % {"error": e.message})
        else:
            note_outcome(request, Outcome.OK, container=form.cleaned_data["container"])
            messages.success(request, _("Disconnected."))
    else:
        note_rejected(request, form)
        messages.error(request, _("Say which container to disconnect."))
    return _after_change(request, network_id)


# ---------------------------------------------------------------- remove


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("network.remove", object_type="network", id_kwarg="network_id")
def remove(request: HttpRequest, network_id: str) -> HttpResponse:
    """GET asks for confirmation naming the network (and refuses built-ins or attached ones up front)."""
    network = services.get_network(network_id)
    form = RemoveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_network(network)
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=network.name)
        else:
            note_outcome(request, Outcome.OK, object_name=network.name)
            messages.success(request, _("Removed network %(name)s.") % {"name": network.name})
            return redirect("networks:list")
    elif request.method == "POST":
        note_rejected(request, form, object_name=network.name)
    return render(request, "networks/remove.html", {"network": network, "form": form})


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("network.remove_unused", object_type="network")
def remove_unused(request: HttpRequest) -> HttpResponse:
    """First the exact list of unused networks; the confirmation removes those and no others."""
    form = RemoveUnusedForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        results = services.remove_networks(form.cleaned_data["names"])
        note_items(request, [item_result(r.name, r.name, r.error) for r in results])
        return render(request, "networks/remove_unused.html", {"results": results})
    if request.method == "POST":
        note_rejected(request, form)
    return render(request, "networks/remove_unused.html", {"unused": services.unused_networks(), "form": form})
