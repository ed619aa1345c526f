"""options.py: what part of a log to read, and the engine's times (pure: no engine needed)."""

from datetime import UTC, datetime, timedelta

import pytest

from containers.streams.options import LogOptions, parse_time, since_after  # engine times: tests/test_times.py

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", None),
        ("10m", NOW - timedelta(minutes=10)),
        ("1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("2d", NOW - timedelta(days=2)),
        ("2026-01-31T11:00", datetime(2026, 1, 31, 11, 0, tzinfo=UTC)),
        ("2026-01-31T11:00:00Z", datetime(2026, 1, 31, 11, 0, tzinfo=UTC)),
        ("1769857200", datetime(2026, 1, 31, 11, 0, tzinfo=UTC)),
    ],
)
def test_it_parses_relative_and_absolute_times(text, expected):
    assert parse_time(text, NOW) == expected


def test_it_refuses_a_time_it_cannot_read():
    with pytest.raises(ValueError, match="is not a time"):
        parse_time("yesterday-ish", NOW)


def test_it_reads_tail_as_default_number_or_all():
    assert LogOptions.from_query({}).tail == 300
    assert LogOptions.from_query({"tail": "25"}).tail == 25
    assert LogOptions.from_query({"tail": ""}).tail is None
    assert LogOptions.from_query({"tail": "all"}).tail is None
    with pytest.raises(ValueError):
        LogOptions.from_query({"tail": "-3"})


def test_it_matches_substrings_and_re2_regexes():
    assert LogOptions.from_query({"q": "ERR"}).matcher()("an error here")
    matcher = LogOptions.from_query({"q": "^(a+)+$", "regex": "1"}).matcher()
    assert not matcher("a" * 5000 + "b")  # catastrophic for backtracking engines; linear for RE2


def test_it_reads_on_a_nanosecond_after_the_last_line_or_from_a_later_stop():
    assert since_after(None, "2026-12-01T09:16:49.999999999Z") == "1796116610.000000000"
    assert since_after(None, "2026-12-01T09:16:49.5Z", "2026-12-01T09:16:52Z") == "1796116612.000000000"
    assert since_after("1796116700.000000000", "2026-12-01T09:16:49.5Z") == "1796116700.000000000"
    assert since_after(None, "", "0001-01-01T00:00:00Z") is None
