"""Hostile escape sequences from a real container, drawn by the logs page in Chromium (issue 12).

No escape byte reaches the page's text, no link or other element is made (an OSC 8 link keeps
its text as plain text), private CSI and OSC strings vanish, and colours, reverse and strike are
classes that carry from line to line of one stream. tests/js/ansi.test.mjs has the parser's own.
"""

import json

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.browser

ESC, BEL, ST = "\x1b", "\x07", "\x1b\\"
STDOUT_FIRST = (
    f"{ESC}[?25l{ESC}[?1049h{ESC}[31mred starts\n"
    f"still red {ESC}[7mreversed{ESC}[27m\n"
    f"{ESC}[9mstruck red{ESC}[0m plain\n"
    f"{ESC}]8;;https://evil.example/?<script>{ST}link text{ESC}]8;;{ST} "
    f"{ESC}[38:5:196m256{ESC}[0m {ESC}[38:2::0:128:0mtrue{ESC}[m {ESC}[48;5;21;38;2;1;2;3mboth{ESC}[0m\n"
    f"\u009b32mC1 green\u009b0m {ESC}(B{ESC}7{ESC}]0;window title{BEL}done\n"
    '{"level":"info","msg":"\\u001b[32mgreen message\\u001b[0m","key":"\\u001b[31mvalue"}\n'
)
STDERR = f"{ESC}[34mblue on stderr, never reset\n"
STDOUT_THEN = f"<img src=x onerror=window.hacked=1> plain after stderr{ESC}]8;;javascript:alert(1){BEL}\n"

# Each line as drawn: its stream class, and each child of its text as [tag, class, color, background, text].
READ_LINES = """() => [...document.querySelectorAll("#log-view .line")].map((line) => ({
  stream: line.classList[1],
  runs: [...line.querySelector(".text").childNodes].map((node) => node.nodeType === Node.TEXT_NODE
    ? ["#text", "", "", "", node.data]
    : [node.tagName, node.className, node.style.color, node.style.backgroundColor, node.textContent]),
}))"""
ELEMENTS = """() => [...document.querySelectorAll("#log-view .line .text *")].map((node) =>
  [node.tagName, node.getAttributeNames().filter((name) => name !== "class" && name !== "style")])"""


@pytest.mark.parametrize("tty", [False, True], ids=["plain", "tty"])
def test_hostile_escapes_never_reach_the_page_and_colours_carry_across_lines(
    page, live_server_url, engine, docker_client, tty
):
    from playwright.sync_api import expect

    script = 'printf "%s" "$OUT"; printf "%s" "$ERR" >&2; sleep .1; printf "%s" "$THEN"'
    container = engine.container(
        ["sh", "-c", script], environment={"OUT": STDOUT_FIRST, "ERR": STDERR, "THEN": STDOUT_THEN}, tty=tty
    )
    wait_for(lambda: not docker_client.api.inspect_container(container["Id"])["State"]["Running"])
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    expect(page.locator("#log-status")).to_contain_text("Stopped (exit code 0)")
    view = page.locator("#log-view")
    text = view.text_content()
    for leak in (ESC, BEL, "\u009b", "[?25l", "38:5", "evil.example", "javascript:", "window title", "]8;;"):
        assert leak not in text, f"{leak!r} reached the page: {text!r}"
    assert view.locator("a, img, script, iframe").count() == 0 and page.evaluate("window.hacked") is None
    elements = page.evaluate(ELEMENTS)
    assert elements and all(tag == "SPAN" and not extra for tag, extra in elements), elements

    lines = {"".join(run[4] for run in line["runs"]): line for line in page.evaluate(READ_LINES) if line["runs"]}
    runs = {key: [run[:4] for run in line["runs"]] for key, line in lines.items()}
    assert runs["red starts"] == [["SPAN", "ansi-fg-1", "", ""]]
    assert runs["still red reversed"] == [["SPAN", "ansi-fg-1", "", ""], ["SPAN", "ansi-reverse ansi-bg-1", "", ""]]
    assert runs["struck red plain"] == [["SPAN", "ansi-strike ansi-fg-1", "", ""], ["#text", "", "", ""]]
    assert runs["link text 256 true both"] == [
        ["#text", "", "", ""],
        ["SPAN", "", "rgb(255, 0, 0)", ""],
        ["#text", "", "", ""],
        ["SPAN", "", "rgb(0, 128, 0)", ""],
        ["#text", "", "", ""],
        ["SPAN", "", "rgb(1, 2, 3)", "rgb(0, 0, 255)"],
    ]
    assert runs["C1 green done"] == [["SPAN", "ansi-fg-2", "", ""], ["#text", "", "", ""]]
    structured = [line for key, line in lines.items() if "green message" in key][0]["runs"]
    assert structured[0][:2] == ["SPAN", "level level-info"] and structured[1] == [
        "SPAN",
        "ansi-fg-2",
        "",
        "",
        "green message",
    ]
    assert json.dumps(structured[3:]) == json.dumps(
        [["SPAN", "field-key", "", "", "key="], ["#text", "", "", "", "value"]]
    )
    # stderr's colour stays on stderr: the stdout line after it is plain (on a TTY, one stream: blue)
    assert runs["blue on stderr, never reset"] == [["SPAN", "ansi-fg-4", "", ""]]
    assert runs["<img src=x onerror=window.hacked=1> plain after stderr"] == (
        [["SPAN", "ansi-fg-4", "", ""]] if tty else [["#text", "", "", ""]]
    )
    assert {line["stream"] for line in lines.values()} == ({"o"} if tty else {"o", "e"})
    # the red span is red in the page's palette, reversed swaps it to the background
    expect(view.locator(".ansi-fg-1", has_text="red starts")).to_have_css("color", "rgb(205, 49, 49)")
    expect(view.locator(".ansi-reverse", has_text="reversed")).to_have_css("background-color", "rgb(205, 49, 49)")
    expect(view.locator(".ansi-strike").first).to_have_css("text-decoration-line", "line-through")


def test_colours_start_afresh_when_the_container_starts_again(page, live_server_url, engine, docker_client):
    """A restarted container's log is a new stream: a colour its last run left set is gone."""
    from playwright.sync_api import expect

    script = (
        "if [ -e /ran ]; then echo plain after restart; else touch /ran; printf '\\033[31mred, never reset\\n'; fi; "
        "exec sleep 300"
    )
    container = engine.container(["sh", "-c", script])
    page.goto(f"{live_server_url}/containers/{container['Id']}/logs/")
    view = page.locator("#log-view")
    expect(view.locator(".line .text .ansi-fg-1")).to_have_text("red, never reset")
    docker_client.api.stop(container["Id"], timeout=0)
    expect(page.locator("#log-status")).to_contain_text("Stopped (exit code 137)")
    docker_client.api.start(container["Id"])
    expect(view.locator(".line .text").last).to_have_text("plain after restart")
    assert view.locator(".line .text").last.locator("span").count() == 0
