"""Issue 10, item 1 in Chromium: a page on another port of Berth's host cannot open a terminal.

The admin is logged in to Berth at http://127.0.0.1:<port>; a page served from another port of
127.0.0.1 (as a container's published port would be) opens an exec socket. The browser sends
Berth's session cookie along (cookies are not separated by port, and SameSite counts every port
of a host as the same site), so only the origin check stands between that page and a root shell.
"""

import functools
import http.server
import json
import sqlite3
import threading

import pytest

pytestmark = pytest.mark.browser

HIJACKER = """<!doctype html><title>a container's web app</title><script>
window.received = [];
const socket = new WebSocket('ws://127.0.0.1:%(port)s/ws/containers/%(id)s/exec/?cmd=' + encodeURIComponent('id'));
socket.binaryType = 'arraybuffer';
socket.onmessage = (event) => window.received.push(
  typeof event.data === 'string' ? event.data : new TextDecoder().decode(event.data));
socket.onclose = (event) => { window.closeCode = event.code; };
</script>"""


class _Page(http.server.BaseHTTPRequestHandler):
    def __init__(self, body: bytes, *args, **kwargs):
        self.body = body
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def other_port_page():
    """Serves one page (the body given to `serve`) from a free port of 127.0.0.1; yields serve."""
    servers = []

    def serve(body: str) -> str:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Page, body.encode()))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def audit_entries(berth_server, action: str) -> list[dict]:
    path = berth_server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        rows = db.execute("SELECT * FROM accounts_auditentry WHERE action = ?", (action,)).fetchall()
    return [{**dict(row), "extra": json.loads(row["extra"] or "{}")} for row in rows]


def test_a_page_on_another_port_cannot_open_a_terminal(page, berth_server, engine, other_port_page):
    container = engine.container("sleep 300")
    berth_port = berth_server.url.rsplit(":", 1)[1]
    origin = other_port_page(HIJACKER % {"port": berth_port, "id": container["Id"]})

    page.goto(origin + "/")
    page.wait_for_function("window.closeCode !== undefined")

    received = page.evaluate("window.received")
    assert not any("uid=" in text for text in received), received  # before the fix: uid=0 gid=0 groups=0
    assert (page.evaluate("window.closeCode"), received) == (4403, [])  # no output, not even an error frame
    opened = [e for e in audit_entries(berth_server, "container.exec") if e["object_id"] == container["Id"]]
    assert [e for e in opened if e["extra"].get("phase") == "open"] == []
    refusals = [e for e in audit_entries(berth_server, "websocket.connect") if e["extra"].get("origin") == origin]
    assert len(refusals) == 1
    assert refusals[0]["outcome"] == "denied" and origin in refusals[0]["message"]
    assert refusals[0]["username"] == berth_server.username  # whose cookie the page tried to use


def test_berths_own_pages_still_open_their_sockets(page, berth_server, engine):
    from playwright.sync_api import expect

    container = engine.container("sleep 300")
    page.goto(f"{berth_server.url}/containers/{container['Id']}/exec/?cmd=id")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("uid=0 gid=0")
