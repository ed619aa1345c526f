"""The pure parts of the streams: times, options, frames, lines (no engine needed)."""

import asyncio
import struct
from datetime import UTC, datetime, timedelta

import pytest

from containers.streams import (
    Dechunker,
    FrameParser,
    LineAssembler,
    LogOptions,
    engine_time,
    engine_time_from_rfc3339,
    parse_time,
)

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def frame(stream_id: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream_id, len(payload)) + payload


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


def test_it_writes_times_as_the_engine_reads_them():
    assert engine_time(datetime(2026, 1, 31, 11, 0, 0, 250000, tzinfo=UTC)) == "1769857200.250000000"
    assert engine_time_from_rfc3339("2026-01-31T11:00:00.123456789Z") == "1769857200.123456789"
    assert engine_time_from_rfc3339("0001-01-01T00:00:00Z") is None


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


def test_it_parses_frames_split_anywhere():
    data = frame(1, b"hello\n") + frame(2, b"world\n")
    parser, frames = FrameParser(), []
    for position in range(len(data)):
        frames.extend(parser.feed(data[position : position + 1]))
    assert frames == [(1, b"hello\n"), (2, b"world\n")]


def test_it_joins_partials_per_stream_and_decodes_per_stream():
    euro = "€".encode()
    stream = (
        frame(1, b"2026-01-31T11:00:00.1Z abc" + euro[:2])
        + frame(2, b"2026-01-31T11:00:00.2Z err\n")  # the other stream, in between
        + frame(1, b"2026-01-31T11:00:00.3Z " + euro[2:] + b"def\n")
    )
    assembler = LineAssembler()
    lines = []
    for position in range(0, len(stream), 7):
        lines.extend(assembler.feed(stream[position : position + 7]))
    assert lines == [("e", "2026-01-31T11:00:00.2Z", "err"), ("o", "2026-01-31T11:00:00.1Z", "abc€def")]


def test_it_splits_a_tty_log_into_lines_and_strips_partial_timestamps():
    stream = b"2026-01-31T11:00:00.1Z one\r\n2026-01-31T11:00:00.2Z tw2026-01-31T11:00:00.3Z o\r\n"
    assembler = LineAssembler()
    assert assembler.feed(stream) == [("o", "2026-01-31T11:00:00.1Z", "one"), ("o", "2026-01-31T11:00:00.2Z", "two")]


def test_it_undoes_chunked_transfer_encoding_across_reads():
    body = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    dechunker, out = Dechunker(), b""
    for position in range(len(body)):
        out += dechunker.feed(body[position : position + 1])
    assert out == b"hello world" and dechunker.done


@pytest.mark.asyncio
async def test_relayed_pieces_join_in_the_queue_up_to_a_read():
    """Read on the loop, a fast log comes in many small pieces: they join the bytes queued last,
    so the queue's places last as long as its lines do."""
    from containers.streams import READ_SIZE, LogBytes, Pump

    pump = Pump(asyncio.get_running_loop(), maxsize=4, drop=True, name="test", max_lines=1000)
    for _ in range(3):
        pump.offer_here(LogBytes(b"x" * 10, 1), 1)
    pump.offer_here(LogBytes(b"y" * READ_SIZE, 5), 5)  # too big to join: a place of its own
    assert pump.queue.qsize() == 2 and pump.queued_lines == 8
    assert await pump.get() == LogBytes(b"x" * 30, 3)
    assert pump.queued_lines == 5 and pump.skipped == 0


def test_the_cutter_passes_on_whole_messages_only():
    def frame(stream: int, text: bytes) -> bytes:
        return struct.pack(">BxxxL", stream, len(text)) + text

    from containers.streams import MessageCutter

    cutter = MessageCutter()
    data = frame(1, b"one\n") + frame(2, b"two\n") + frame(1, b"thr")
    first = cutter.feed(data[:-2])  # the third frame is cut short
    assert first.data == frame(1, b"one\n") + frame(2, b"two\n") and first.lines == 2
    assert cutter.feed(data[-2:]).data == frame(1, b"thr") and cutter.finish() is None
    tty = MessageCutter()
    assert tty.feed(b"2026-01-31T12:00:00Z a\n2026-01-31T12:00:01Z b").lines == 1
    assert tty.finish().data == b"2026-01-31T12:00:01Z b"
