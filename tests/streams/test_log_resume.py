"""The pure parts of following a log across an engine's loss (containers/log_resume.py)."""

import struct
import threading

import pytest

from containers import log_resume
from containers.streams.options import since_after
from dashboard.engine import EngineUnavailable


def frame(stream: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(payload)) + payload


def test_it_finds_the_last_timestamp_of_relayed_frames():
    data = frame(1, b"2026-12-01T09:16:49.141860521Z line 1\n") + frame(
        2, b"2026-12-01T09:16:50.5Z 2026-01-01T00:00:00Z\n"
    )
    assert log_resume.last_timestamp(data, tty=False) == "2026-12-01T09:16:50.5Z"


def test_it_finds_the_last_timestamp_of_a_tty_log_whose_message_holds_several_lines():
    data = b"2026-12-01T09:16:49.1Z a\r\n2026-12-01T09:16:51.25Z b\r\nc\r\n"
    assert log_resume.last_timestamp(data, tty=True) == "2026-12-01T09:16:51.25Z"


def test_it_has_no_timestamp_for_bytes_relayed_without_them():
    assert log_resume.last_timestamp(frame(1, b"line 1\n"), tty=False) is None


def test_the_position_of_a_relayed_log_without_timestamps_is_the_moment_it_ended():
    position = log_resume.LogPosition()
    position.relayed(frame(1, b"line 1\n"), tty=False)
    position.ended()
    assert position.timestamp.endswith("Z") and since_after(None, position.timestamp)


def gone():
    raise EngineUnavailable()


def test_it_waits_for_the_engine_and_gives_up_after_a_while():
    tries = []

    def probe():
        tries.append(1)
        if len(tries) < 3:
            raise EngineUnavailable()
        return "back"

    assert log_resume.wait_for_engine(threading.Event(), probe, give_up=10) == "back"
    with pytest.raises(EngineUnavailable, match="did not come back"):
        log_resume.wait_for_engine(threading.Event(), gone, give_up=0.3)
    stopping = threading.Event()
    stopping.set()
    assert log_resume.wait_for_engine(stopping, gone, give_up=10) is None
