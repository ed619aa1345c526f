import dataclasses
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING, HttpResponseClientRedirect

from accounts.audit import audit, audited, defer_outcome, item_result, note_items, note_outcome, note_rejected
from accounts.masking import env_rows, mask_inspect, mask_text
from accounts.models import Outcome
from accounts.roles import role_required
from dashboard.engine import EngineError
from images import pulls, services
from images.forms import DanglingForm, ImageFilterForm, PullForm, RemoveForm, TagForm, UntagForm

# ---------------------------------------------------------------- the list


def _list_url(query: dict, **changes) -> str:
    """The list's address for the same filters with some changed (sort links)."""
    merged = {**query, **changes}
    params = {
        "q": merged["search"],
        "show": merged["show"],
        "sort": merged["sort"],
        "desc": "1" if merged["descending"] else "",
    }
    return "?" + urlencode({k: v for k, v in params.items() if v})


@require_GET
@role_required("viewer")
@vary_on_headers("HX-Request")
def image_list(request: HttpRequest) -> HttpResponse:
    template = "images/list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#image-table"
    return render(request, template, list_context(request))


def list_context(request: HttpRequest) -> dict:
    """The list's context; also what its live socket renders the table from (images/live.py)."""
    form = ImageFilterForm(request.GET)
    query = form.cleaned_data if form.is_valid() else ImageFilterForm.defaults()
    sort_urls = {
        key: _list_url(query, sort=key, descending=query["sort"] == key and not query["descending"])
        for key in services.SORT_KEYS
    }
    return {"listing": services.query_images(**query), "filters": form, "query": query, "sort_urls": sort_urls}


# ---------------------------------------------------------------- one image


def _masked(image: services.ImageDetail) -> services.ImageDetail:
    """Secret ENV values masked for every role, as on the container page (issue 10, item 8):
    in the ENV list, the history's ENV/ARG/RUN lines and the inspect JSON."""
    return dataclasses.replace(
        image,
        env=[(key, shown) for _row, key, shown, _flag in env_rows(image.env)],
        history=[dataclasses.replace(entry, created_by=mask_text(entry.created_by)) for entry in image.history],
        inspect=mask_inspect(image.inspect),
    )


@require_GET
@role_required("viewer")
@never_cache  # an operator sees the image's ENV and config unmasked
def detail(request: HttpRequest, reference: str) -> HttpResponse:
    image = services.get_image(reference, title_from=reference)
    return render(request, "images/detail.html", {"image": _masked(image), "env_rows": env_rows(image.env)})


@require_POST
@role_required("operator")
@never_cache
def env_reveal(request: HttpRequest, image_id: str) -> HttpResponse:
    """One masked ENV value, shown to an operator on request and audited, as on the container
    page: an operator could run the image and read it, but the page shows it to no one unasked."""
    image = services.get_image(image_id)
    name = request.POST.get("name", "")
    row = next((row for row in env_rows(image.env) if row[1] == name), None)
    if row is None:
        raise Http404(
            _("Image %(image)s has no environment variable %(name)r.") % {"image": image.short_id, "name": name}
        )
    audit(
        request,
        "image.env.reveal",
        object_type="image",
        object_id=image.id,
        object_name=image.title,
        extra={"variable": name},
    )
    context = {"image": image, "index": row[0], "key": name, "value": dict(image.env)[name], "masked": False}
    return render(request, "_env_value.html" if request.htmx else "images/env_reveal.html", context)


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("image.tag", object_type="image", id_kwarg="image_id")
def tag(request: HttpRequest, image_id: str) -> HttpResponse:
    """A new name for the image; one that names another image now moves only with `confirm`,
    after a page that names the image it is taken from (issue 10, item 11)."""
    image = services.get_image(image_id)
    form = TagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        repository, new_tag = form.cleaned_data["target"]
        holder = services.tag_holder(f"{repository}:{new_tag}")
        if holder and holder.id != image.id and not _confirmed(form, holder):
            return _confirm_move(request, image, form, holder, f"{repository}:{new_tag}")
        try:
            services.tag_image(image.id, repository, new_tag)
        except EngineError as e:
            form.add_error("target", e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=f"{repository}:{new_tag}")
        else:
            note_outcome(request, Outcome.OK, object_name=f"{repository}:{new_tag}")
            messages.success(
                request,
                _("Tagged %(image)s as %(tag)s.") % {"image": image.short_id, "tag": f"{repository}:{new_tag}"},
            )
            return redirect("images:detail", image.id)
    elif request.method == "POST":
        note_rejected(request, form)
    return render(request, "images/tag.html", {"image": image, "form": form})


def _confirm_move(request: HttpRequest, image, form: TagForm, holder: services.TagHolder, target: str) -> HttpResponse:
    """The page that names the image the tag is taken from, and what that image keeps."""
    other_tags = [t for t in holder.tags if t != target]
    context = {"image": image, "form": form, "holder": holder, "target": target, "other_tags": other_tags}
    return render(request, "images/tag.html", context)


def _confirmed(form: TagForm, holder: services.TagHolder) -> bool:
    """`confirm`, about this holder (a confirmation that named another image is asked again)."""
    return form.cleaned_data["confirm"] and form.cleaned_data["replaces"] in ("", holder.id)


def _confirm_removal(request: HttpRequest, image: services.ImageDetail, form: RemoveForm, target: str) -> HttpResponse:
    """GET asks for confirmation naming what goes; a confirmed POST removes `target`
    (one tag, or the image by id) and shows the engine's refusal if it refuses."""
    if request.method == "POST" and form.is_valid():
        try:
            removal = services.remove_image(target, force=form.cleaned_data["force"])
        except EngineError as e:
            form.add_error(None, e.message)
            note_outcome(request, Outcome.FAILED, e.message, object_name=target)
        else:
            note_outcome(request, Outcome.OK, object_name=target)
            gone = [_("untagged %(tag)s") % {"tag": t} for t in removal.untagged]
            gone += [_("deleted %(id)s") % {"id": d[7:19]} for d in removal.deleted]
            messages.success(request, _("Done: %(what)s.") % {"what": ", ".join(gone) or _("nothing to remove")})
            return redirect("images:list") if removal.deleted else redirect("images:detail", image.id)
    elif request.method == "POST":
        note_rejected(request, form, object_name=target)
    untagging = target != image.id
    return render(request, "images/remove.html", {"image": image, "form": form, "tag": target if untagging else ""})


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("image.untag", object_type="image", id_kwarg="image_id")
def untag(request: HttpRequest, image_id: str) -> HttpResponse:
    image = services.get_image(image_id)
    target = request.POST.get("tag") or request.GET.get("tag", "")
    if target not in image.tags:
        raise Http404(_("Image %(image)s has no tag %(tag)s.") % {"image": image.short_id, "tag": repr(target)})
    return _confirm_removal(request, image, UntagForm(request.POST or None, initial={"tag": target}), target)


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("image.remove", object_type="image", id_kwarg="image_id")
def remove(request: HttpRequest, image_id: str) -> HttpResponse:
    image = services.get_image(image_id)
    return _confirm_removal(request, image, RemoveForm(request.POST or None), image.id)


@require_http_methods(["GET", "POST"])
@role_required("admin")
@audited("image.remove_dangling", object_type="image")
def remove_dangling(request: HttpRequest) -> HttpResponse:
    """GET lists the dangling images; the confirmed POST deletes exactly the ids it listed."""
    form = DanglingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        outcomes = services.remove_dangling(form.cleaned_data["ids"])
        note_items(request, [item_result(o.image_id, o.short_id, o.error) for o in outcomes])
        return render(request, "images/dangling_done.html", {"outcomes": outcomes})
    if request.method == "POST":
        note_rejected(request, form)
    dangling = [image for image in services.list_images() if image.dangling]
    return render(request, "images/dangling.html", {"images": dangling, "form": form})


# ---------------------------------------------------------------- pull


def _pulled(later, reference: str) -> str:
    """A pull's `after`: record it done, then go to the image's page."""
    later.record(Outcome.OK)
    return pulls.image_page(reference)


@require_http_methods(["GET", "POST"])
@role_required("operator")
@audited("image.pull", object_type="image")
def pull(request: HttpRequest) -> HttpResponse:
    form = PullForm(request.POST or None, initial={"reference": request.GET.get("reference", "")})
    if request.method == "POST" and form.is_valid():
        reference = form.cleaned_data["reference"]
        later = defer_outcome(request, object_name=reference)  # recorded by the pull's thread when it ends
        job_id = pulls.start_pull(
            reference,
            auth=form.auth(),
            after=lambda: _pulled(later, reference),
            if_failed=lambda error: later.record(Outcome.FAILED, error),
        )
        return redirect(pulls.progress_url(job_id))
    if request.method == "POST":
        note_rejected(request, form)
    return render(request, "images/pull.html", {"form": form})


@require_GET
@role_required("viewer")
@vary_on_headers("HX-Request")
def pull_progress(request: HttpRequest, job_id: str) -> HttpResponse:
    """The job's layers; htmx polls the partial and is sent on (or stops) when the job ends:
    to what it made, or back to the form when what followed the pull failed (issue 11, item 6)."""
    job = pulls.get_job(job_id)
    if job is None:
        raise Http404(_("No such pull: it finished long ago or never started."))
    if not job.running and job.next_url:
        if job.state == pulls.DONE:
            messages.success(request, _("Pulled %(reference)s.") % {"reference": job.reference})
        return HttpResponseClientRedirect(job.next_url) if request.htmx else redirect(job.next_url)
    if request.htmx:
        status = 200 if job.running else HTMX_STOP_POLLING
        return render(request, "images/pull_progress.html#pull-progress", {"job": job}, status=status)
    return render(request, "images/pull_progress.html", {"job": job})


@require_POST
@role_required("operator")
@audited("image.pull.cancel", object_type="image")
def pull_cancel(request: HttpRequest, job_id: str) -> HttpResponse:
    """Stop a pull that is still running, e.g. on a registry that never answers (issue 11, item 11)."""
    job = pulls.request_cancel(job_id, request.user.get_username())
    if job is None:
        note_outcome(request, Outcome.REJECTED, "the pull had already ended")  # not UI: audit text
        messages.info(request, _("That pull had already ended: there was nothing to cancel."))
    else:
        note_outcome(request, Outcome.OK, object_id=job.reference, object_name=job.reference, job=job_id)
        messages.info(request, _("Cancelling the pull of %(reference)s…") % {"reference": job.reference})
    return redirect(pulls.progress_url(job_id))
