"""Create the first admin account if there is none (run by `make run`)."""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the first admin account if no superuser exists yet."  # not UI: management command help

    def handle(self, *args, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            self.stdout.write(
                self.style.WARNING(
                    f"Created the first admin account.\n  username: {username}\n  password: {password}\n"  # not UI: the console
                    "This password is shown only once: keep it, or change it after you log in."
                )
            )
        else:
            self.stdout.write(f"Created the first admin account '{username}'.")  # not UI: the console
