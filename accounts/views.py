"""Login, the audit log, user management and the admin settings page."""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.views import LoginView, PasswordChangeView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.audit import audit, form_errors
from accounts.forms import (
    AuditFilterForm,
    LoginForm,
    RoleForm,
    SettingsForm,
    ThrottledPasswordChangeForm,
    UserCreateForm,
)
from accounts.models import AuditEntry, BerthSettings, Membership, Outcome, Role, role_name
from accounts.roles import role_of, role_required
from accounts.throttle import PASSWORD_CHANGE, PASSWORD_CHANGE_FAILED, PASSWORD_CHANGE_THROTTLED, account_key

User = get_user_model()

# ---------------------------------------------------------------- login


class ThrottledLoginView(LoginView):
    """Django's login page with LoginForm; a throttled attempt is answered 429."""

    form_class = LoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
        return response


login = ThrottledLoginView.as_view()


def _audit_password_change(request: HttpRequest, action: str, outcome: str = Outcome.OK, message: str = "") -> None:
    # Keyed like logins (the folded username), which is what the throttle counts by.
    name = request.user.get_username()
    audit(
        request,
        action,
        object_type="user",
        object_id=account_key(name),
        object_name=name,
        outcome=outcome,
        message=message,
    )


class ThrottledPasswordChangeView(PasswordChangeView):
    """Django's own password change, audited, and throttled per account like logins (a 429):
    a stolen session must not become a way to guess the password (accounts/throttle.py)."""

    form_class = ThrottledPasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        _audit_password_change(self.request, PASSWORD_CHANGE)
        return response

    def form_invalid(self, form):
        if form.throttled:
            _audit_password_change(
                self.request,
                PASSWORD_CHANGE_THROTTLED,
                Outcome.DENIED,
                "too many wrong passwords: refused without checking",  # not UI: audit text, stored as written
            )
            response = super().form_invalid(form)
            response.status_code = 429
            return response
        if form.has_error("old_password", "password_incorrect"):
            failed = "wrong old password"  # not UI: audit text, stored as written
            _audit_password_change(self.request, PASSWORD_CHANGE_FAILED, Outcome.FAILED, failed)
        else:  # the old password was right; the new one was refused (too short, too common, not repeated)
            errors = " ".join(str(error) for field_errors in form.errors.values() for error in field_errors)
            _audit_password_change(self.request, PASSWORD_CHANGE, Outcome.REJECTED, errors)
        return super().form_invalid(form)


password_change = ThrottledPasswordChangeView.as_view()

# ---------------------------------------------------------------- audit log

AUDIT_PAGE_SIZE = 100
CSV_COLUMNS = [
    "at",
    "username",
    "address",
    "action",
    "object_type",
    "object_id",
    "object_name",
    "outcome",
    "message",
    "extra",
    "count",
]


@require_GET
@role_required("admin")
def audit_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    entries = form.filter(AuditEntry.objects.all())
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "accounts/audit.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


# A spreadsheet runs a cell that starts with one of these as a formula; anyone can put text in
# the log (a login attempt's name), so each such cell gets a leading quote (OWASP's rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_rows(entries) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for entry in entries.iterator(chunk_size=500):
        yield writer.writerow(
            [
                _cell(value)
                for value in (
                    entry.at.isoformat(),
                    entry.username,
                    entry.address,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.object_name,
                    entry.outcome,
                    entry.message,
                    entry.extra or "",
                    entry.count,
                )
            ]
        )


@require_GET
@role_required("admin")
def audit_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered entries as CSV, streamed row by row (the log can be long)."""
    form = AuditFilterForm(request.GET or None)
    audit(request, "audit.export", object_type="audit", extra={"filters": request.GET.dict()})
    response = StreamingHttpResponse(
        _csv_rows(form.filter(AuditEntry.objects.all())), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="berth-audit.csv"'
    return response


# ---------------------------------------------------------------- users


def _audit_user(
    request: HttpRequest, action: str, target, outcome: str = Outcome.OK, message: str = "", **extra
) -> None:
    audit(
        request,
        action,
        object_type="user",
        object_id=str(target.pk),
        object_name=target.get_username(),
        outcome=outcome,
        message=message,
        extra=extra,
    )


def _refusal(request: HttpRequest, target) -> str:
    """Why this change must not happen ('' when it may). Refusing changes to yourself also
    means the team always keeps an admin: the one making the change."""
    if target.pk == request.user.pk:
        return "You cannot change your own role or deactivate yourself; ask another admin."  # not UI: audit text, stored as written; the flash is self_change()
    return ""


def self_change() -> str:
    """_refusal's answer, as the admin reads it."""
    return _("You cannot change your own role or deactivate yourself; ask another admin.")


def _set_role(user, role: str) -> None:
    if user.is_superuser and role != Role.ADMIN:
        # A superuser is always an admin: demoting one takes the superuser flag away too.
        user.is_superuser = user.is_staff = False
        user.save(update_fields=["is_superuser", "is_staff"])
    Membership.objects.update_or_create(user=user, defaults={"role": role})
    user.__dict__.pop("_berth_role", None)


@require_GET
@role_required("admin")
def user_list(request: HttpRequest) -> HttpResponse:
    users = [
        (
            user,
            role_of(user) or Membership.objects.filter(user=user).values_list("role", flat=True).first() or Role.VIEWER,
        )
        for user in User.objects.order_by("username")
    ]
    return render(request, "accounts/users.html", {"users": users, "roles": Role.choices})


@require_http_methods(["GET", "POST"])
@role_required("admin")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = User.objects.create_user(username=data["username"], password=data["password"])
        _set_role(user, data["role"])
        _audit_user(request, "user.create", user, role=data["role"])
        messages.success(
            request, _("Created %(name)s (%(role)s).") % {"name": user.get_username(), "role": role_name(data["role"])}
        )
        return redirect("accounts:users")
    if request.method == "POST":
        audit(
            request,
            "user.create",
            object_type="user",
            object_name=request.POST.get("username", ""),
            outcome=Outcome.REJECTED,
            message=form_errors(form),
        )
    return render(request, "accounts/user_create.html", {"form": form})


@require_POST
@role_required("admin")
def user_role(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(User, pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        _audit_user(request, "user.role", target, Outcome.REJECTED, form_errors(form))
        messages.error(request, _("Choose viewer, operator or admin."))
        return redirect("accounts:users")
    role, before = form.cleaned_data["role"], role_of(target)
    refusal = _refusal(request, target)
    if refusal:
        _audit_user(request, "user.role", target, Outcome.REJECTED, refusal, role=role)
        messages.error(request, self_change())
    else:
        _set_role(target, role)
        _audit_user(request, "user.role", target, before=before, role=role)
        messages.success(
            request, _("%(name)s is now %(role)s.") % {"name": target.get_username(), "role": role_name(role)}
        )
    return redirect("accounts:users")


@require_POST
@role_required("admin")
def user_active(request: HttpRequest, user_id: int, active: bool) -> HttpResponse:
    target = get_object_or_404(User, pk=user_id)
    action = "user.activate" if active else "user.deactivate"
    refusal = "" if active else _refusal(request, target)
    if refusal:
        _audit_user(request, action, target, Outcome.REJECTED, refusal)
        messages.error(request, self_change())
    else:
        target.is_active = active
        target.save(update_fields=["is_active"])
        _audit_user(request, action, target)
        done = (
            _("%(name)s can log in again.") if active else _("%(name)s is deactivated: logged out and cannot log in.")
        )
        messages.success(request, done % {"name": target.get_username()})
    return redirect("accounts:users")


@require_http_methods(["GET", "POST"])
@role_required("admin")
def user_password(request: HttpRequest, user_id: int) -> HttpResponse:
    """An admin sets a new password; the user's open sessions end with the old one."""
    target = get_object_or_404(User, pk=user_id)
    form = SetPasswordForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        _audit_user(request, "user.password", target)
        messages.success(request, _("Set a new password for %(name)s.") % {"name": target.get_username()})
        return redirect("accounts:users")
    if request.method == "POST":
        _audit_user(request, "user.password", target, Outcome.REJECTED, form_errors(form))
    return render(request, "accounts/user_password.html", {"form": form, "target": target})


# ---------------------------------------------------------------- settings


@require_http_methods(["GET", "POST"])
@role_required("admin")
def settings_page(request: HttpRequest) -> HttpResponse:
    current = BerthSettings.load()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        form.save()
        audit(request, "settings.change", object_type="settings", object_name="Berth settings", extra=changes)
        messages.success(request, _("Settings saved.") if changes else _("Nothing changed."))
        return redirect("accounts:settings")
    if request.method == "POST":
        audit(
            request,
            "settings.change",
            object_type="settings",
            object_name="Berth settings",
            outcome=Outcome.REJECTED,
            message=form_errors(form),
        )
    return render(request, "accounts/settings.html", {"form": form})
