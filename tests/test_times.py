"""dashboard/times.py: the engine's times, the one parser every app uses (issue 12)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dashboard.times import engine_time, engine_time_from_rfc3339, parse_engine_time


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-11-28T06:39:04.761428058Z", datetime(2026, 11, 28, 6, 39, 4, 761428, tzinfo=UTC)),
        ("2026-11-28T06:39:04Z", datetime(2026, 11, 28, 6, 39, 4, tzinfo=UTC)),
        ("2026-11-28T06:39:04.5", datetime(2026, 11, 28, 6, 39, 4, 500000, tzinfo=UTC)),
        ("2026-11-28T07:39:04.1+01:00", datetime(2026, 11, 28, 6, 39, 4, 100000, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
        ("", None),
        (None, None),
        ("yesterday", None),
    ],
)
def test_it_reads_engine_times_in_utc(text, expected):
    parsed = parse_engine_time(text)
    assert parsed == expected
    assert parsed is None or parsed.tzinfo == UTC


def test_it_keeps_the_instant_of_an_offset():
    parsed = parse_engine_time("2026-11-28T01:39:04-05:00")
    assert parsed == datetime(2026, 11, 28, 1, 39, 4, tzinfo=timezone(timedelta(hours=-5)))


def test_it_writes_times_as_the_engine_reads_them():
    assert engine_time(datetime(2026, 1, 31, 11, 0, 0, 250000, tzinfo=UTC)) == "1769857200.250000000"
    assert engine_time_from_rfc3339("2026-01-31T11:00:00.123456789Z") == "1769857200.123456789"
    assert engine_time_from_rfc3339("2026-01-31T11:00:00Z") == "1769857200.000000000"
    assert engine_time_from_rfc3339("0001-01-01T00:00:00Z") is None
    assert engine_time_from_rfc3339("") is None
    assert engine_time_from_rfc3339("not a time") == "0"


def test_its_two_readings_agree_to_the_microsecond():
    text = "2026-11-28T06:39:04.761428058Z"
    assert float(engine_time_from_rfc3339(text)) == pytest.approx(parse_engine_time(text).timestamp(), abs=1e-6)
