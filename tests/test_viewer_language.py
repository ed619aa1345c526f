"""A live page renders in the viewer's language in the consumer's worker thread (dashboard/viewer.py)."""

import asyncio

from django.utils import translation

from dashboard.viewer import InLanguage


class Page:
    def language(self) -> str:
        return translation.get_language()

    def label(self) -> str:
        return translation.gettext("Untag…")


def test_a_page_speaks_the_viewers_language_in_a_worker_thread():
    with translation.override("ko"):
        page = InLanguage(Page())
        assert asyncio.run(asyncio.to_thread(page.language)) == "ko"
        assert asyncio.run(asyncio.to_thread(page.label)) == "태그 제거…"


def test_without_it_the_worker_thread_falls_back_to_english():
    """Why InLanguage exists: asgiref's Local is per thread, so to_thread loses the language."""
    with translation.override("ko"):
        assert asyncio.run(asyncio.to_thread(Page().language)) != "ko"


def test_it_passes_other_attributes_through():
    page = InLanguage(Page())
    assert getattr(page, "key_of", None) is None
