"""Stats from an engine on tcp:// (containers/streams/stats.py's thread path): a unix socket's
stream is read on the event loop, a TCP engine's in a thread; both give the same samples."""

import asyncio

import pytest

from containers.streams import sockets
from containers.streams.stats import read_stats
from tests.browser_support import _free_port
from tests.conftest import random_name
from tests.images import BUSYBOX_IMAGE
from tests.streams.conftest import berth_on, started_extra_engine

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="module")
def tcp_engine(docker_client):
    yield from started_extra_engine(tcp_port=_free_port())


@pytest.fixture
def berth_on_tcp(tcp_engine, monkeypatch):
    with berth_on(tcp_engine.tcp_host, monkeypatch):
        yield tcp_engine


async def test_a_tcp_engine_s_stats_are_read_in_a_thread_sample_by_sample(berth_on_tcp):
    api = berth_on_tcp.client.api
    made = await asyncio.to_thread(
        api.create_container,
        BUSYBOX_IMAGE,
        ["sh", "-c", "while true; do echo x; sleep 0.2; done"],
        name=random_name("tcp-stats"),
    )
    await asyncio.to_thread(api.start, made["Id"])
    assert sockets.engine_socket_path() is None  # Berth's client speaks TCP: the thread path
    samples: list = []
    reading = asyncio.create_task(read_stats(made["Id"], samples.append))
    try:
        async with asyncio.timeout(20):
            while len([s for s in samples if s]) < 2:  # the engine samples once a second
                await asyncio.sleep(0.1)
        running = [s for s in samples if s]
        assert running[-1]["mem"] > 0 and running[-1]["limit"] > 0 and "cpu" in running[-1]
        await asyncio.to_thread(api.kill, made["Id"])
        async with asyncio.timeout(20):
            while samples[-1] is not None:  # stopped: said so, not zeros
                await asyncio.sleep(0.1)
    finally:
        reading.cancel()
        await asyncio.to_thread(api.remove_container, made["Id"], force=True)
