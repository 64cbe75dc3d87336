"""Keys in a real browser across htmx navigation: each key types once, the scanner capture takes only keys
typed with nothing focused, and focus lands on the changed region instead of the page body."""

import pytest

from tests.e2e.conftest import assert_in_app, login, needs_chromium, new_page, settled

pytestmark = [pytest.mark.django_db(transaction=True), needs_chromium]


def _boosted_click(page, selector: str) -> None:
    """Follow a link through htmx (hx-boost): swapped in and settled, never a page load."""
    settled(page, lambda: page.click(selector))
    assert_in_app(page)


def _active(page) -> str:
    """The focused element as 'tag#id.text', for readable failures."""
    return page.evaluate(
        """() => { const a = document.activeElement;
           return a ? a.tagName.toLowerCase() + '#' + (a.id || '') + '.' + (a.textContent || '').trim().slice(0, 20) : 'null'; }"""
    )


def test_kiosk_keypad_types_one_character_per_press_after_boosted_navigation(base, browser):
    kiosk = login(browser, base, "zizhu")
    kiosk.click("a.matter-card >> nth=0")  # the kiosk opens a matter as a whole page (nothing left behind)
    pad = "[data-keypad=kiosk-id]"
    kiosk.wait_for_selector(pad)
    kiosk.evaluate("window.sameDocument = true")
    for _ in range(3):  # a refused ID comes back through an htmx (boosted) form post, keypad and all
        kiosk.click(f"{pad} [data-key='9']")
        _boosted_click(kiosk, "button:has-text('取号')")
        kiosk.wait_for_selector(f"{pad} [data-key='9']")
    kiosk.fill("#kiosk-id", "")
    for key in "1101X":
        kiosk.click(f"{pad} [data-key='{key}']")
    assert kiosk.input_value("#kiosk-id") == "1101X"


def test_scan_typed_with_focus_on_the_body_lands_once_after_boosted_navigation(base, browser):
    window = login(browser, base, "chuangkou1")
    _boosted_click(window, "header nav a[href$='/window/']")
    _boosted_click(window, "header nav a[href$='/notice/']")
    _boosted_click(window, "header nav a[href$='/window/']")
    window.evaluate("document.activeElement.blur()")
    window.keyboard.type("A001", delay=5)  # a scanner types fast, without focusing the field first
    assert window.input_value("input[data-scanner]") == "A001"


def test_space_on_a_focused_button_presses_it_instead_of_typing_into_the_scan_field(base, browser):
    guide = login(browser, base, "daoban")
    guide.focus("button:has-text('记录咨询')")
    settled(guide, lambda: guide.keyboard.press(" "), timeout=5_000)
    assert "已记录一次咨询" in guide.inner_text("main")
    assert guide.input_value("input[data-scanner]") == ""


def test_letters_typed_on_a_focused_link_stay_out_of_the_scan_field(base, browser):
    guide = login(browser, base, "daoban")
    guide.focus("a.matter-card >> nth=0")
    guide.keyboard.type("ab")
    assert guide.input_value("input[data-scanner]") == ""
    assert guide.evaluate("document.activeElement.matches('a.matter-card')")


def test_a_scan_typed_while_a_heading_has_focus_lands_in_the_scan_field(base, browser):
    window = login(browser, base, "chuangkou1")
    window.evaluate("() => { const h = document.querySelector('main h1'); h.tabIndex = -1; h.focus(); }")
    window.keyboard.type("A001", delay=5)
    assert window.input_value("input[data-scanner]") == "A001"


def test_after_a_boosted_navigation_focus_is_on_the_new_pages_heading(base, browser):
    analyst = login(browser, base, "fenxi")
    _boosted_click(analyst, "main a[href$='/metrics/review/']")
    assert analyst.evaluate("document.activeElement === document.querySelector('main h1')"), _active(analyst)
    _boosted_click(analyst, "header nav a[href$='/metrics/']")
    assert analyst.evaluate("document.activeElement === document.querySelector('main h1')"), _active(analyst)


def test_after_a_boosted_navigation_focus_is_on_the_pages_autofocus_field(base, browser):
    clerk = login(browser, base, "chuangkou1")
    _boosted_click(clerk, "header nav a[href$='/notice/']")
    assert clerk.evaluate("document.activeElement.matches('input[data-filter]')"), _active(clerk)


def test_answering_a_situation_question_keeps_focus_on_the_answer(base, browser):
    page = new_page(browser)
    page.goto(f"{base}/notice/bundles/retirement/")
    page.evaluate("window.sameDocument = true")
    page.focus("input[name=q-transferred][value=true]")
    settled(page, lambda: page.keyboard.press(" "))  # answers 是
    assert page.evaluate("window.sameDocument === true")
    assert page.evaluate(
        "document.activeElement.matches('input[name=q-transferred][value=true]') && document.activeElement.checked"
    ), _active(page)


def test_a_form_refused_with_a_field_error_puts_focus_on_that_field(base, browser):
    guide = login(browser, base, "daoban")
    _boosted_click(guide, "a.matter-card[href$='/matters/cbdj/']")
    guide.fill("input[name=name]", "张三")
    guide.fill("input[name=resident_id]", "110105198506151231")  # wrong check digit
    guide.fill("input[name=phone]", "13812345678")
    _boosted_click(guide, "button.primary.big")
    assert guide.evaluate("document.activeElement.name === 'resident_id'"), _active(guide)


def _luminance(rgb: str) -> float:
    r, g, b = (int(x) / 255 for x in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3])
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_the_focus_ring_in_the_top_bar_has_3_to_1_contrast_against_the_bar(base, browser):
    page = login(browser, base, "fenxi")
    for _ in range(6):  # by keyboard, as a keyboard user meets it
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('header nav')"):
            break
    ring, bar = page.evaluate(
        """() => { const a = document.activeElement, s = getComputedStyle(a);
           return [s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineColor : null,
                   getComputedStyle(a.closest('header')).backgroundColor]; }"""
    )
    assert ring, "no visible focus ring on the top bar's link"
    light, dark = sorted((_luminance(ring), _luminance(bar)), reverse=True)
    assert (light + 0.05) / (dark + 0.05) >= 3, (ring, bar)


def _serve_changed(page, glob: str, change) -> None:
    """Let the server answer, then change its HTML (a page owner's markup the shared script must handle)."""

    def handle(route):
        response = route.fetch()
        route.fulfill(response=response, body=change(response.text()))

    page.route(glob, handle)


def test_an_element_marked_data_focus_takes_focus_after_a_swap(base, browser):
    analyst = login(browser, base, "fenxi")
    _serve_changed(
        analyst,
        "**/metrics/review/",
        lambda html: html.replace('id="by-matter"', 'id="by-matter" data-focus', 1),
    )
    _boosted_click(analyst, "main a[href$='/metrics/review/']")
    assert analyst.evaluate("document.activeElement.id === 'by-matter'"), _active(analyst)


def test_a_scrolling_table_a_page_left_unreachable_is_made_a_named_focus_stop(base, browser):
    analyst = login(browser, base, "fenxi")
    _serve_changed(
        analyst,
        "**/metrics/review/",
        lambda html: html.replace(
            '<div class="scroll" role="region" tabindex="0" aria-label="按事项指标表">',
            '<div class="scroll">',
        ),
    )
    _boosted_click(analyst, "main a[href$='/metrics/review/']")
    wrapper = analyst.locator("#by-matter .scroll")
    assert wrapper.get_attribute("tabindex") == "0" and wrapper.get_attribute("role") == "region"
    assert "按事项" in wrapper.get_attribute("aria-label")


def test_a_question_group_marked_invalid_puts_focus_on_its_first_answer(base, browser):
    analyst = login(browser, base, "fenxi")
    group = (
        '<fieldset role="radiogroup" aria-invalid="true"><legend>是否跨统筹区转入？</legend>'
        '<label><input type="radio" name="q-x" value="true"> 是</label>'
        '<label><input type="radio" name="q-x" value="false"> 否</label></fieldset>'
    )
    _serve_changed(
        analyst,
        "**/metrics/review/",
        lambda html: html.replace(
            '<section class="panel" id="by-matter">', group + '<section class="panel" id="by-matter">', 1
        ),
    )
    _boosted_click(analyst, "main a[href$='/metrics/review/']")
    assert analyst.evaluate("document.activeElement.matches('input[name=q-x][value=true]')"), _active(analyst)


def test_a_form_swapped_in_is_live_before_the_next_key_can_arrive(base, browser):
    """Swapped content is on screen at htmx:afterSwap; its forms become htmx's only when it settles. With the
    default 20 ms settle delay an Enter typed in between (a scanner, a fast clerk under load) posted the form
    natively: a full page load (the hall-day walk's second acceptance in CI). The next task after the swap,
    where a key press could come in, must find every form of the new page bound to htmx."""
    window = login(browser, base, "chuangkou1")
    window.evaluate(
        """() => { window.unbound = null;
           document.addEventListener('htmx:afterSwap', () => setTimeout(() => {
             window.unbound = Array.from(document.querySelectorAll('main form'))
               .filter(f => !(f['htmx-internal-data'] && f['htmx-internal-data'].initHash)).length;
           }, 0), {once: true}); }"""
    )
    window.click("header nav a[href$='/window/']")
    window.wait_for_function("window.unbound !== null")
    assert window.evaluate("document.querySelectorAll('main form').length") > 0
    assert window.evaluate("window.unbound") == 0, "a form of the new page was not yet htmx's after the swap"
    assert window.evaluate("window.sameDocument === true")
