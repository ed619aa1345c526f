"""Times in the viewer's zone (issue 14, part 2): the `when` filter, dashboard/zones.py's choice of
zone (the user's setting, the browser's cookie, the server's) and its middleware."""

import asyncio
import re
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone, translation

from accounts.models import Preferences
from dashboard import zones
from dashboard.templatetags.berth import when, zone_label
from dashboard.viewer import as_viewer, viewer_of

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")
OLD = datetime(2026, 1, 5, 6, 4, 5, 123456, tzinfo=UTC)  # 15:04:05 in Seoul (KST, +09:00, no DST)


def shown(value, style="auto", zone=SEOUL) -> str:
    with timezone.override(zone):
        return str(when(value, style))


def text_of(html: str) -> str:
    return re.fullmatch(r"<time [^>]*>(.*)</time>", html).group(1).replace("\xa0", " ")


def title_of(html: str) -> str:
    return re.search(r'title="([^"]*)"', html).group(1)


# -- the filter


def test_an_old_time_is_the_exact_local_time_with_the_zone_named_on_hover():
    html = shown(OLD)
    assert html.startswith('<time datetime="2026-01-05T06:04:05.123456Z" ')
    assert text_of(html) == "2026-01-05 15:04"
    assert title_of(html) == "2026-01-05 15:04:05 KST (Asia/Seoul)"


def test_a_recent_time_is_relative_with_the_exact_time_on_hover():
    moment = timezone.now() - timedelta(minutes=3)
    html = shown(moment)
    assert text_of(html) == "3 minutes ago"
    assert title_of(html) == (moment.astimezone(SEOUL).strftime("%Y-%m-%d %H:%M:%S") + " KST (Asia/Seoul)")


@pytest.fixture
def i18n_on():
    """USE_I18N=True while Berth may still run without it: Django picks its translation functions
    once, so the test clears that choice before and after (as django.utils.translation says)."""
    saved = dict(translation._trans.__dict__)
    translation._trans.__dict__.clear()
    with override_settings(USE_I18N=True):
        yield
    translation._trans.__dict__.clear()
    translation._trans.__dict__.update(saved)


def test_the_relative_form_is_translated(i18n_on):
    with translation.override("ko"):
        assert re.fullmatch(r"3 ?분 전", text_of(shown(timezone.now() - timedelta(minutes=3))))  # Django's "3\xa0분 전"


def test_the_styles():
    recent = timezone.now() - timedelta(hours=2)
    assert text_of(shown(OLD, "exact")) == "2026-01-05 15:04:05 KST"
    assert text_of(shown(OLD, "both")) == "2026-01-05 15:04:05 KST"  # old: no "ago"
    assert text_of(shown(recent, "both")).endswith(" KST (2 hours ago)")
    assert text_of(shown(OLD, "clock")) == "15:04:05"
    assert text_of(shown(OLD, "precise")) == "2026-01-05 15:04:05"
    assert title_of(shown(OLD, "precise")) == "2026-01-05 15:04:05.123456 KST (Asia/Seoul)"


@pytest.mark.parametrize(
    "zone, title",
    [
        ("UTC", "2026-01-05 06:04:05 UTC"),
        ("Europe/Berlin", "2026-01-05 07:04:05 CET (Europe/Berlin)"),
        ("America/New_York", "2026-01-05 01:04:05 EST (America/New_York)"),
        ("Asia/Kolkata", "2026-01-05 11:34:05 IST (Asia/Kolkata)"),
        ("Asia/Dubai", "2026-01-05 10:04:05 +04:00 (Asia/Dubai)"),  # its abbreviation is "+04"
    ],
)
def test_every_zone_is_named(zone, title):
    assert title_of(shown(OLD, zone=zoneinfo.ZoneInfo(zone))) == title


def test_summer_time_is_named_as_such():
    assert title_of(shown(datetime(2026, 7, 1, 12, tzinfo=UTC), zone=zoneinfo.ZoneInfo("Europe/Berlin"))).endswith(
        "14:00:00 CEST (Europe/Berlin)"
    )


def test_no_time_is_nothing_and_engine_text_and_naive_times_are_read_as_utc():
    assert shown(None) == "" and shown("") == "" and shown("0001-01-01T00:00:00Z") == ""
    assert text_of(shown("2026-01-05T06:04:05.123456789Z", "exact")) == "2026-01-05 15:04:05 KST"
    assert text_of(shown(datetime(2026, 1, 5, 6, 4, 5), "exact")) == "2026-01-05 15:04:05 KST"


def test_it_is_a_builtin_and_default_still_applies():
    with timezone.override(SEOUL):
        html = Template('{{ a|when }}|{{ b|when|default:"never" }}').render(Context({"a": OLD, "b": None}))
    assert html.endswith(">2026-01-05 15:04</time>|never")


def test_zone_label_short_and_long():
    local = OLD.astimezone(SEOUL)
    assert (zone_label(local), zone_label(local, long=False)) == ("KST (Asia/Seoul)", "KST")


# -- which zone


@pytest.mark.parametrize("name", ["", None, "Mars/Olympus", "../../etc/passwd", "Asia/Seoul\n", "x" * 300, "local"])
def test_a_name_that_is_no_zone_is_none(name):
    assert zones.named(name) is None


@pytest.mark.django_db
def test_the_users_choice_wins_over_the_browser_which_wins_over_the_server(django_user_model):
    user = django_user_model.objects.create_user("zoe", password="zoe-password-1")
    cookie = {zones.COOKIE: "Asia/Seoul"}
    assert zones.viewer_zone(user, {}) == zoneinfo.ZoneInfo("UTC")  # the server's TIME_ZONE
    assert zones.viewer_zone(user, cookie) == SEOUL
    Preferences.objects.create(user=user, time_zone="Europe/Berlin")
    assert zones.viewer_zone(user, cookie) == zoneinfo.ZoneInfo("Europe/Berlin")
    Preferences.objects.update_or_create(user=user, defaults={"time_zone": ""})  # "the browser's" again
    assert zones.viewer_zone(user, cookie) == SEOUL
    assert zones.viewer_zone(user, {zones.COOKIE: "Nowhere/Atlantis"}) == zoneinfo.ZoneInfo("UTC")


# -- the middleware, through pages


@pytest.fixture
def seoul_client(logged_in):
    logged_in.cookies[zones.COOKIE] = "Asia/Seoul"
    return logged_in


@pytest.mark.django_db
def test_a_page_shows_the_cookies_zone(seoul_client, user):
    user.last_login = datetime(2026, 1, 5, 6, 4, 5, tzinfo=UTC)
    user.save()
    html = seoul_client.get("/users/").content.decode()
    assert 'title="2026-01-05 15:04:05 KST (Asia/Seoul)">2026-01-05 15:04</time>' in html


@pytest.mark.django_db
def test_the_users_setting_wins_over_the_cookie(seoul_client, user):
    Preferences.objects.create(user=user, time_zone="America/New_York")
    user.last_login = datetime(2026, 1, 5, 6, 4, 5, tzinfo=UTC)
    user.save()
    html = seoul_client.get("/users/").content.decode()
    assert 'title="2026-01-05 01:04:05 EST (America/New_York)">2026-01-05 01:04</time>' in html


@pytest.mark.django_db
@pytest.mark.parametrize("cookie", ["Nowhere/Atlantis", "../../../etc/passwd", "%00", "Asia/Seoul;x"])
def test_a_bad_zone_is_utc_never_a_500(logged_in, user, cookie):
    logged_in.cookies[zones.COOKIE] = cookie
    user.last_login = datetime(2026, 1, 5, 6, 4, 5, tzinfo=UTC)
    user.save()
    response = logged_in.get("/users/")
    assert response.status_code == 200
    assert 'title="2026-01-05 06:04:05 UTC">2026-01-05 06:04</time>' in response.content.decode()


@pytest.mark.django_db
def test_a_page_asks_the_database_for_the_users_zone_once_until_it_changes(seoul_client, user):
    # A query on every page cost a container page about 1.5 ms of its 12 (bench/list_containers.py).
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    seoul_client.get("/users/")
    with CaptureQueriesContext(connection) as queries:
        seoul_client.get("/users/")
    assert not [q for q in queries if "accounts_preferences" in q["sql"]]
    Preferences.objects.create(user=user, time_zone="America/New_York")  # this process hears it at once
    user.last_login = datetime(2026, 1, 5, 6, 4, 5, tzinfo=UTC)
    user.save()
    assert "EST (America/New_York)" in seoul_client.get("/users/").content.decode()


@pytest.mark.django_db
def test_the_zone_does_not_outlive_its_request(seoul_client):
    seoul_client.get("/users/")
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")


# -- the preferences page


@pytest.mark.django_db
def test_a_user_chooses_a_zone_and_back_to_the_browsers(seoul_client, user):
    page = seoul_client.get("/preferences/").content.decode()
    assert "The browser&#x27;s (Asia/Seoul)" in page and '<option value="Europe/Berlin">' in page
    response = seoul_client.post("/preferences/", {"time_zone": "Europe/Berlin"}, follow=True)
    assert "Times are now shown in Europe/Berlin." in response.content.decode()
    assert Preferences.objects.get(user=user).time_zone == "Europe/Berlin"
    seoul_client.post("/preferences/", {"time_zone": ""})
    assert Preferences.objects.get(user=user).time_zone == ""


@pytest.mark.django_db
def test_a_zone_that_is_none_is_refused_on_its_field(seoul_client, user):
    response = seoul_client.post("/preferences/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Preferences.objects.filter(user=user).exists()


@pytest.mark.django_db
def test_a_viewer_may_choose_their_own_zone(django_user_model, client):
    from tests.accounts.conftest import make_user

    client.force_login(make_user(django_user_model, "vera", "viewer"))
    assert client.post("/preferences/", {"time_zone": "Asia/Seoul"}).status_code == 302


# -- websockets


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_socket_renders_in_the_zone_of_its_scope(django_user_model):
    from channels.db import database_sync_to_async

    user = await database_sync_to_async(django_user_model.objects.create_user)("sol", password="sol-password-1")
    scope = {"user": user, "cookies": {zones.COOKIE: "Asia/Seoul"}}
    viewer = await viewer_of(scope)
    assert viewer.zone == SEOUL
    rendered = await asyncio.to_thread(as_viewer, viewer, when, OLD, "exact")  # as consumers render
    assert text_of(rendered) == "2026-01-05 15:04:05 KST"
    assert timezone.get_current_timezone() == zoneinfo.ZoneInfo("UTC")  # only while rendering


# -- Since / Until, as the viewer reads them


@pytest.mark.parametrize(
    "zone, expected",
    [
        ("Asia/Seoul", datetime(2026, 12, 1, 6, 0, tzinfo=UTC)),  # as docker logs --since reads a local time
        ("", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        ("Nowhere/Atlantis", datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
    ],
)
def test_a_naive_since_is_the_viewers_time(zone, expected):
    from containers.streams.options import LogOptions
    from system.events import EventWindow

    assert LogOptions.from_query({"since": "2026-12-01T15:00", "zone": zone}).since == expected
    assert EventWindow.from_query({"since": "2026-12-01T15:00"}, zones.named(zone) or UTC).since == expected
    assert LogOptions.from_query({"since": "2026-12-01T15:00Z", "zone": zone}).since.hour == 15  # a zone given wins


@pytest.mark.django_db
def test_the_logs_page_tells_its_socket_and_download_the_zone(seoul_client, engine):
    made = engine.container(start=False)
    html = seoul_client.get(f"/containers/{made['Id']}/logs/?since=2026-12-01T15:00").content.decode()
    assert re.search(r'data-ws-path="[^"]*zone=Asia%2FSeoul', html)
    assert re.search(r'id="log-download" href="[^"]*zone=Asia%2FSeoul', html)
    assert 'data-zone="Asia/Seoul"' in html and '<option value="local">KST (Asia/Seoul)</option>' in html


@pytest.mark.django_db
def test_a_container_page_in_seoul_shows_the_time_nine_hours_on(seoul_client, engine):
    from dashboard.times import parse_engine_time

    made = engine.container(start=False)
    created = parse_engine_time(made["Created"])
    html = seoul_client.get(f"/containers/{made['Id']}/").content.decode()
    seoul = (created + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S")
    assert f'title="{seoul} KST (Asia/Seoul)">{seoul} KST (' in html
