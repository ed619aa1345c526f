"""Roles, the append-only audit log, and the singleton admin settings."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Viewer < Operator < Admin; each role can do everything the lower ones can."""

    VIEWER = "viewer", _("Viewer")
    OPERATOR = "operator", _("Operator")
    ADMIN = "admin", _("Admin")


ROLE_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}
# A role as a sentence names it ("vera is now operator"), lower case, unlike the labels.
ROLE_NAMES = {Role.VIEWER: _("viewer"), Role.OPERATOR: _("operator"), Role.ADMIN: _("admin")}


def role_name(role: str | None) -> str:
    """The role's name in a sentence, in the viewer's language ('' for no role)."""
    return str(ROLE_NAMES.get(role, role or ""))


class Membership(models.Model):
    """A user's Berth role. Superusers are always Admin; a user without one is a Viewer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.VIEWER)

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Outcome(models.TextChoices):
    OK = "ok", _("ok")
    FAILED = "failed", _("failed")  # tried, and the engine (or Berth) refused: see message
    DENIED = "denied", _("denied")  # the user's role does not allow it
    REJECTED = "rejected", _("rejected")  # invalid input: nothing was done
    UNKNOWN = "unknown", _("unknown")  # the engine did not answer in time: it may have done it


class AuditEntry(models.Model):
    """One thing someone did or tried. Written once, never changed: save() refuses updates
    (the one exception: a repeated denial bumps `count`, see accounts/README.md).

    `username` is a copy so the entry still says who after the account is deleted.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, db_index=True)
    address = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=32, blank=True)
    object_id = models.CharField(max_length=255, blank=True)
    object_name = models.CharField(max_length=255, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OK)
    message = models.TextField(blank=True)
    extra = models.JSONField(default=dict, blank=True)
    # Identical denials within a minute of the row's `at` are this one row (accounts.audit:
    # _count_repeat); the count is the one field that changes, by a queryset update().
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-at", "-id"]
        # The login throttle counts failures per account and per address on every attempt.
        indexes = [
            models.Index(fields=["action", "object_id", "at"], name="audit_action_object_at"),
            models.Index(fields=["action", "address", "at"], name="audit_action_address_at"),
        ]
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or '-'} {self.action} {self.object_name or self.object_id} {self.outcome}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionDenied("Audit entries are append-only.")  # not UI: a developer's error
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied(
            "Audit entries are append-only; they expire with the retention setting."  # not UI: a developer's error
        )


def default_retention_days() -> int:
    return settings.AUDIT_RETENTION_DAYS


class BerthSettings(models.Model):
    """The one row of settings an admin changes from /settings/ (pk is always 1).

    The `operators_may_*` switches relax what an Operator may put in a container; by default
    an Operator may do none of these things, since each one hands out root on the host.
    """

    operators_may_bind_mount = models.BooleanField(
        _("Bind mounts of host paths"),
        default=False,
        help_text=_("Includes named volumes of the local driver with o=bind."),
    )
    operators_may_use_volumes_from = models.BooleanField("--volumes-from", default=False)
    operators_may_run_privileged = models.BooleanField(_("Privileged mode"), default=False)
    operators_may_add_capabilities = models.BooleanField(_("Added capabilities (--cap-add)"), default=False)
    operators_may_use_devices = models.BooleanField(_("Devices (--device)"), default=False)
    operators_may_use_host_network = models.BooleanField(_("Host network (--network host)"), default=False)
    operators_may_use_host_pid = models.BooleanField(_("Host PID namespace (--pid host)"), default=False)
    operators_may_join_container_network = models.BooleanField(
        _("Another container's network (--network container:…)"), default=False
    )
    audit_retention_days = models.PositiveIntegerField(
        default=default_retention_days,
        help_text=_("Audit entries older than this are deleted; 0 keeps them forever."),
    )
    audit_pruned_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = verbose_name_plural = _("Berth settings")

    def __str__(self) -> str:
        return str(_("Berth settings"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> "BerthSettings":
        return cls.objects.get_or_create(pk=1)[0]


class Preferences(models.Model):
    """What one user chose for themselves (not an admin's setting): today their time zone.

    An empty `time_zone` means "the browser's": static/zone.js tells the server which that is
    (dashboard/zones.py). A user without a row has chosen nothing.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences")
    time_zone = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "preferences"

    def __str__(self) -> str:
        return f"{self.user}: {self.time_zone or 'browser time zone'}"
