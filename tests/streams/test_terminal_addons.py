"""The terminal's xterm.js addons in Chromium (issue 14, part 5): web links (http and https only,
without an opener), search in the scrollback, Unicode 11 widths, WebGL with the DOM renderer as
its fallback, and the theme switch re-theming an open terminal."""

import contextlib

import pytest

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, log_in, wait_for_js

pytestmark = pytest.mark.browser
LIGHT_BG, DARK_BG = "#fbfcfd", "#0b0e13"


def open_shell(page, live_server_url, engine):
    from playwright.sync_api import expect

    container = engine.container("sleep 300")
    page.goto(f"{live_server_url}/containers/{container['Id']}/exec/")
    expect(page.locator("#terminal-status")).to_contain_text("Connected")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("#")  # the prompt
    page.locator("#terminal").click()
    return container


def run(page, command: str, expected: str) -> None:
    """Type a command; wait for output that its echo does not hold (e.g. the value of $((2*3)))."""
    from playwright.sync_api import expect

    page.keyboard.type(command + "\n")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text(expected)


def cell_of(page, text: str) -> tuple[float, float]:
    """Where a line that starts with `text` is on screen: the middle of its third cell."""
    row = page.locator("#terminal .xterm-rows > div", has_text=text).last
    box = row.bounding_box()
    cols = page.evaluate("document.getElementById('terminal').xterm.cols")
    screen = page.locator("#terminal .xterm-screen").bounding_box()
    return box["x"] + 2.5 * screen["width"] / cols, box["y"] + box["height"] / 2


def test_an_http_link_opens_in_a_new_tab_without_an_opener_and_other_schemes_are_no_links(
    page, live_server_url, engine
):
    open_shell(page, live_server_url, engine)
    target = f"{live_server_url}/healthz"
    run(page, f"clear; echo {target}; echo javascript:alert1; echo file:///etc/passwd; echo end-$((2*3))", "end-6")
    x, y = cell_of(page, target)
    page.mouse.move(x, y)
    with page.context.expect_page() as opened:
        page.mouse.click(x, y)
    popup = opened.value
    popup.wait_for_load_state()
    assert popup.url == target
    assert popup.evaluate("window.opener") is None  # noopener: the new tab cannot reach this page
    popup.close()
    for text in ("javascript:alert1", "file:///etc/passwd"):
        x, y = cell_of(page, text)
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.wait_for_timeout(400)
        assert len(page.context.pages) == 1, f"{text} opened something"


def test_it_searches_the_scrollback(page, live_server_url, engine):
    from playwright.sync_api import expect

    open_shell(page, live_server_url, engine)
    run(page, "seq 1 400 | sed 's/^/line-/'; echo needle-7734; seq 1 200; echo end-$((2*3))", "end-6")
    search = page.locator("#terminal-search")
    expect(search).to_be_visible()
    search.fill("needle-7734")
    search.press("Enter")
    assert page.evaluate("document.getElementById('terminal').xterm.getSelection()") == "needle-7734"
    search.fill("nowhere-to-be-found")
    search.press("Enter")
    expect(page.locator("#terminal-status")).to_have_text("Not found in the scrollback")


def test_unicode_11_widths_are_active(page, live_server_url, engine):
    open_shell(page, live_server_url, engine)
    assert page.evaluate("document.getElementById('terminal').xterm.unicode.activeVersion") == "11"
    # An emoji of Unicode 9 and later is two cells wide (Unicode 6's tables said one).
    page.keyboard.type("printf 'A\\360\\237\\244\\226B\\n'\n")
    width = wait_for_js(
        page,
        """() => {
            const buffer = document.getElementById('terminal').xterm.buffer.active;
            for (let y = 0; y < buffer.length; y++) {
                const line = buffer.getLine(y);
                if (line.translateToString(true) === 'A\\u{1F916}B') return line.getCell(1).getWidth();
            }
            return 0;
        }""",
    )
    assert width == 2


def test_without_webgl_it_falls_back_to_the_dom_renderer_and_works(page, live_server_url, engine):
    """The tests' Chromium has no WebGL (--disable-gpu --disable-webgl): what a GPU-less browser sees."""
    open_shell(page, live_server_url, engine)
    assert page.evaluate("!!document.createElement('canvas').getContext('webgl2')") is False
    assert page.locator("#terminal").get_attribute("data-renderer") == "dom"
    run(page, "echo $((7*6))-rendered", "42-rendered")


def test_with_webgl_it_draws_with_webgl_and_falls_back_when_the_context_is_lost(browser, berth_server, engine):
    from playwright.sync_api import expect

    args = [arg for arg in CHROMIUM_ARGS if arg != "--disable-webgl"]  # SwiftShader's software WebGL2
    with contextlib.closing(browser.browser_type.launch(executable_path=CHROMIUM, args=args, headless=True)) as webgl:
        page = webgl.new_page(viewport={"width": 1366, "height": 768})
        log_in(page, berth_server)
        container = engine.container("sleep 300")
        page.goto(f"{berth_server.url}/containers/{container['Id']}/exec/")
        expect(page.locator("#terminal-status")).to_contain_text("Connected")
        expect(page.locator("#terminal")).to_have_attribute("data-renderer", "webgl")
        page.evaluate(
            """() => {
                // The renderer's own canvas: getContext answers null on a canvas drawn in 2D.
                const canvases = Array.from(document.querySelectorAll('#terminal canvas'));
                const gl = canvases.map((canvas) => canvas.getContext('webgl2')).find(Boolean);
                gl.getExtension('WEBGL_lose_context').loseContext();
            }"""
        )
        expect(page.locator("#terminal")).to_have_attribute("data-renderer", "dom")
        page.locator("#terminal").click()
        page.keyboard.type("echo after-$((6*7))\n")
        expect(page.locator("#terminal .xterm-rows")).to_contain_text("after-42")


def terminal_background(page) -> str:
    return page.evaluate("document.getElementById('terminal').xterm.options.theme.background")


def test_the_theme_switch_re_themes_an_open_terminal_and_persists_across_a_reload(page, live_server_url, engine):
    from playwright.sync_api import expect

    page.emulate_media(color_scheme="light")
    open_shell(page, live_server_url, engine)
    assert terminal_background(page) == LIGHT_BG
    choice = page.locator("#theme-choice")
    expect(choice).to_have_value("auto")
    choice.select_option("dark")
    assert terminal_background(page) == DARK_BG  # at once, no reload
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
    viewport = page.locator("#terminal .xterm-scrollable-element")  # where xterm 6 paints the background
    assert viewport.evaluate("node => getComputedStyle(node).backgroundColor") == "rgb(11, 14, 19)"
    page.reload()
    expect(page.locator("#terminal-status")).to_contain_text("Connected")
    expect(choice).to_have_value("dark")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert terminal_background(page) == DARK_BG
    choice.select_option("light")
    assert terminal_background(page) == LIGHT_BG
    # Auto follows the system, and a change of the system's setting re-themes at once too.
    choice.select_option("auto")
    page.emulate_media(color_scheme="dark")
    wait_for_js(page, f"document.getElementById('terminal').xterm.options.theme.background === '{DARK_BG}'")
