"""Which role each view needs (issue 5, item 1), checked against the URLconf.

VIEW_ROLES is the table the decorators must follow; accounts/README.md prints the same one.
Every named URL (outside Django's admin and auth) must be in it, so a new view cannot slip
in unclassified, and each must carry the @role_required its row names.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import AuditEntry

VIEW_ROLES = {
    # containers
    "containers:list": "viewer",
    "containers:detail": "viewer",
    "containers:logs": "viewer",
    "containers:processes": "viewer",
    "containers:logs_download": "viewer",
    "containers:start": "operator",
    "containers:stop": "operator",
    "containers:restart": "operator",
    "containers:kill": "operator",
    "containers:pause": "operator",
    "containers:unpause": "operator",
    "containers:rename": "operator",
    "containers:remove": "operator",
    "containers:create": "operator",
    "containers:bulk": "operator",
    "containers:bulk_job": "operator",
    "containers:attach": "operator",
    "containers:exec": "operator",
    "containers:env_reveal": "operator",
    "containers:docker_run_reveal": "operator",
    "containers:docker_run": "viewer",
    # images
    "images:list": "viewer",
    "images:detail": "viewer",
    "images:pull_progress": "viewer",
    "images:pull": "operator",
    "images:pull_cancel": "operator",
    "images:tag": "operator",
    "images:env_reveal": "operator",
    "images:untag": "admin",
    "images:remove": "admin",
    "images:remove_dangling": "admin",
    # volumes
    "volumes:list": "viewer",
    "volumes:detail": "viewer",
    "volumes:create": "admin",
    "volumes:remove": "admin",
    "volumes:remove_unused": "admin",
    # networks
    "networks:list": "viewer",
    "networks:detail": "viewer",
    "networks:create": "admin",
    "networks:connect": "admin",
    "networks:disconnect": "admin",
    "networks:remove": "admin",
    "networks:remove_unused": "admin",
    # system: disk usage (computing it changes nothing) and prune, whose POST also needs
    # admin for images, volumes, networks and build cache (tests/system/test_prune.py)
    "system:disk_usage": "viewer",
    "system:prune": "operator",
    "system:palette": "viewer",
    # the events feed and its download (a websocket too, /ws/events/: tests/system/test_events.py)
    "events:feed": "viewer",
    "events:download": "viewer",
    # accounts
    "accounts:audit": "admin",
    "accounts:audit_export": "admin",
    "accounts:users": "admin",
    "accounts:user_create": "admin",
    "accounts:user_role": "admin",
    "accounts:user_activate": "admin",
    "accounts:user_deactivate": "admin",
    "accounts:user_password": "admin",
    "accounts:settings": "admin",
    "accounts:preferences": "viewer",  # a user's own time zone (issue 14)
}
# Views that also refuse an action on a container whose options the user's role may not use,
# whoever made it (issue 10, item 3; accounts/README.md "Operator restrictions"). Bulk start,
# restart and unpause, Duplicate/Edit and the attach/exec websockets check the same inside:
# tests/containers/test_reach_restrictions.py.
REACH_CHECKED = {"containers:start": "start", "containers:restart": "restart", "containers:unpause": "unpause"}
# Open to every logged-in user (or to anyone: the login pages, /healthz's up or down, and the
# language: the switcher and the JavaScript catalogue, which the login page uses too).
UNRESTRICTED = {
    "home", "accounts:login", "login", "logout", "password_change", "password_change_done", "healthz",
    "set_language", "javascript-catalog",
}  # fmt: skip
PUBLIC = {"accounts:login", "login", "healthz", "set_language", "javascript-catalog"}
SAMPLE_VALUES = ["berth-test-missing", "0123456789ab", 1]


def named_patterns(patterns=None, namespace: str = ""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            yield from named_patterns(pattern.url_patterns, f"{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def sample_path(name: str, pattern: URLPattern) -> str:
    """The view's address for an object that does not exist (roles are checked before any lookup)."""
    kwargs = {}
    for key, converter in pattern.pattern.converters.items():
        if key in (pattern.default_args or {}):
            continue
        kwargs[key] = next(sample for sample in SAMPLE_VALUES if re.fullmatch(converter.regex, str(sample)))
    return reverse(name, kwargs=kwargs)


def test_it_classifies_every_view():
    names = {name for name, _ in named_patterns()}
    unclassified = names - set(VIEW_ROLES) - UNRESTRICTED
    assert not unclassified, f"add these to VIEW_ROLES (and accounts/README.md): {sorted(unclassified)}"


@pytest.mark.parametrize("name", sorted(VIEW_ROLES))
def test_it_decorates_each_view_with_its_role(name):
    patterns = dict(named_patterns())
    assert name in patterns, f"{name} is in VIEW_ROLES but not in the URLconf"
    declared = getattr(patterns[name].callback, "berth_role", None)
    assert declared == VIEW_ROLES[name], f"{name} needs @role_required({VIEW_ROLES[name]!r})"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, role in VIEW_ROLES.items() if role != "viewer"))
def test_it_refuses_and_audits_each_view_below_its_role(name, request):
    patterns = dict(named_patterns())
    # The role just below the one needed.
    client = request.getfixturevalue("operator_client" if VIEW_ROLES[name] == "admin" else "viewer_client")
    path = sample_path(name, patterns[name])
    response = client.post(path)
    if response.status_code == 405:
        response = client.get(path)
    assert response.status_code == 403, path
    assert AuditEntry.objects.filter(outcome="denied", extra__path=path).count() == 1


def test_it_checks_what_a_container_reaches_where_the_table_says():
    declared = {name: getattr(pattern.callback, "berth_reach", None) for name, pattern in named_patterns()}
    assert {name: verb for name, verb in declared.items() if verb} == REACH_CHECKED


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(REACH_CHECKED))
def test_it_refuses_an_operator_a_restricted_container_but_never_an_admin(name, operator_client, admin_client_, engine):
    container = engine.container("sleep 300", start=name != "containers:start", host={"pid_mode": "host"})
    if name == "containers:unpause":
        engine.client.api.pause(container["Id"])
    path = reverse(name, args=[container["Id"]])
    response = operator_client.post(path, {"timeout": "0"})
    assert response.status_code == 403 and "the host PID namespace" in response.content.decode()
    assert (
        AuditEntry.objects.filter(
            outcome="denied", object_id=container["Id"], action=f"container.{REACH_CHECKED[name]}"
        ).count()
        == 1
    )
    assert admin_client_.post(path, {"timeout": "0"}).status_code == 302


@pytest.mark.django_db
def test_it_sends_anonymous_requests_for_every_url_to_the_login_page(client):
    for name, pattern in named_patterns():
        if name in PUBLIC:
            continue
        path = sample_path(name, pattern)
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next="), (
                name,
                method,
            )
    assert not AuditEntry.objects.exclude(action__startswith="login").exists()


@pytest.mark.django_db
def test_it_serves_no_password_reset(client):
    """Only login, logout and password change of Django's auth URLs: a reset would mail anyone a link."""
    from django.urls import NoReverseMatch

    for name in ("password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete"):
        with pytest.raises(NoReverseMatch):
            reverse(name, kwargs={"uidb64": "x", "token": "y"} if name == "password_reset_confirm" else None)
    assert client.get("/accounts/password_reset/").status_code == 404
    assert (reverse("login"), reverse("logout")) == ("/accounts/login/", "/accounts/logout/")
