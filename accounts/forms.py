import datetime

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import BerthSettings, Outcome, Role
from accounts.throttle import LOGIN_THROTTLED, PASSWORD_CHANGE_THROTTLED, password_change_throttled


class LoginForm(AuthenticationForm):
    """Django's login form, saying so when the throttle (not the password) refused."""

    throttled = False

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            if getattr(self.request, "berth_login_throttled", False):
                self.throttled = True
                raise forms.ValidationError(
                    _(
                        "Too many failed logins for this account or from this address. Wait a few minutes and try again."
                    ),
                    code=LOGIN_THROTTLED,
                ) from None
            raise


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change form; while the account is throttled the old password is
    refused without being checked, right or wrong, as the login throttle does."""

    throttled = False

    def clean_old_password(self):
        if password_change_throttled(self.user.get_username()):
            self.throttled = True
            raise forms.ValidationError(
                _("Too many wrong passwords for this account. Wait a few minutes and try again."),
                code=PASSWORD_CHANGE_THROTTLED,
            )
        return super().clean_old_password()


DATETIME_INPUTS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    user = forms.CharField(required=False, label=_("User"))
    action = forms.CharField(
        required=False, label=_("Action"), help_text=_("e.g. container.stop, or container. for all")
    )
    object = forms.CharField(required=False, label=_("Object"), help_text=_("type, id or name"))
    outcome = forms.ChoiceField(required=False, label=_("Outcome"), choices=[("", _("any outcome")), *Outcome.choices])
    since = forms.DateTimeField(
        required=False,
        label=_("Since"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    until = forms.DateTimeField(
        required=False,
        label=_("Until"),
        input_formats=DATETIME_INPUTS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def clean_until(self) -> datetime.datetime | None:
        until = self.cleaned_data["until"]
        # A bare date means the whole of that day.
        if until and self.data.get("until", "").strip().count(":") == 0:
            until += datetime.timedelta(days=1)
        return until

    def filter(self, entries: QuerySet) -> QuerySet:
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("user"):
            entries = entries.filter(username__iexact=data["user"].strip())
        if data.get("action"):
            action = data["action"].strip()
            entries = (
                entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
            )
        if data.get("object"):
            text = data["object"].strip()
            # A bulk action is one entry whose objects are in extra["items"]: found by them too.
            entries = entries.filter(
                Q(object_type__iexact=text)
                | Q(object_id__istartswith=text)
                | Q(object_name__icontains=text)
                | Q(extra__items__icontains=text)
            )
        if data.get("outcome"):
            entries = entries.filter(outcome=data["outcome"])
        if data.get("since"):
            entries = entries.filter(at__gte=data["since"])
        if data.get("until"):
            entries = entries.filter(at__lt=data["until"])
        return entries


class UserCreateForm(forms.Form):
    username = forms.CharField(max_length=150, label=_("Username"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER, label=_("Role"))
    password = forms.CharField(widget=forms.PasswordInput(render_value=False), strip=False, label=_("Password"))

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User = get_user_model()
        field = User._meta.get_field(User.USERNAME_FIELD)  # noqa: SLF001 - Django's documented model API
        field.run_validators(username)
        if User.objects.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).exists():
            raise forms.ValidationError(_("There is already a user named %(name)s.") % {"name": username})
        return username

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("username"):
            user = get_user_model()(username=cleaned["username"])
            try:
                password_validation.validate_password(cleaned["password"], user)
            except forms.ValidationError as e:
                self.add_error("password", e)
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, label=_("Role"))


class SettingsForm(forms.ModelForm):
    class Meta:
        model = BerthSettings
        fields = [
            "operators_may_bind_mount",
            "operators_may_use_volumes_from",
            "operators_may_run_privileged",
            "operators_may_add_capabilities",
            "operators_may_use_devices",
            "operators_may_use_host_network",
            "operators_may_use_host_pid",
            "operators_may_join_container_network",
            "audit_retention_days",
        ]
        # Not the model's help_text (that would take a migration for a sentence).
        help_texts = {
            "operators_may_bind_mount": _(
                "Includes local named volumes that mount host paths: type none, bind or overlay, o=bind, or a /device."
            )
        }
