"""wire.py: frames, lines, whole messages, the HTTP/1.0 head (pure: no engine needed)."""

import struct

from containers.streams.wire import FrameParser, LineAssembler, MessageCutter, request, response_head


def frame(stream_id: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream_id, len(payload)) + payload


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


def test_the_cutter_passes_on_whole_messages_only():
    cutter = MessageCutter()
    data = frame(1, b"one\n") + frame(2, b"two\n") + frame(1, b"thr")
    first = cutter.feed(data[:-2])  # the third frame is cut short
    assert first.data == frame(1, b"one\n") + frame(2, b"two\n") and first.lines == 2
    assert cutter.feed(data[-2:]).data == frame(1, b"thr") and cutter.finish() is None
    tty = MessageCutter()
    assert tty.feed(b"2026-01-31T12:00:00Z a\n2026-01-31T12:00:01Z b").lines == 1
    assert tty.finish().data == b"2026-01-31T12:00:01Z b"


def test_a_log_request_is_http_1_0_with_its_id_quoted():
    sent = request("/v1.47/containers/a b/logs", {"stdout": 1, "tail": "all"})
    assert (
        sent
        == b"GET /v1.47/containers/a%20b/logs?stdout=1&tail=all HTTP/1.0\r\nHost: docker\r\nUser-Agent: berth\r\n\r\n"
    )


def test_the_response_head_is_read_across_reads_and_keeps_the_body_after_it():
    response = b"HTTP/1.0 200 OK\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\n\r\n" + frame(1, b"hi\n")
    assert response_head(response[:20]) is None
    assert response_head(response) == (200, frame(1, b"hi\n"))
    assert response_head(b"HTTP/1.1 404 Not Found\r\n\r\n{}") == (404, b"{}")
    assert response_head(b"nonsense\r\n\r\n")[0] == 502
