"""The list's cheap filters give what the Django filters they replace give."""

from datetime import UTC, datetime

from django.template import Context, Template
from django.template.defaultfilters import truncatechars
from django.utils import timezone

from dashboard.templatetags.berth import clip, seconds_time


def test_clip_is_truncatechars():
    for text in ("", "busybox", "x" * 40, "x" * 41, "registry.example.com/team/some-long-image:1.2.3", "e\u0301" * 30):
        assert clip(text, 40) == truncatechars(text, 40), text


def test_seconds_time_is_the_date_filter_in_the_current_time_zone():
    moment = datetime(2026, 12, 1, 15, 4, 5, tzinfo=UTC)
    with timezone.override("Europe/Paris"):
        in_template = Template("{{ moment|date:'Y-m-d H:i:s' }}").render(Context({"moment": moment}))
        assert seconds_time(moment) == in_template == "2026-12-01 16:04:05"
    assert seconds_time(None) == ""
