import functools
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import websocket_auth
from accounts.audit import audit, audited, note_confirmation, note_outcome, note_rejected
from accounts.masking import env_rows, mask_inspect, masked_env
from accounts.models import Outcome
from accounts.restrictions import Restrictions, restrictions_for
from accounts.roles import has_role, refused, role_required
from containers import cli_views, port_conflicts, pulled, services
from containers.action_forms import ListFilterForm, RemoveForm, RenameForm, StopForm
from containers.forms import ContainerCreateForm
from containers.specs import ContainerSpec, spec_from_inspect
from dashboard.converters import is_name_or_id
from dashboard.engine import EngineError, published_host
from dashboard.redirects import safe_next

# ---------------------------------------------------------------- the list


def _list_url(query: dict, **changes) -> str:
    """The list's address for the same filters with some changed (sort links, pager)."""
    merged = {**query, **changes}
    params = {
        "all": "1" if merged["all"] else "",
        "q": merged["search"],
        "state": merged["state"],
        "health": merged["health"],
        "sort": merged["sort"],
        "desc": "1" if merged["descending"] else "",
        "page": merged["page"] if merged["page"] > 1 else "",
    }
    return "?" + urlencode({k: v for k, v in params.items() if v})


def _list_context(request: HttpRequest) -> dict:
    form = ListFilterForm(request.GET)
    query = form.cleaned_data if form.is_valid() else ListFilterForm.defaults()
    page = services.query_containers(**query)
    sort_urls = {
        key: _list_url(query, sort=key, descending=query["sort"] == key and not query["descending"], page=1)
        for key in services.SORT_KEYS
    }
    return {
        "page": page,
        "containers_url": reverse("containers:list"),
        "filters": form,
        "query": query,
        "sort_urls": sort_urls,
        **pager_urls(query, page),
    }


def pager_urls(query: dict, page: services.ContainerPage) -> dict:
    """The pager's links (the list page, and its live pager: containers/live_rows.py)."""
    return {
        "previous_url": _list_url(query, page=page.page - 1) if page.page > 1 else "",
        "next_url": _list_url(query, page=page.page + 1) if page.page < page.pages else "",
    }


@require_GET
@role_required("viewer")
@vary_on_headers("HX-Request")
def container_list(request: HttpRequest) -> HttpResponse:
    template = "containers/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#container-table"
    return render(request, template, _list_context(request))


# ---------------------------------------------------------------- what an operator may reach


def reach_refusal(
    restrictions: Restrictions, container_id: str, verb: str
) -> tuple[services.ContainerReach | None, str]:
    """(what the container reaches, why `verb` is refused) under these restrictions; the
    reason is "" when allowed. Nothing forbidden (an admin): no engine call at all."""
    if not restrictions.any:
        return None, ""
    reach = services.container_reach(container_id)
    return reach, restrictions.reach_refusal(verb, reach)


def within_reach(verb: str):
    """View decorator, under @audited (so that an engine failure of its own inspect is recorded
    too): an action on a container that uses an option the user's role may not use, whoever
    made it (issue 10, item 3), gets a 403 that names the restriction, audited "denied"."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, container_id: str) -> HttpResponse:
            reach, why = reach_refusal(restrictions_for(request.user), container_id, verb)
            if not why:  # act on the id checked: a name may move to another container meanwhile
                return view(request, container_id=reach.id if reach else container_id)
            note_outcome(request, Outcome.DENIED, why, object_id=reach.id, object_name=reach.name)
            return refused(request, why)

        wrapper.berth_reach = verb  # read by the role matrix test, like berth_role
        return wrapper

    return decorator


# ---------------------------------------------------------------- one container


def _port_links(request: HttpRequest, container: services.ContainerDetail) -> list[tuple]:
    """Each published port with a link on the engine's host; UDP ports get no link."""
    return [
        (
            port,
            f"http://{published_host(request.get_host(), port.host_ip)}:{port.host_port}/"
            if port.protocol == "tcp"
            else "",
        )
        for port in container.ports
    ]


@require_GET
@role_required("viewer")
@never_cache  # environment and inspect JSON: no copy in the browser's or a proxy's cache
def detail(request: HttpRequest, container_id: str) -> HttpResponse:
    container = services.get_container(container_id)
    context = {
        "container": container,
        "port_links": _port_links(request, container),
        "output": None,
        "output_error": "",
        "env_rows": env_rows(container.env),
        "inspect": mask_inspect(container.inspect),
        "network_peer": services.network_peer(container.network_mode),
    }
    if container.has_stopped and container.logs_readable:
        try:
            context["output"] = services.recent_output(container.id)
        except EngineError as e:
            context["output_error"] = e.message
    template = "containers/detail.html"
    if request.htmx and request.htmx.target == "container-summary":
        template += "#container-summary"
    else:
        context["reach_note"] = _reach_note(request, container.id)
        websocket_auth.remember_request(request)  # the page opens its stats socket at once
    return render(request, template, context)


def _reach_note(request: HttpRequest, container_id: str) -> str:
    """What an Operator may not do to this container, and why, said before a button is tried
    (a Viewer has no buttons to try)."""
    if not has_role(request.user, "operator"):
        return ""
    return reach_refusal(restrictions_for(request.user), container_id, "reach")[1]


def _after_action(request: HttpRequest, container_id: str, done: str) -> HttpResponse:
    """A plain POST redirects back; an HTMX POST gets the fresh row or summary in place."""
    messages.success(request, done)
    if request.htmx and request.htmx.target and request.htmx.target.startswith("container-row-"):
        row = next((c for c in services.list_containers() if c.id == container_id), None)
        context = {"container": row, "containers_url": reverse("containers:list"), "oob_messages": True}
        return render(request, "containers/list.html#container-row", context)
    if request.htmx:
        container = services.get_container(container_id)
        return render(
            request, "containers/detail.html#container-summary", {"container": container, "oob_messages": True}
        )
    return redirect(safe_next(request, reverse("containers:detail", args=[container_id])))


# The verbs of the one-click actions, in their messages ("Could not stop web: ...").
VERBS = {
    "start": pgettext_lazy("an action on a container", "start"),
    "stop": pgettext_lazy("an action on a container", "stop"),
    "restart": pgettext_lazy("an action on a container", "restart"),
    "kill": pgettext_lazy("an action on a container", "kill"),
    "pause": pgettext_lazy("an action on a container", "pause"),
    "unpause": pgettext_lazy("an action on a container", "unpause"),
}


def _run_action(request: HttpRequest, container_id: str, verb: str, call) -> HttpResponse:
    container = services.get_container(container_id)
    try:
        call(container.id)
    except EngineError as e:
        note_outcome(request, Outcome.FAILED, e.message, object_name=container.name)
        messages.error(
            request,
            format_html(
                _("Could not {verb} {name}: {error}"),
                verb=VERBS[verb],
                name=container.name,
                error=port_conflicts.explained(e.message, container.id),
            ),
        )
        return _after_action_failed(request, container.id)
    note_outcome(request, Outcome.OK, object_name=container.name)
    return _after_action(
        request, container.id, _("%(name)s: %(verb)s done.") % {"name": container.name, "verb": VERBS[verb]}
    )


def _after_action_failed(request: HttpRequest, container_id: str) -> HttpResponse:
    if request.htmx:
        return render(request, "base.html#messages", {"oob_messages": False})
    return redirect(safe_next(request, reverse("containers:detail", args=[container_id])))


@require_POST
@role_required("operator")
@audited("container.start", object_type="container")
@within_reach("start")
def start(request: HttpRequest, container_id: str) -> HttpResponse:
    return _run_action(request, container_id, "start", services.start_container)


@require_POST
@role_required("operator")
@audited("container.stop", object_type="container")
def stop(request: HttpRequest, container_id: str) -> HttpResponse:
    form = StopForm(request.POST)
    timeout = form.cleaned_data["timeout"] if form.is_valid() else 10
    return _run_action(request, container_id, "stop", lambda cid: services.stop_container(cid, timeout))


@require_POST
@role_required("operator")
@audited("container.restart", object_type="container")
@within_reach("restart")
def restart(request: HttpRequest, container_id: str) -> HttpResponse:
    form = StopForm(request.POST)
    timeout = form.cleaned_data["timeout"] if form.is_valid() else 10
    return _run_action(request, container_id, "restart", lambda cid: services.restart_container(cid, timeout))


@require_POST
@role_required("operator")
@audited("container.kill", object_type="container")
def kill(request: HttpRequest, container_id: str) -> HttpResponse:
    """SIGKILL loses the process's unsaved work: without `confirm` it first asks, naming the
    container (the page's button confirms in a dialog when JavaScript runs)."""
    if not request.POST.get("confirm"):
        container = services.get_container(container_id)
        note_confirmation(request)
        return render(request, "containers/kill_confirm.html", {"container": container})
    return _run_action(request, container_id, "kill", services.kill_container)


@require_POST
@role_required("operator")
@audited("container.pause", object_type="container")
def pause(request: HttpRequest, container_id: str) -> HttpResponse:
    return _run_action(request, container_id, "pause", services.pause_container)


@require_POST
@role_required("operator")
@audited("container.unpause", object_type="container")
@within_reach("unpause")
def unpause(request: HttpRequest, container_id: str) -> HttpResponse:
    return _run_action(request, container_id, "unpause", services.unpause_container)


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("container.rename", object_type="container")
def rename(request: HttpRequest, container_id: str) -> HttpResponse:
    container = services.get_container(container_id)
    form = RenameForm(request.POST or None, initial={"name": container.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_container(container.id, form.cleaned_data["name"])
        except EngineError as e:
            form.add_error("name", e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=container.name)
        else:
            note_outcome(request, Outcome.OK, object_name=container.name, new_name=form.cleaned_data["name"])
            messages.success(
                request, _("Renamed %(old)s to %(new)s.") % {"old": container.name, "new": form.cleaned_data["name"]}
            )
            return redirect("containers:detail", container.id)
    elif request.method == "POST":
        note_rejected(request, form, object_name=container.name)
    return render(request, "containers/rename.html", {"container": container, "form": form})


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("container.remove", object_type="container")
def remove(request: HttpRequest, container_id: str) -> HttpResponse:
    """GET asks for confirmation naming the container; POST with `confirm` removes it."""
    container = services.get_container(container_id)
    form = RemoveForm(request.POST or None, initial={"force": container.running})
    if request.method == "POST" and form.is_valid():
        try:
            services.remove_container(
                container.id, force=form.cleaned_data["force"], volumes=form.cleaned_data["volumes"]
            )
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=container.name)
        else:
            note_outcome(request, Outcome.OK, object_name=container.name)
            messages.success(request, _("Removed %(name)s.") % {"name": container.name})
            return redirect("containers:list")
    elif request.method == "POST":
        note_rejected(request, form, object_name=container.name)
    return render(request, "containers/remove.html", {"container": container, "form": form})


@require_POST
@role_required("operator")
@never_cache
def env_reveal(request: HttpRequest, container_id: str) -> HttpResponse:
    """One masked environment value, shown to an operator on request and audited.

    HTMX swaps the value into its row; without JavaScript a small page shows it.
    """
    container = services.get_container(container_id)
    name = request.POST.get("name", "")
    # Secret values are masked for everyone (issue 5 item 6, issue 10 item 8); an operator reveals one on request.
    row = next((row for row in env_rows(container.env) if row[1] == name), None)
    if row is None:
        raise Http404(
            _("%(container)s has no environment variable %(name)r.") % {"container": container.name, "name": name}
        )
    audit(
        request,
        "container.env.reveal",
        object_type="container",
        object_id=container.id,
        object_name=container.name,
        extra={"variable": name},
    )
    index, key, _shown, _masked = row
    context = {"container": container, "index": index, "key": key, "value": dict(container.env)[key], "masked": False}
    template = "_env_value.html" if request.htmx else "containers/env_reveal.html"
    return render(request, template, context)


# ---------------------------------------------------------------- create and run


def _launch(spec: ContainerSpec, action: str, replace: str) -> tuple[str, str]:
    """Create or run the container; its id and the address to go to next."""
    attach = action == "run" and spec.wants_terminal
    start = action == "run" and not attach
    if replace:
        container_id = services.replace_container(replace, spec, start=start, detach=start)
    elif start:
        container_id = services.run_container(spec)
    else:
        container_id = services.create_container(spec)
    if attach:
        # The terminal page attaches before it starts the container, as `docker run -it` does.
        return container_id, reverse("containers:attach", args=[container_id]) + "?start=1"
    if start and spec.auto_remove and not services.container_exists(container_id):
        return container_id, reverse("containers:list") + "?all=1"  # --rm: it already ran and is gone
    return container_id, reverse("containers:detail", args=[container_id])


def _submit(request: HttpRequest, form: ContainerCreateForm) -> str:
    spec, action, replace = form.spec(), form.cleaned_data["action"], form.cleaned_data["replace"]
    for warning in form.warnings:
        messages.warning(request, warning)
    if not services.image_exists(spec.image):  # pull first, with per-layer progress
        return pulled.pull_then_launch(request, spec, lambda: _launch(spec, action, replace))
    container_id, next_url = _launch(spec, action, replace)
    note_outcome(request, Outcome.OK, object_id=container_id, object_name=spec.name)
    messages.success(
        request,
        (_("Created %(name)s from %(image)s.") if action == "create" else _("Ran %(name)s from %(image)s."))
        % {"name": spec.name or _("the container"), "image": spec.image},
    )
    return next_url


def _duplicated(request: HttpRequest):
    """Duplicate/Edit's source container (`?from=`), if any; a 404 for what names none."""
    source = request.GET.get("from", "")
    if source and not is_name_or_id(source):  # "." or "..": would reach the engine as a path segment
        raise Http404(_("No container is called “%(name)s”.") % {"name": source})
    return services.get_container(source) if source else None


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("container.create", object_type="container")
@never_cache  # Duplicate/Edit holds the source container's real values
def create(request: HttpRequest) -> HttpResponse:
    """The Run/Create form; `?from=<id>` fills it from an existing container (Duplicate/Edit),
    `?cli=<a docker run line>` from a command (containers/cli_import.py)."""
    original = _duplicated(request)
    pasted = cli_views.pasted_command(request)
    initial = spec_from_inspect(original.inspect) if original else {}
    if original:  # secrets become placeholders, which the form resolves from `original` again on POST
        initial["env"] = "\n".join(masked_env(original.inspect["Config"].get("Env")))
    kept = pulled.kept_form(request) if request.method == "GET" else None  # back after a pull (issue 11, item 6)
    form = ContainerCreateForm(
        request.POST or (kept and kept.data) or (pasted and pasted.data) or None,
        initial=initial,
        user=request.user,
        source_env=dict(original.env) if original else None,
    )
    if kept and kept.error:
        form.full_clean()  # add_error needs a cleaned form
        form.add_error(None, kept.error)
    if request.method == "POST" and form.is_valid():
        try:
            return redirect(_submit(request, form))
        except EngineError as e:
            form.add_error(None, port_conflicts.explained(e.message))
            note_outcome(request, Outcome.FAILED, e.message, object_name=form.cleaned_data.get("name", ""))
    elif form.restriction_errors:
        note_outcome(
            request,
            Outcome.DENIED,
            " ".join(form.restriction_errors.values()),
            object_name=request.POST.get("name", ""),
        )
    elif request.method == "POST":
        note_rejected(request, form, object_name=request.POST.get("name", ""))
    # The copy is checked when it is submitted; the page says first what the original uses.
    reach_note = reach_refusal(form.restrictions, original.id, "duplicate")[1] if original else ""
    context = {"form": form, "original": original, "reach_note": reach_note, "pasted": pasted}
    return render(request, "containers/create.html", context)
