"""Where a POST sends the browser back to: its `next`, but only somewhere inside Berth."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, fallback: str) -> str:
    """A local `next` (POST, else the query), else `fallback` (a URL).

    A `next` is what a page put in its form, but anyone can post a form: followed blindly, a
    link to Berth would send its user on to a look-alike login page elsewhere. Like Django's
    own login view: this host only, and never from HTTPS down to HTTP.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback
