"""The list's cheap filters give what the Django filters they replace give."""

from django.template.defaultfilters import truncatechars

from dashboard.templatetags.berth import clip


def test_clip_is_truncatechars():
    for text in ("", "busybox", "x" * 40, "x" * 41, "registry.example.com/team/some-long-image:1.2.3", "e\u0301" * 30):
        assert clip(text, 40) == truncatechars(text, 40), text
