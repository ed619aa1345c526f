"""The terminal and log pages in Chromium, through a real Daphne (SCENARIOS 1-3, 11-13, 24)."""

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.browser


def terminal_text(page) -> str:
    return page.locator("#terminal .xterm-rows").inner_text()


def test_it_starts_an_interactive_container_attached_and_reports_its_exit(page, live_server_url, engine, docker_client):
    from playwright.sync_api import expect

    container = engine.container("sh", start=False, tty=True, stdin_open=True)
    page.goto(f"{live_server_url}/containers/{container['Id']}/attach/?start=1")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("/ #")  # the first prompt, unprompted
    # Drawn while the container was still Created; the socket says when its start happened.
    expect(page.locator("#container-state")).to_have_text("Running")
    expect(page.locator("#container-state")).to_have_class("badge state-running")
    expect(page.locator("#terminal-status")).to_contain_text("Attached")
    page.screenshot(path="/tmp/j5-attach-started.png")
    page.locator("#terminal").click()
    page.keyboard.type("echo $((6*7))\n")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("42")
    page.keyboard.type("exit 3\n")
    expect(page.locator("#terminal-status")).to_contain_text("exited with code 3")
    expect(page.locator("#container-state")).to_have_text("Exited (3)")
    assert docker_client.api.inspect_container(container["Id"])["State"]["ExitCode"] == 3


def test_it_detaches_on_ctrl_p_ctrl_q_and_leaves_the_container_running(page, live_server_url, engine, docker_client):
    from playwright.sync_api import expect

    container = engine.container("sh", tty=True, stdin_open=True)
    page.goto(f"{live_server_url}/containers/{container['Id']}/attach/")
    expect(page.locator("#terminal-status")).to_contain_text("Attached")
    page.locator("#terminal").click()
    page.keyboard.press("Control+p")
    page.keyboard.press("Control+q")
    expect(page.locator("#terminal-status")).to_contain_text("Detached")
    assert docker_client.api.inspect_container(container["Id"])["State"]["Running"]


def test_it_opens_a_shell_with_exec_that_fills_the_window(page, live_server_url, engine, docker_client):
    from playwright.sync_api import expect

    container = engine.container("sleep 300", environment={"GREETING": "hello from berth"})
    page.goto(f"{live_server_url}/containers/{container['Id']}/exec/")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("starting sh instead")
    page.locator("#terminal").click()
    page.keyboard.type("echo $GREETING; stty size\n")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("hello from berth")
    rows = int(terminal_text(page).split("hello from berth")[1].split()[0])
    assert rows > 30  # not Portainer's fixed 30 rows: the terminal follows the window
    page.set_viewport_size({"width": 1000, "height": 600})
    page.wait_for_timeout(300)
    page.keyboard.type("clear; stty size\n")
    expect(page.locator("#terminal .xterm-rows")).not_to_contain_text(f"{rows} ")
    page.close()  # closing the tab kills the shell
    assert wait_for(
        lambda: all(p[-1] == "sleep 300" for p in docker_client.api.top(container["Id"])["Processes"]), timeout=10
    )


def test_it_shows_log_lines_escaped_coloured_and_structured(page, live_server_url, engine, docker_client):
    from playwright.sync_api import expect

    script = (
        "printf 'plain <script>window.hacked=1</script> \\033[31mred\\033[0m\\n'; "
        'printf \'{"level":"error","msg":"json failure","user":"bob"}\\n\' >&2; '
        "printf 'level=warn msg=\"logfmt warning\" n=2\\n'"
    )
    container = engine.container(["sh", "-c", script])
    wait_for(lambda: not docker_client.api.inspect_container(container["Id"])["State"]["Running"])
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    view = page.locator("#log-view")
    expect(view).to_contain_text("<script>window.hacked=1</script>")
    assert view.locator("script").count() == 0 and page.evaluate("window.hacked") is None
    expect(view.locator("span", has_text="red").last).to_have_css("color", "rgb(205, 49, 49)")
    expect(view.locator(".line.e .level-error")).to_have_text("ERROR")
    expect(view.locator(".line.e")).to_contain_text("json failure")
    expect(view.locator(".level-warn")).to_have_text("WARN")
    expect(page.locator("#log-status")).to_contain_text("Stopped (exit code 0)")
    # Timestamps and stderr shown or hidden at once, without reconnecting; the filter narrows what is shown.
    expect(view.locator(".ts").first).to_be_hidden()
    page.get_by_label("timestamps").check()
    expect(view.locator(".ts").first).to_be_visible()
    page.get_by_label("stderr").uncheck()
    expect(view.locator(".line.e")).to_be_hidden()
    page.locator("#log-filter").fill("logfmt")
    expect(view.locator(".line:visible")).to_have_count(1)


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
def test_it_splits_the_relayed_log_into_lines_in_the_browser(page, live_server_url, engine, docker_client, tty):
    """The logs page gets the engine's bytes (binary frames) and logs.js splits them: a character
    split across reads, a line Docker cut at 16 KiB, stdout and stderr each in order."""
    from playwright.sync_api import expect

    script = (
        "printf '\\342\\202'; sleep .2; printf '\\254\\n'; head -c 40000 /dev/zero | tr '\\0' a; echo; "
        "for i in 1 2 3; do echo o$i; echo e$i >&2; done"
    )
    container = engine.container(["sh", "-c", script], tty=tty)
    wait_for(lambda: not docker_client.api.inspect_container(container["Id"])["State"]["Running"])
    binary_frames = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda payload: binary_frames.append(payload) if isinstance(payload, bytes) else None
        ),
    )
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    view = page.locator("#log-view")
    expect(page.locator("#log-status")).to_contain_text("Stopped (exit code 0)")
    texts = view.locator(".line .text").all_inner_texts()
    streams = view.locator(".line .stream").all_inner_texts()
    stdout = ["€", "a" * 40000, "o1", "o2", "o3"]
    if tty:  # one stream: what the terminal showed, in its order
        assert texts == stdout[:2] + ["o1", "e1", "o2", "e2", "o3", "e3"] and set(streams) == {"out"}
    else:  # each stream in its order; merged by the engine's timestamps, which may put e1 first
        assert [text for text, stream in zip(texts, streams, strict=True) if stream == "out"] == stdout
        assert [text for text, stream in zip(texts, streams, strict=True) if stream == "err"] == ["e1", "e2", "e3"]
    assert view.locator(".ts").first.text_content().startswith("20")  # every line kept its time
    assert binary_frames, "the log came as JSON lines, not as the engine's bytes"


def test_it_follows_a_log_across_a_restart_in_the_browser(page, live_server_url, engine, docker_client):
    """After the container stops and starts again, the page splits the new stream afresh: no
    line twice, none lost, a note between them."""
    from playwright.sync_api import expect

    container = engine.container(["sh", "-c", "echo hello; exec sleep 300"])
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    view = page.locator("#log-view")
    expect(view.locator(".line .text")).to_have_text(["hello"])
    docker_client.api.stop(container["Id"], timeout=0)
    expect(page.locator("#log-status")).to_contain_text("Stopped (exit code 137)")
    docker_client.api.start(container["Id"])
    expect(view).to_contain_text("the container started again")
    expect(view.locator(".line .text")).to_have_text(["hello", "hello"])


def test_it_searches_the_whole_of_a_long_log_through_the_pages_form(page, live_server_url, engine, docker_client):
    """ "Search the whole log" finds a line near the start of a 200,000-line log, not only in the
    last 300 lines (issue 11, item 1); so does the log view with "Last lines" left empty."""
    from playwright.sync_api import expect

    container = engine.container(["sh", "-c", "echo needle-near-the-start; seq 1 200000"])
    wait_for(lambda: not docker_client.api.inspect_container(container["Id"])["State"]["Running"], timeout=60)
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    view = page.locator("#log-view")
    expect(view.locator(".line .text").last).to_have_text("200000")
    page.get_by_label("Search the whole log, on the server").fill("needle-near")
    page.locator("#log-search button", has_text="Search").click()
    expect(view.locator(".line .text")).to_have_text(["needle-near-the-start"], timeout=30_000)
    page.get_by_label("Last lines").fill("")
    page.get_by_label("Search the whole log, on the server").fill("")
    page.locator("#log-controls button", has_text="Show").click()
    expect(view.locator(".line .text").first).to_have_text("needle-near-the-start", timeout=30_000)
