"""A socket renders in its viewer's language and zone in the consumer's worker thread
(dashboard/viewer.py's as_viewer)."""

import asyncio
import zoneinfo

from django.utils import timezone, translation

from dashboard.viewer import Viewer, as_viewer

SEOUL = zoneinfo.ZoneInfo("Asia/Seoul")


def spoken() -> tuple[str, str, str]:
    return translation.get_language(), translation.gettext("Untag…"), timezone.get_current_timezone_name()


def test_a_render_speaks_the_viewer_s_language_in_its_zone_in_a_worker_thread():
    viewer = Viewer("ko", SEOUL)
    assert asyncio.run(asyncio.to_thread(as_viewer, viewer, spoken)) == ("ko", "태그 제거…", "Asia/Seoul")


def test_without_it_the_worker_thread_falls_back_to_english_and_the_server_s_zone():
    """Why as_viewer exists: asgiref's Local ignores what a thread inherited."""
    with translation.override("ko"), timezone.override(SEOUL):
        assert asyncio.run(asyncio.to_thread(spoken)) == ("en", "Untag…", "UTC")
