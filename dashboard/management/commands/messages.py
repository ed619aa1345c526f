"""`manage.py messages`: the catalogues brought up to date with the source (`make messages`).

Django's makemessages (GNU xgettext) over Berth's own code, for every language but English
(the source language), in both domains: django (templates and Python) and djangojs (static/).
The options live here once: `make messages` and the catalogue test (tests/test_i18n.py) run it.
"""

from django.conf import settings
from django.core.management import BaseCommand, call_command

NOT_OURS = [".venv", "node_modules", "tests", "bench", "staticfiles", "static/vendor", "deploy"]


class Command(BaseCommand):
    help = "Extract Berth's marked strings into locale/*/LC_MESSAGES/*.po (needs GNU gettext)."  # not UI: management command help

    def handle(self, *args, **options):
        languages = [code for code, _name in settings.LANGUAGES if code != "en"]
        for domain in ("django", "djangojs"):
            call_command(
                "makemessages",
                locale=languages,
                domain=domain,
                ignore_patterns=NOT_OURS,
                no_location=True,  # no line numbers: a catalogue changes only when a string does
                verbosity=0,
            )
