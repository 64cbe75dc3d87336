"""A hall day in a real browser: citizens, the guide desk, the kiosk, the window, the board and the status page.

Debian's Chromium driven by Playwright, by keyboard and scanner-style typing, navigating in-app between the steps
of a role (only a role's first page, and the public pages a citizen opens from a QR code or a link, are opened by
address). axe-core audits every page state on the way (WCAG 2.0/2.1 A and AA) and every PDF is checked for its
numbers in its text. See tests/e2e/conftest.py for the fixtures.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import AXE_JS, NO_AXE, REQUIRE_AXE, Audit, needs_chromium


def test_axe_core_is_installed():
    """Says, as a skip, when the walk's accessibility audit cannot run (no npm); in CI it must."""
    if not AXE_JS.is_file():
        if REQUIRE_AXE:
            pytest.fail(NO_AXE)
        pytest.skip(NO_AXE)


@needs_chromium
def test_the_audit_names_each_violation_with_its_rule_target_and_summary(_chromium):
    if not AXE_JS.is_file():
        pytest.skip(NO_AXE)
    page = _chromium.new_page()
    try:
        page.set_content(
            '<html lang="zh-CN"><head><title>t</title></head><body><main>'
            '<img src="data:," id="no-alt"><label>姓名 <input id="named"></label><input id="unnamed">'
            "</main></body></html>"
        )
        audit = Audit()
        audit(page, "a page with two faults")
    finally:
        page.close()
    rules = {line.split("] ", 1)[1].split(" ", 1)[0]: line for line in audit.violations}
    assert set(rules) == {"image-alt", "label"}, audit.report()
    assert "#no-alt" in rules["image-alt"] and "(critical)" in rules["image-alt"]
    assert "#unnamed" in rules["label"] and "#named" not in audit.report()
    with pytest.raises(AssertionError, match="2 accessibility violation"):
        audit.assert_clean()
