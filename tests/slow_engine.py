"""A slow engine made for real: a unix socket in front of /var/run/docker.sock that holds POSTs.

Every request reaches the real engine, so what Berth asked for really happens, only late: a
POST is forwarded `hold` seconds after it arrived, even if the client gave up waiting by then.

    with SlowEngine(path, hold=4) as slow:           # DOCKER_HOST=unix://<path>
        ...
"""

import asyncio
import threading

UPSTREAM = "/var/run/docker.sock"


class SlowEngine:
    def __init__(self, path, hold: float, upstream: str = UPSTREAM):
        self.path, self.hold, self.upstream = str(path), hold, upstream
        self.held = 0  # POSTs held so far
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="slow-engine", daemon=True)

    @property
    def docker_host(self) -> str:
        return f"unix://{self.path}"

    def __enter__(self) -> "SlowEngine":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(asyncio.start_unix_server(self._serve, self.path), self._loop).result(10)
        return self

    def __exit__(self, *exc) -> None:
        async def stop():
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        answered = asyncio.Event()
        answered.set()

        async def downstream():
            while data := await up_reader.read(65536):
                answered.set()
                try:
                    writer.write(data)
                    await writer.drain()
                except ConnectionError:
                    pass  # the client gave up; keep reading so the engine can finish

        pump = asyncio.create_task(downstream())
        try:
            # A keep-alive connection carries one request at a time: a chunk that starts with
            # "POST " starts a request; its body follows it through this same, held, loop.
            while data := await reader.read(65536):
                if data.startswith(b"POST "):
                    self.held += 1
                    await asyncio.sleep(self.hold)
                answered.clear()
                up_writer.write(data)
                await up_writer.drain()
            # The client is gone. Hang up on the engine only once it answered what it was sent:
            # the engine cancels a request whose connection closes.
            await asyncio.wait_for(answered.wait(), 60)
        except (ConnectionError, TimeoutError, asyncio.CancelledError):
            pass  # cancelled: the test is over
        finally:
            pump.cancel()
            up_writer.close()
            writer.close()
