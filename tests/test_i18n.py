"""Korean and English (issue 14, part 1): every string marked, every message translated, the
language from the browser or the switcher, on pages and on the live pages' websockets."""

import asyncio
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from tests import i18n_scan
from tests.conftest import random_name

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


def test_no_english_is_left_unmarked():
    assert i18n_scan.unmarked() == []


def test_the_scan_sees_unmarked_english(tmp_path):
    # The check itself can fail: each kind of source with one unmarked string.
    template = tmp_path / "t.html"
    template.write_text('{% load i18n %}<p title="Remove it">{% translate "Fine" %} Not this</p><code>docker ps</code>')
    assert [line.split(": ", 1)[1] for line in i18n_scan.scan_template_text(template, template.read_text())] == [
        'title="Remove it"',
        "Not this",
    ]
    python = tmp_path / "m.py"
    python.write_text(
        "from django import forms\nfrom django.utils.translation import gettext as _\n"
        "a = forms.CharField(label='Name', help_text=_('Marked'))\n"
        "b = 'Nothing marks this sentence'\nc = 'an engine argument here'  # not UI: the engine's\n"
    )
    assert [line.split(": ", 1)[1] for line in i18n_scan.scan_python_text(python, python.read_text())] == [
        "label=: 'Name'",
        "text: 'Nothing marks this sentence'",
    ]


@pytest.fixture
def fresh_catalogues():
    """The catalogues as `make messages` would leave them for the source as it is; put back after."""
    saved = {path: path.read_bytes() for path in CATALOGUES}
    try:
        call_command("messages")
        yield [polib.pofile(str(path)) for path in CATALOGUES]
    finally:
        for path, content in saved.items():
            path.write_bytes(content)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="needs GNU gettext (make prerequisites says so)")
def test_every_message_has_a_korean_translation(fresh_catalogues):
    # Extracted afresh: a string marked since the last `make messages` counts as untranslated.
    assert [path.name for path in CATALOGUES] == ["django.po", "djangojs.po"]
    for catalogue in fresh_catalogues:
        missing = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
        assert missing == [], catalogue.fpath


def test_translations_keep_their_placeholders():
    for path in CATALOGUES:
        for entry in polib.pofile(str(path)).translated_entries():
            for source, translated in [(entry.msgid, entry.msgstr or entry.msgstr_plural.get(0, ""))]:
                for placeholder in sorted(set(i18n_scan.PLACEHOLDERS.findall(source))):
                    assert placeholder in translated, (path.name, entry.msgid, placeholder)


@pytest.mark.django_db
def test_the_browser_s_language_picks_korean(admin_client, engine):
    english = admin_client.get("/containers/").content.decode()
    korean = admin_client.get("/containers/", HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5").content.decode()
    with translation.override("ko"):
        heading = translation.gettext("Containers")
    assert heading != "Containers"
    assert '<html lang="ko">' in korean and f"<h1>{heading}</h1>" in korean
    assert '<html lang="en">' in english and "<h1>Containers</h1>" in english


HANGUL = re.compile(r"[\uac00-\ud7a3]")
HANGUL_HEADING = re.compile(r"<h1[^>]*>(?:(?!</h1>).)*[\uac00-\ud7a3]", re.S)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/", "/containers/", "/containers/new/", "/images/", "/images/pull/", "/volumes/", "/volumes/new/",
     "/networks/", "/networks/new/", "/events/", "/system/prune/", "/users/", "/audit/", "/settings/"],
)  # fmt: skip
def test_each_page_in_korean_has_korean_labels(admin_client, engine, path):
    page = admin_client.get(path, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    with translation.override("ko"):
        nav = [translation.gettext(label) for label in ("Containers", "Images", "Volumes", "Networks", "Events")]
    assert HANGUL_HEADING.search(page), path
    for label in nav:
        assert f">{label}</a>" in page, (path, label)


@pytest.mark.django_db
def test_the_switcher_stores_the_choice_over_the_browser_s(admin_client, engine):
    response = admin_client.post("/i18n/setlang/", {"language": "ko", "next": "/images/"})
    assert response.status_code == 302 and response["Location"] == "/images/"
    assert admin_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ko"
    page = admin_client.get("/images/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ko">' in page
    admin_client.post("/i18n/setlang/", {"language": "en", "next": "/images/"})
    assert '<html lang="en">' in admin_client.get("/images/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()


@pytest.mark.django_db
def test_the_switcher_and_the_javascript_catalogue_serve_the_login_page(client):
    assert client.post("/i18n/setlang/", {"language": "ko", "next": "/accounts/login/"}).status_code == 302
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="ko">' in page and 'action="/i18n/setlang/"' in page
    catalogue = client.get("/jsi18n/")
    assert catalogue.status_code == 200 and "gettext" in catalogue.content.decode()


@pytest.fixture
def korean_session(client, admin_user) -> str:
    client.force_login(admin_user)
    return f"sessionid={client.cookies['sessionid'].value}; {settings.LANGUAGE_COOKIE_NAME}=ko"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_live_row_pushed_to_a_korean_page_is_korean(engine, korean_session):
    from tests.containers.test_live_rows import list_socket, run

    name = random_name("i18n-live")
    socket = await list_socket(f"all=1&q={name}", korean_session)
    try:
        created = await run(engine.container, name=name, start=False)
        frame = await socket.until(lambda f: f["type"] == "row" and f["id"] == created["Id"])
        with translation.override("ko"):
            start = translation.gettext("Start")
        assert start != "Start" and f">{start}</button>" in frame["html"]
        # The counts that follow the row ("N of M containers") speak Korean too.
        parts = await socket.until(lambda f: f["type"] == "parts" and "container-count" in f["html"])
        assert HANGUL.search(parts["html"]["container-count"]), parts
    finally:
        await socket.ws.disconnect()
        await asyncio.sleep(0)
