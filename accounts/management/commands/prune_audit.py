"""Delete audit entries older than the retention setting (also done on write, once a day)."""

from django.core.management.base import BaseCommand

from accounts.audit import prune
from accounts.models import BerthSettings


class Command(BaseCommand):
    help = "Delete audit entries older than the retention period set on the Settings page."  # not UI: management command help

    def handle(self, *args, **options):
        days = BerthSettings.load().audit_retention_days
        if not days:
            self.stdout.write("Retention is 0 (keep forever): nothing pruned.")
            return
        self.stdout.write(f"Pruned {prune()} audit entries older than {days} days.")
