"""Shared fixtures of the browser tests: Debian's Chromium, logins, the axe-core audit, PDF text, screenshots.

Chromium is Debian's (`.ci/run` installs it); without it the browser tests skip. axe-core comes from the npm
registry into the git-ignored `var/node/` (`make test` and `.ci/run` install it where npm exists); without it
the walk still runs, the audit of each page is skipped and `test_axe_core_is_installed` says so as a skip.
With ONEVISIT_E2E_REQUIRE_AXE=1 (set by `.ci/run` when npm is present) a missing axe-core is a failure.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import time
import warnings
from pathlib import Path

import pytest

from onevisit.web import demo

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = Path(os.environ.get("ONEVISIT_AXE_JS") or ROOT / "var/node/node_modules/axe-core/axe.min.js")
REQUIRE_AXE = os.environ.get("ONEVISIT_E2E_REQUIRE_AXE", "") not in ("", "0")
SHOTS = ROOT / "var" / "e2e"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NO_CHROMIUM = "Debian's chromium is not installed (.ci/run installs it)"
NO_AXE = (
    f"axe-core is not installed at {AXE_JS.relative_to(ROOT) if AXE_JS.is_relative_to(ROOT) else AXE_JS}: "
    "the accessibility audit is skipped (`make test` installs it with npm where npm exists)"
)
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

needs_chromium = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=NO_CHROMIUM)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test so fixtures can tell, at teardown, whether it failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module")
def _chromium():
    """One Chromium per test module (a launch costs a second or two)."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django would refuse the ORM (in
    # the tests and in the database flush between them) while Chromium is up: allowed for this module only.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser(_chromium, request, settings):
    """Chromium for one test; on failure every page still open is saved as a PNG into var/e2e/."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast demo logins
    before = set(_chromium.contexts)
    yield _chromium
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context in [c for c in _chromium.contexts if c not in before]:
        if failed:
            _screenshot_pages(request.node.name, context)
        context.close()


def _screenshot_pages(test_name: str, context) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page in context.pages:
        name = re.sub(r"[^\w.-]+", "_", f"{test_name}-{page.url.split('//', 1)[-1]}")[:150]
        with contextlib.suppress(Exception):
            page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def new_page(browser, *, width: int = 1280, height: int = 900):
    """A page in a fresh context (its own cookies), as another person or device would have."""
    return browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN").new_page()


def login(browser, base: str, username: str, **size):
    """Sign in as a demo account by keyboard and return the page it lands on."""
    page = new_page(browser, **size)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_selector("header nav")
    return page


def scan(page, chars: str) -> None:
    """What a barcode scanner does: type the characters fast, then Enter."""
    page.keyboard.type(chars)
    page.keyboard.press("Enter")


# -- PDFs ------------------------------------------------------------------------------------------------------


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, as a reader's copy-paste would give it."""
    from pypdf import PdfReader

    assert data[:5] == b"%PDF-", f"not a PDF: {data[:80]!r}"
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def fetch_pdf(page, url: str) -> bytes:
    """Download a PDF with the page's own session (cookies), as its link would."""
    response = page.context.request.get(url if "://" in url else _origin(page) + url)
    assert response.ok, f"{url}: HTTP {response.status}"
    assert "pdf" in response.headers.get("content-type", ""), f"{url}: {response.headers.get('content-type')}"
    return response.body()


def download_pdf(page, click) -> bytes:
    """Click something that downloads a PDF and return the file's bytes."""
    with page.expect_download() as info:
        click()
    return Path(info.value.path()).read_bytes()


def assert_pdf_has(data: bytes, *needles: str, label: str = "PDF") -> str:
    """Assert each needle (ticket number, case number, dates…) is in the PDF's extracted text."""
    text = pdf_text(data)
    flat = re.sub(r"\s+", "", text)
    missing = [n for n in needles if n not in text and re.sub(r"\s+", "", n) not in flat]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / (re.sub(r"[^\w.-]+", "_", label) + ".pdf")).write_bytes(data)
    assert not missing, f"{label}: {missing} not in its text:\n{text[:1500]}"
    return text


def _origin(page) -> str:
    return re.match(r"^https?://[^/]+", page.url).group(0)


# -- axe-core --------------------------------------------------------------------------------------------------


class Audit:
    """Runs axe-core on a page state and keeps the violations; the test asserts none at its end."""

    def __init__(self) -> None:
        self.available = AXE_JS.is_file()
        self.states: list[str] = []
        self.violations: list[str] = []
        self._seen: set[tuple[str, str]] = set()

    def __call__(self, page, state: str) -> None:
        if not self.available:
            return
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE_JS))
        result = page.evaluate(
            """async (tags) => {
                const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
            }""",
            AXE_TAGS,
        )
        self.states.append(state)
        for v in result:
            for node in v["nodes"]:
                key = (v["id"], node["target"])
                if key in self._seen:
                    continue
                self._seen.add(key)
                summary = " ".join((node["summary"] or v["help"]).split())
                self.violations.append(
                    f"[{state}] {v['id']} ({v['impact']}) at {node['target']}: {v['help']} — {summary}"
                )

    def report(self) -> str:
        return f"{len(self.violations)} accessibility violation(s) on {len(self.states)} page states:\n" + (
            "\n".join(self.violations)
        )

    def assert_clean(self) -> None:
        assert not self.violations, self.report()


@pytest.fixture
def axe(request):
    """`axe(page, "what the page shows")` audits a page state (WCAG 2.0/2.1 A and AA); see Audit."""
    audit = Audit()
    if not audit.available:
        if REQUIRE_AXE:
            pytest.fail(NO_AXE + " — and ONEVISIT_E2E_REQUIRE_AXE is set, as in CI")
        warnings.warn(NO_AXE, UserWarning, stacklevel=1)
    yield audit
    if audit.violations:
        request.node.add_report_section("teardown", "axe-core", audit.report())


# -- steps -----------------------------------------------------------------------------------------------------


class Steps:
    """Names each step of a walk; a failure says which step it was in, and var/e2e/steps.jsonl keeps the log."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.done: list[tuple[str, float]] = []
        self.started = time.monotonic()

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.monotonic()
        try:
            yield
        except BaseException as exc:
            self._log(name, "failed", time.monotonic() - t0, f"{type(exc).__name__}: {exc}"[:600])
            raise AssertionError(f"step «{name}» failed: {type(exc).__name__}: {exc}") from exc
        self.done.append((name, time.monotonic() - t0))
        self._log(name, "passed", time.monotonic() - t0)

    def _log(self, name: str, outcome: str, seconds: float, error: str = "") -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        line = {
            "test": self.test,
            "step": name,
            "outcome": outcome,
            "seconds": round(seconds, 2),
            "error": error,
        }
        with (SHOTS / "steps.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps(line, ensure_ascii=False) + "\n")


@pytest.fixture
def step(request):
    return Steps(request.node.name)
