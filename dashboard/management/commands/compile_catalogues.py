"""`manage.py compile_catalogues`: locale/*/LC_MESSAGES/*.po into the .mo files Django reads.

Django's compilemessages needs GNU msgfmt; polib (pure Python, pinned) needs nothing, so `make
install` and the image compile the catalogues without gettext. The .mo files are build output:
never committed (.gitignore).
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import BaseCommand


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po) into .mo files."  # not UI: management command help

    def handle(self, *args, **options):
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                # Fuzzy entries are guesses msgmerge made: msgfmt leaves them out, and so does this.
                for entry in catalogue.fuzzy_entries():
                    catalogue.remove(entry)
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"{po_path}: {len(catalogue.translated_entries())} messages", ending="\n")
