"""Serve Berth: `python -m dashboard.serve [--host H] [--port P]`.

The one way Berth is served (make run, the image, the browser tests, the benches): uvicorn with
uvloop and httptools. It relays a websocket message in about 0.15 ms where Daphne takes 0.35 ms
(a bare echo app on this project's 2-core machine), and a terminal keystroke's round trip is
mostly that relay. Channels runs unchanged on either server; `manage.py runserver` still uses
Daphne, and a test runs the websockets through a real Daphne too.
"""

import argparse
import os

import uvicorn


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=os.environ.get("BIND", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)
    uvicorn.run(
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
        log_level=os.environ.get("LOG_LEVEL", "INFO").lower(),  # WARNING and above: no access lines
        # Open log follows and terminals would hold a stop for ever: close them after 5 s.
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
