"""Serve Berth: `python -m dashboard.serve [--host H] [--port P]`.

The one way Berth is served (make run, the image, the browser tests, the benches): uvicorn with
uvloop and httptools. It relays a websocket message in about 0.15 ms where Daphne takes 0.35 ms
(a bare echo app on this project's 2-core machine), and a terminal keystroke's round trip is
mostly that relay. Channels runs unchanged on either server; `manage.py runserver` uses Daphne
where the development tree (requirements-dev.txt) installed it, and a test runs the websockets
through a real Daphne too. The image has no Daphne.
"""

import argparse
import asyncio
import os
import sys

import uvicorn

TICK_SECONDS = 1.0  # uvicorn's own main loop wakes every 0.1 s


class Server(uvicorn.Server):
    """uvicorn's server, its main loop woken once a second instead of ten times.

    That loop only refreshes the Date header (once a second) and looks for a shutdown request;
    its ten wakeups a second were most of an idle Berth's CPU here: 0.27 to 0.38 CPU s per 30 s
    with nothing open (a bare uvloop loop sleeping 0.1 s: 0.21, sleeping 1 s: 0.12), a quarter of
    what bench/live_stats.py charges Berth's process. A signal still wakes it at once."""

    def __init__(self, config: uvicorn.Config):
        super().__init__(config)
        self.exit_asked = asyncio.Event()  # bound to a loop only when first awaited
        self.main_loop_of: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self.main_loop_of = asyncio.get_running_loop()
        ticks = round(TICK_SECONDS / 0.1)  # on_tick() counts uvicorn's 0.1 s ticks
        counter = 0
        while not await self.on_tick(counter):
            try:
                await asyncio.wait_for(self.exit_asked.wait(), TICK_SECONDS)
            except TimeoutError:
                pass
            counter = (counter + ticks) % 864000

    def handle_exit(self, sig, frame) -> None:
        super().handle_exit(sig, frame)
        if self.main_loop_of is not None:  # a signal handler: the thread-safe call
            self.main_loop_of.call_soon_threadsafe(self.exit_asked.set)


def configure_logging() -> None:
    """Berth's LOGGING (time, level, logger; LOG_FORMAT=json) for uvicorn's lines too, set before
    uvicorn logs its first one: given log_config=None it leaves the handlers alone."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
    from django.conf import settings
    from django.utils.log import configure_logging as django_configure_logging

    django_configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    configure_logging()
    config = uvicorn.Config(
        "dashboard.asgi:application",
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="websockets-sansio",
        # Berth reads X-Forwarded-* itself, only from TRUSTED_PROXIES (accounts/proxies.py):
        # uvicorn's own handling would trust any local peer.
        proxy_headers=False,
        # Log frames are read on the same machine or a LAN; compressing each costs more CPU than
        # it saves in time, and a fast log's frames come many a second.
        ws_per_message_deflate=False,
        lifespan="off",  # Django has no lifespan handler
        server_header=False,
        log_config=None,  # configure_logging() did it: Berth's format, not uvicorn's
        log_level=os.environ.get("LOG_LEVEL", "INFO").lower(),  # WARNING and above: no access lines
        # Open log follows and terminals would hold a stop for ever: close them after 5 s.
        timeout_graceful_shutdown=5,
    )
    server = Server(config)
    try:
        server.run()
    except KeyboardInterrupt:  # uvicorn re-raises a Ctrl+C once it has shut down, as uvicorn.run() takes it
        pass
    if not server.started:
        sys.exit(3)  # as uvicorn.run() says a startup failure


if __name__ == "__main__":
    main()
