"""The image's HEALTHCHECK: `python3 -m dashboard.healthcheck` exits 0 when Berth's /healthz
answers 200 on this container's port, 1 otherwise (the answer is printed either way).

Standard library only, and Django is not loaded: Docker runs this every 15 s beside the server.
The request names a host of ALLOWED_HOSTS, since Django answers 400 to any other.
"""

import http.client
import os
import sys

PORT = int(os.environ.get("PORT", "8000"))  # the image's CMD serves on 8000


def host_header(allowed_hosts: str) -> str:
    """A Host that ALLOWED_HOSTS accepts: its first entry (".example.com" allows example.com)."""
    for entry in allowed_hosts.split(","):
        entry = entry.strip()
        if entry and entry != "*":
            return entry.lstrip(".")
    return "localhost"


def main() -> int:
    host = host_header(os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost"))
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=4)
    try:
        connection.request("GET", "/healthz", headers={"Host": host})
        answer = connection.getresponse()
        print(answer.status, answer.read(200).decode("utf-8", "replace"))
        return 0 if answer.status == 200 else 1
    except OSError as e:
        print(f"no answer on 127.0.0.1:{PORT}: {e}")  # not UI: the image's health check, in docker inspect
        return 1
    finally:
        connection.close()


if __name__ == "__main__":
    sys.exit(main())
