"""pump.py: the bounded queue between a reader and a consumer."""

import asyncio

import pytest

from containers.streams.pump import Pump, in_own_thread
from containers.streams.wire import READ_SIZE, LogBytes
from dashboard.engine import EngineUnavailable


@pytest.mark.asyncio
async def test_relayed_pieces_join_in_the_queue_up_to_a_read():
    """Read on the loop, a fast log comes in many small pieces: they join the bytes queued last,
    so the queue's places last as long as its lines do."""
    pump = Pump(asyncio.get_running_loop(), maxsize=4, drop=True, name="test", max_lines=1000)
    for _ in range(3):
        pump.offer_here(LogBytes(b"x" * 10, 1), 1)
    pump.offer_here(LogBytes(b"y" * READ_SIZE, 5), 5)  # too big to join: a place of its own
    assert pump.queue.qsize() == 2 and pump.queued_lines == 8
    assert await pump.get() == LogBytes(b"x" * 30, 3)
    assert pump.queued_lines == 5 and pump.skipped == 0


@pytest.mark.asyncio
async def test_a_call_in_its_own_thread_hands_its_exception_to_the_awaiting_task():
    def fails():
        raise EngineUnavailable("gone")

    for _ in range(100):  # the thread leaves its except block at once: the hand-over must not need it
        with pytest.raises(EngineUnavailable):
            await asyncio.wait_for(in_own_thread(fails), timeout=5)
