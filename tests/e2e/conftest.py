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
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone

from onevisit.core import clock
from onevisit.web import demo
from tests.conftest import load_seed_catalog

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE_JS = Path(settings.ONEVISIT_AXE_JS or ROOT / "var/node/node_modules/axe-core/axe.min.js")
REQUIRE_AXE = settings.ONEVISIT_E2E_REQUIRE_AXE
SHOTS = ROOT / "var" / "e2e"
TIMEOUT_MS = 8_000  # a page state the walk waits for comes within a second or two; a missing one fails soon
KEEP_GOING = settings.ONEVISIT_E2E_KEEP_GOING  # log a failed step, go on
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NO_CHROMIUM = "Debian's chromium is not installed (.ci/run installs it)"
NO_AXE = (
    f"axe-core is not installed at {AXE_JS.relative_to(ROOT) if AXE_JS.is_relative_to(ROOT) else AXE_JS}: "
    "the accessibility audit is skipped (`make test` installs it with npm where npm exists)"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

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


@pytest.fixture
def base(live_server, settings) -> str:
    """The demo hall served live (seed catalog, demo accounts): its address."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed_catalog()
    demo.load()
    return live_server.url


def new_page(browser, *, width: int = 1280, height: int = 900, csp: bool = False):
    """A page in a fresh context (its own cookies), as another person or device would have. The pages'
    Content-Security-Policy is bypassed unless `csp`: Playwright's wait_for_function polls with eval, which the
    policy refuses; tests/e2e/test_csp.py walks the pages with it on."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", bypass_csp=not csp
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def login(browser, base: str, username: str, **size):
    """Sign in as a demo account by keyboard and return the page it lands on."""
    page = new_page(browser, **size)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login/" not in url or "/login/otp/" in url)
    if "/login/otp/" in page.url:  # a role with a second factor (issue 16): the code its authenticator shows
        page.fill("input[name=code]", _fresh_code(username))
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login/" not in url)
    page.wait_for_load_state()
    page.evaluate("window.sameDocument = true")  # gone after a full reload: see assert_in_app
    return page


def _fresh_code(username: str) -> str:
    """The demo login's current one-time code; a walk may sign the same person in twice within one 30-second
    step, which the device would refuse as a replay, so its last accepted step is forgotten first."""
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from onevisit.accounts import twofactor

    device = twofactor.confirmed_device(get_user_model().objects.get(username=username))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1, throttling_failure_count=0)
    device.refresh_from_db()
    return twofactor.current_code(device)


def settled(page, act, *, timeout: float | None = None) -> None:
    """Do `act` (a click, a key, a tick) and wait until htmx has swapped the answer in and settled it."""
    page.evaluate(
        """() => { window.settled = false;
           document.addEventListener('htmx:afterSettle', () => { window.settled = true; }, {once: true}); }"""
    )
    act()
    page.wait_for_function("window.settled === true", timeout=timeout)


def assert_in_app(page) -> None:
    """The page was reached by in-app navigation (htmx swaps) since login, not by a reload or page.goto."""
    assert page.evaluate("window.sameDocument === true"), f"{page.url} was reached by a full page load"


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


def assert_pdf_has(data: bytes, *needles: str | tuple[str, ...], label: str = "PDF") -> str:
    """Assert each needle (ticket number, case number, a date…) is in the PDF's extracted text; a tuple is a
    needle written in any of its forms (e.g. 2026-12-07 or 2026年12月7日). The PDF is kept in var/e2e/."""
    text = pdf_text(data)
    flat = re.sub(r"\s+", "", text)
    missing = [
        n
        for n in needles
        if not any(re.sub(r"\s+", "", form) in flat for form in (n if isinstance(n, tuple) else (n,)))
    ]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / (re.sub(r"[^\w.-]+", "_", label) + ".pdf")).write_bytes(data)
    assert not missing, f"{label}: {missing} not in its text:\n{text[:1500]}"
    return text


def date_forms(day) -> tuple[str, ...]:
    """The ways a date is written on the product's pages and PDFs."""
    return (
        day.isoformat(),
        f"{day:%Y年%m月%d日}",
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.month}月{day.day}日",
    )


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
            # Evaluated through the DevTools protocol, not a <script> tag: the page's Content-Security-Policy
            # (issue 16) refuses inline scripts without its nonce, and the audit must see the page as served.
            page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;true")
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
    """Names each step of a walk; a failure says which step it was in, and var/e2e/steps.jsonl keeps the log.

    With ONEVISIT_E2E_KEEP_GOING=1 a failed step is logged and the walk goes on (to see what else fails while
    fixes land); the test still fails at its end, listing the failed steps."""

    log_started = False

    def __init__(self, test: str, chromium=None) -> None:
        self.test = test
        self.chromium = chromium
        self.done: list[tuple[str, float]] = []
        self.failed: list[str] = []
        self.started = time.monotonic()

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.monotonic()
        try:
            yield
        except BaseException as exc:
            self._log(name, "failed", time.monotonic() - t0, f"{type(exc).__name__}: {exc}"[:600])
            self.failed.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
            self._screenshots(name)
            if KEEP_GOING and not isinstance(exc, KeyboardInterrupt):
                return
            raise AssertionError(f"step «{name}» failed: {type(exc).__name__}: {exc}") from exc
        self.done.append((name, time.monotonic() - t0))
        self._log(name, "passed", time.monotonic() - t0)

    def _screenshots(self, name: str) -> None:
        """Every open page as it was when the step failed: var/e2e/<test>-<step>-<n>.png."""
        if self.chromium is None:
            return
        SHOTS.mkdir(parents=True, exist_ok=True)
        pages = [page for context in self.chromium.contexts for page in context.pages]
        for n, page in enumerate(pages):
            stem = re.sub(r"[^\w.-]+", "_", f"{self.test[5:45]}-{name[:50]}-{n}")
            with contextlib.suppress(Exception):
                page.screenshot(path=str(SHOTS / f"{stem}.png"), full_page=True)

    def _log(self, name: str, outcome: str, seconds: float, error: str = "") -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        if not Steps.log_started:  # one log per test run
            (SHOTS / "steps.jsonl").unlink(missing_ok=True)
            Steps.log_started = True
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
    chromium = request.getfixturevalue("_chromium") if "_chromium" in request.fixturenames else None
    steps = Steps(request.node.name, chromium)
    yield steps
    if KEEP_GOING and steps.failed:
        pytest.fail(f"{len(steps.failed)} step(s) failed:\n" + "\n".join(steps.failed))


# -- keyboard --------------------------------------------------------------------------------------------------

_FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const labels = el.labels && el.labels.length ? Array.from(el.labels).map(l => l.innerText).join(' ') : '';
    const legend = el.closest('fieldset') && el.closest('fieldset').querySelector('legend');
    const row = el.closest('li, tr, .material, .question, label, fieldset');
    const name = el.getAttribute('aria-label') || labels || el.innerText || el.value || el.title || '';
    return {tag: el.tagName.toLowerCase(), type: (el.type || '').toLowerCase(), id: el.id,
            name: name.replace(/\\s+/g, ' ').trim(), group: legend ? legend.innerText.trim() : '',
            row: row ? row.innerText.replace(/\\s+/g, ' ').trim() : '', value: el.value || '',
            checked: !!el.checked};
}"""


def focused(page) -> dict | None:
    """The focused element: tag, type, accessible name (roughly), its group's legend and its row's text."""
    return page.evaluate(_FOCUSED)


def tab_to(
    page,
    name: str,
    *,
    within: str = "",
    kind: str = "",
    group: bool = False,
    back: bool = False,
    limit: int = 120,
) -> dict:
    """Press Tab (Shift+Tab with back=True) until the focused control's name (or, with group=True, its group's
    legend) contains `name`, its row or group contains `within` and its tag or type is `kind`, as a keyboard
    user would; fail naming what was met."""
    met = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        el = focused(page)
        if el is None:
            continue
        met.append(el["name"][:20])
        if (
            (name in el["name"] or (group and name in el["group"]))
            and (not within or within in el["row"] or within in el["group"])
            and (not kind or kind in (el["tag"], el["type"]))
        ):
            return el
    raise AssertionError(f"no focusable control named {name!r} {within!r} by Tab; met: {met[:60]}")


def key_type(page, name: str, text: str, **kw) -> None:
    """Tab to a text field and type into it (replacing what was there)."""
    tab_to(page, name, **kw)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def key_check(page, name: str, *, on: bool = True, **kw) -> None:
    """Tab to a checkbox and set it with Space."""
    el = tab_to(page, name, kind="checkbox", **kw)
    if el["checked"] != on:
        page.keyboard.press("Space")


def key_choose(page, name: str, option: str, **kw) -> None:
    """Tab to a select or radio group and choose `option` with the arrow keys."""
    el = tab_to(page, name, group=True, **kw)
    for _ in range(40):
        if el["type"] == "radio" and option in el["name"] and el["checked"]:
            return
        if el["tag"] == "select" and page.evaluate(
            "(o) => document.activeElement.selectedOptions[0]?.text.includes(o)", option
        ):
            return
        if el["type"] == "radio" and option in el["name"]:
            page.keyboard.press("Space")
            continue
        page.keyboard.press("ArrowDown")
        el = focused(page)
    raise AssertionError(f"no option {option!r} in {name!r} by the arrow keys")


def blur(page) -> None:
    """Nothing focused, as after a click on an empty part of the page (a scanner then types into the page)."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


# -- the walk's day ----------------------------------------------------------------------------------------------


class WalkClock:
    """The product's clock (onevisit.core.clock.now) set to a moment of the walk's day, then running."""

    def __init__(self, moment: datetime) -> None:
        self.set(moment)

    def set(self, moment: datetime) -> None:
        self.offset = moment - timezone.now()

    def now(self) -> datetime:
        return timezone.now() + self.offset

    @property
    def today(self) -> date:
        return clock.localtime(self.now()).date()


def _weekday_morning() -> datetime:
    """09:10 of the next weekday in the hall's zone: the walk books, checks in and is served in opening hours."""
    day = timezone.localtime(timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, clock_time(9, 10), tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.fixture
def day(live_server, browser, monkeypatch):
    """The demo hall on a weekday morning, served by the live server; `day.clock` moves the product's time."""
    walk_clock = WalkClock(_weekday_morning())
    monkeypatch.setattr(clock, "now", walk_clock.now)
    load_seed_catalog()
    demo.load()
    return SimpleNamespace(base=live_server.url, clock=walk_clock, started=time.monotonic())
