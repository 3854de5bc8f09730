"""Accessibility in a real browser: axe-core on every page of every role, and the keyboard.

axe-core comes from the npm registry (package.json at the repository's root; `npm ci`
installs it into node_modules/, which git ignores). The pages are those of the phone
tour in test_pages_on_phones.py (every GET page of each role, from the URL map), each
visited once per test run for both checks (``survey``).
"""

import pytest

from .conftest import needs_chromium
from .test_pages_on_phones import AXE, axe_violations, log_in_as, prepare, survey

pytestmark = [pytest.mark.browser, needs_chromium]

needs_axe = pytest.mark.skipif(
    not AXE.exists(),
    reason=f"axe-core not installed at {AXE}: run `npm ci --no-audit --no-fund` at the repo root",
)


@needs_axe
def test_every_page_passes_axe_wcag_21_aa(request):
    """Zero violations of the WCAG 2.0/2.1 A and AA rules on every page, details opened."""
    reports = survey(request)
    problems = [f"{r.where}: {violation}" for r in reports for violation in r.axe]
    assert len(reports) > 40 and all(r.axe is not None for r in reports)
    assert not problems, f"{len(problems)} axe violations:\n" + "\n".join(problems)


# --- the keyboard ----------------------------------------------------------------------

DESCRIBE_FOCUS = """
() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    id: el.id,
    tag: el.tagName.toLowerCase(),
    text: (el.innerText || el.value || '').trim().replace(/\\s+/g, ' '),
    inMain: !!el.closest('main'),
    inNav: !!el.closest('nav'),
    top: box.top + window.scrollY,
    outline: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
    shown: box.width > 0 && box.height > 0,
  };
}
"""


def tab_through(page, limit=40) -> list[dict]:
    """Press Tab from the top of the page; every element it focuses, until it leaves main."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    stops: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(DESCRIBE_FOCUS)
        if focused is None or (stops and stops[-1]["inMain"] and not focused["inMain"]):
            break
        stops.append(focused)
    return stops


def tab_to(page, text: str, limit=40) -> dict:
    """Press Tab until the element named ``text`` (its text or id) has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(DESCRIBE_FOCUS)
        if focused and text in (focused["text"], focused["id"]):
            return focused
    raise AssertionError(f"Tab never reached {text!r}")


def assert_focus_visible(stops: list[dict]) -> None:
    unseen = [s["text"] or s["id"] for s in stops if s["outline"] < 2 or not s["shown"]]
    assert not unseen, f"no visible focus outline on: {unseen}"


def test_today_by_keyboard(live_server, browser):
    page = browser.page
    prepare(live_server, browser)
    log_in_as(page, live_server.url, "patient")
    page.goto(f"{live_server.url}/today")
    positive = page.evaluate(
        "[...document.querySelectorAll('[tabindex]')].filter((e) => e.tabIndex > 0).length"
    )
    assert positive == 0, "a positive tabindex would break the reading order"
    stops = tab_through(page)
    texts = [s["text"] for s in stops]

    # The skip link first, the site's name, the navigation, then the page's own actions.
    assert texts[:2] == ["Skip to content", "Retrain"], texts
    nav = [i for i, s in enumerate(stops) if s["inNav"]]
    main = [i for i, s in enumerate(stops) if s["inMain"]]
    assert nav and main and max(nav) < min(main), texts
    # On a phone the navigation folds behind one "Menu" button (issue 16).
    assert len(nav) == 1 and texts[nav[0]].startswith("Menu"), texts
    start = texts.index("Start today's session")
    assert texts[start + 1] == "Log a session without the guided player", texts
    # Inside the page, Tab follows what the eye sees: top to bottom.
    tops = [stops[i]["top"] for i in main]
    assert tops == sorted(tops), texts
    assert_focus_visible(stops)

    # The skip link shows itself when focused and takes focus to the page's content.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Tab")
    box = page.get_by_role("link", name="Skip to content").bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # Enter on "Menu" unfolds the navigation, next in the Tab order.
    page.goto(f"{live_server.url}/today")
    tab_to(page, "Skip to content")
    page.keyboard.press("Tab")  # the site's name
    page.keyboard.press("Tab")
    menu = page.locator(".nav-toggle")
    assert menu.evaluate("(el) => el === document.activeElement")
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    links = []
    while "Log out" not in links and len(links) < 15:  # the patient's pages, then Log out
        page.keyboard.press("Tab")
        links.append(page.evaluate("document.activeElement.innerText.trim()"))
    assert links[:2] == ["Today", "History"] and links[-1] == "Log out", links

    # Enter on the main action opens the guided player.
    page.goto(f"{live_server.url}/today")
    tab_to(page, "Start today's session")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/session/player")
    assert browser.errors == []


def test_player_starts_and_pauses_by_keyboard(live_server, browser):
    from playwright.sync_api import expect

    page = browser.page
    prepare(live_server, browser)
    log_in_as(page, live_server.url, "patient")
    page.goto(f"{live_server.url}/session/player")
    expect(page.locator("#player")).to_be_visible()

    stops = [tab_to(page, "opt-sound"), tab_to(page, "player-begin")]
    page.keyboard.press("Enter")
    expect(page.locator("#player-exercise")).to_be_visible()
    # Focus moves to the exercise's name, so a screen reader reads it next.
    assert page.evaluate("document.activeElement.id") == "exercise-name"

    stops.append(tab_to(page, "player-go"))
    page.keyboard.press("Space")
    expect(page.locator("#player-phase")).to_have_text("Move slowly and hold")
    # Pause is where focus is, or the very next Tab stop (Begin is hidden once running).
    if page.evaluate("document.activeElement.id") != "player-pause":
        page.keyboard.press("Tab")
    stops.append(page.evaluate(DESCRIBE_FOCUS))
    assert stops[-1]["id"] == "player-pause"
    page.keyboard.press("Enter")
    expect(page.locator("#player-phase")).to_have_text("Paused")
    expect(page.locator("#player-pause")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Space")
    expect(page.locator("#player-pause")).to_have_attribute("aria-pressed", "false")
    expect(page.locator("#player-phase")).not_to_have_text("Paused")
    stops.append(tab_to(page, "player-skip"))
    assert_focus_visible(stops)
    assert browser.errors == []


@needs_axe
def test_axe_finds_what_it_should(browser):
    """axe is really running, with the WCAG tags and the heading and landmark rules."""
    page = browser.page
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Demo</title></head><body><main>'
        "<h1>Demo</h1><h4>Skipped two levels</h4>"
        '<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
        '<p style="color: #aaa">Faint text</p>'
        "</main></body></html>"
    )
    found = {violation.split(" ")[0] for violation in axe_violations(page)}
    assert found == {"heading-order", "image-alt", "label", "color-contrast"}
