from django.contrib import admin

from accounts.models import AuditEntry, BerthSettings, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role")
    list_filter = ("role",)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are never added, changed or deleted by hand."""

    list_display = ("at", "username", "address", "action", "object_type", "object_name", "outcome")
    list_filter = ("outcome", "action")
    search_fields = ("username", "action", "object_id", "object_name", "message")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BerthSettings)
class BerthSettingsAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return not BerthSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
