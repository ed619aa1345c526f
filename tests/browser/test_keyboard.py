"""Keyboard shortcuts, the command palette, the skip link and the theme (issue 14, part 5)."""

import pytest

from tests.conftest import random_name

pytestmark = pytest.mark.browser
WIDTH, HEIGHT = 1366, 768


@pytest.fixture
def small(page):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    return page


@pytest.mark.parametrize(
    "letter, path", [("c", "/containers/"), ("i", "/images/"), ("v", "/volumes/"), ("n", "/networks/")]
)
def test_g_and_a_letter_go_to_each_list(page, live_server_url, letter, path):
    page.goto(f"{live_server_url}/")
    page.keyboard.press("g")
    page.keyboard.press(letter)
    page.wait_for_url(f"{live_server_url}{path}")


def test_slash_focuses_the_filter(page, live_server_url):
    from playwright.sync_api import expect

    page.goto(f"{live_server_url}/containers/")
    page.keyboard.press("/")
    filter_box = page.locator("main input[type=search][name=q]")
    expect(filter_box).to_be_focused()
    page.keyboard.type("gc")  # typed into the filter, not a shortcut
    expect(filter_box).to_have_value("gc")
    assert page.url.startswith(f"{live_server_url}/containers/")


def test_question_mark_lists_the_shortcuts_and_escape_closes_them(small, live_server_url):
    from playwright.sync_api import expect

    small.goto(f"{live_server_url}/images/")
    small.keyboard.press("?")
    dialog = small.locator("#shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Go to volumes")
    for scheme in ("light", "dark"):
        small.emulate_media(color_scheme=scheme)
        small.screenshot(path=f"/tmp/i3-shortcuts-{scheme}.png")
    small.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_no_shortcut_fires_in_a_text_field(page, live_server_url):
    from playwright.sync_api import expect

    page.goto(f"{live_server_url}/containers/new/")
    field = page.locator("main input[type=text]").first
    field.click()
    for key in ("g", "i", "?", "/", "Control+k"):
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert page.url == f"{live_server_url}/containers/new/"
    expect(page.locator("#shortcuts")).to_be_hidden()
    expect(page.locator("#palette")).to_be_hidden()
    expect(field).to_be_focused()


def test_no_shortcut_fires_in_the_terminal_where_ctrl_k_goes_to_the_shell(page, live_server_url, engine):
    from playwright.sync_api import expect

    container = engine.container("sleep 300")
    page.goto(f"{live_server_url}/containers/{container['Id']}/exec/")
    expect(page.locator("#terminal-status")).to_contain_text("Connected")
    page.locator("#terminal").click()
    # Ctrl-K, in the middle of a line, kills to its end in the shell (ash's line editing).
    page.keyboard.type("echo kept-$((6*7))XX")
    for _ in range(2):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Control+k")
    page.keyboard.type("g")
    page.keyboard.type("i")
    page.keyboard.type("?")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.keyboard.press("Enter")
    expect(page.locator("#terminal .xterm-rows")).to_contain_text("kept-42")
    expect(page.locator("#terminal .xterm-rows")).not_to_contain_text("kept-42XX")
    assert "/exec/" in page.url
    expect(page.locator("#palette")).to_be_hidden()
    expect(page.locator("#shortcuts")).to_be_hidden()


def test_the_palette_finds_a_container_and_opens_its_page(small, live_server_url, engine):
    from playwright.sync_api import expect

    name = random_name("palette")
    container = engine.container(name=name)
    small.goto(f"{live_server_url}/")
    small.keyboard.press("Control+k")
    palette = small.locator("#palette")
    expect(palette).to_be_visible()
    expect(small.locator("#palette-input")).to_be_focused()
    small.keyboard.type(name[-8:])
    expect(small.locator("#palette-results")).to_have_attribute("data-query", name[-8:])
    result = small.locator("#palette-results .palette-item", has_text=name)
    expect(result).to_have_count(1)
    expect(result.locator(".palette-actions a")).to_have_text(["Logs", "Terminal", "Remove…"])  # an admin
    for scheme in ("light", "dark"):
        small.emulate_media(color_scheme=scheme)
        small.screenshot(path=f"/tmp/i3-palette-{scheme}.png")
    small.keyboard.press("ArrowDown")
    expect(result.locator(".palette-main")).to_be_focused()
    outline = result.locator(".palette-main").evaluate("node => getComputedStyle(node).outlineStyle")
    assert outline != "none"  # focus is always visible
    small.keyboard.press("Enter")
    small.wait_for_url(f"{live_server_url}/containers/{container['Id']}/")


def test_enter_in_the_palette_opens_the_first_result_and_escape_closes_it(page, live_server_url, engine):
    from playwright.sync_api import expect

    name = random_name("palette")
    container = engine.container(name=name)
    page.goto(f"{live_server_url}/images/")
    page.keyboard.press("Control+k")
    page.keyboard.type("nothing-is-called-this")
    expect(page.locator("#palette-status")).to_have_text("Nothing by that name.")
    page.keyboard.press("Escape")
    expect(page.locator("#palette")).to_be_hidden()
    page.keyboard.press("Control+k")
    expect(page.locator("#palette")).to_be_visible()
    expect(page.locator("#palette-input")).to_have_value("")
    page.keyboard.type(name)
    expect(page.locator("#palette-results")).to_have_attribute("data-query", name)
    expect(page.locator("#palette-results .palette-item")).to_have_count(1)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server_url}/containers/{container['Id']}/")


def test_ctrl_k_straight_after_escape_opens_the_palette_again(page, live_server_url):
    # Both keys in one task, as a fast typist (or a loaded CI runner) sends them: the second
    # Ctrl-K must not land on the closed palette's input (CI lost it so once).
    from playwright.sync_api import expect

    page.goto(f"{live_server_url}/images/")
    page.keyboard.press("Control+k")
    expect(page.locator("#palette-input")).to_be_focused()
    reopened = page.evaluate(
        """() => {
          const key = (init) => document.activeElement.dispatchEvent(
            new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
          key({ key: "Escape" });
          const closed = !document.getElementById("palette").open;
          key({ key: "k", ctrlKey: true });
          return closed && document.getElementById("palette").open;
        }"""
    )
    assert reopened


def test_a_skip_link_leads_to_the_content_and_focus_shows(page, live_server_url):
    from playwright.sync_api import expect

    page.goto(f"{live_server_url}/containers/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown once focused
    assert skip.evaluate("node => getComputedStyle(node).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("main#content")).to_be_focused()
    page.keyboard.press("Tab")  # the first control of the content, after the header's
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_the_theme_is_remembered_and_set_before_the_first_paint(page, live_server_url):
    from playwright.sync_api import expect

    page.emulate_media(color_scheme="light")
    page.goto(f"{live_server_url}/volumes/")
    page.locator("#theme-choice").select_option("dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(15, 18, 23)"
    # Before the first paint: data-theme is there when the body starts to be parsed.
    page.add_init_script(
        "new MutationObserver((_, observer) => { if (document.body) {"
        " window.themeAtBody = document.documentElement.dataset.theme || 'none'; observer.disconnect(); } })"
        ".observe(document, { childList: true, subtree: true });"
    )
    page.goto(f"{live_server_url}/networks/")
    assert page.evaluate("window.themeAtBody") == "dark"
    expect(page.locator("#theme-choice")).to_have_value("dark")
    assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "dark"
