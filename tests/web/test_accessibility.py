"""Accessibility of the shared pages, read from the HTML a screen reader gets: failures announced as alerts,
errors tied to their fields, charts with a text alternative and a data table, scrolling tables reachable by
keyboard, ids unique on each page."""

from __future__ import annotations

import io
from collections import Counter

import lxml.html
import pytest
from django.core.management import call_command

from onevisit.accounts.models import Hall, Staff
from onevisit.metrics import charts
from tests.conftest import login, nothing_written

pytestmark = pytest.mark.django_db


def _doc(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def _text(el) -> str:
    return " ".join(el.text_content().split())


def _duplicate_ids(doc) -> dict[str, int]:
    return {k: n for k, n in Counter(doc.xpath("//@id")).items() if n > 1}


# ---- messages: a failure is an alert in error style, a success a polite status -------------------------------


def test_a_failed_check_in_is_announced_as_an_alert_in_error_style(guide_client):
    page = _doc(guide_client.post("/guide/check-in/", {"code": "NOPE99"}, follow=True))
    alerts = [el for el in page.xpath("//*[@role='alert']") if "NOPE99" in _text(el)]
    assert alerts, "the failed check-in is not announced as an alert"
    assert "error" in alerts[0].get("class").split()
    assert not [el for el in page.xpath("//*[@role='status']") if "NOPE99" in _text(el)]


def test_a_success_is_a_status_not_an_alert(guide_client):
    page = _doc(guide_client.post("/guide/consultations/", {"target": "matter:cbdj"}, follow=True))
    status = [el for el in page.xpath("//*[@role='status']") if "已记录一次咨询" in _text(el)]
    assert status and "success" in status[0].get("class").split()
    assert not [el for el in page.xpath("//*[@role='alert']") if "已记录一次咨询" in _text(el)]


# ---- the login form: errors tied to the fields, required fields marked and explained -------------------------


def test_a_wrong_password_marks_both_fields_and_points_them_at_the_message(hall, client):
    page = _doc(client.post("/login/", {"username": "daoban", "password": "wrong"}))
    for name in ("username", "password"):
        field = page.xpath(f"//input[@name='{name}']")[0]
        assert field.get("aria-invalid") == "true"
        described = field.get("aria-describedby", "").split()
        assert described and all(page.xpath(f"//*[@id='{i}']") for i in described)
        assert "用户名或密码不正确" in " ".join(_text(page.xpath(f"//*[@id='{i}']")[0]) for i in described)


def test_the_login_form_marks_and_explains_its_required_fields(db, client):
    page = _doc(client.get("/login/"))
    for name in ("username", "password"):
        field = page.xpath(f"//input[@name='{name}']")[0]
        assert field.get("required") is not None
        label = field.xpath("ancestor::label") or page.xpath(f"//label[@for='{field.get('id')}']")
        assert label and "*" in _text(label[0]) and not field.get("placeholder")
    assert "带 * 的为必填项" in _text(page)


# ---- charts: an image with its title and description, and a table of the same data ---------------------------


@pytest.fixture
def history_hall(hall):
    call_command(
        "history",
        "generate",
        "--days",
        "7",
        "--halls",
        "1",
        "--start",
        "2026-09-07",
        stdout=io.StringIO(),
        verbosity=0,
    )
    Staff.objects.get(user__username="fenxi").compare_halls.add(Hall.objects.get(code="hist01"))
    return "hist01"


def _charts_are_described_with_their_data(page, minimum: int) -> None:
    figures = page.xpath("//figure[.//svg]")
    assert len(figures) >= minimum
    for figure in figures:
        svg = figure.xpath(".//svg")[0]
        assert svg.get("role") == "img"
        named_by = [page.xpath(f"//*[@id='{i}']")[0] for i in svg.get("aria-labelledby").split()]
        title, desc = (_text(x) for x in named_by)
        assert title and title != "..." and desc and desc != "..."
        table = figure.xpath(".//table")[0]
        assert title in _text(figure.xpath(".//summary")[0])
        drawn = [_text(t) for t in svg.xpath(".//text") if _text(t)]
        first_column = [_text(th) for th in table.xpath("./tbody/tr/th")]
        # every category is in the table; the chart names each one, or every k-th where they would overlap (a
        # long name may be drawn over two lines)
        joined = "".join(drawn)
        shown = [i for i, label in enumerate(first_column) if label in drawn or label in joined]
        assert first_column and shown and shown[0] == 0, (first_column, drawn)
        step = shown[1] - shown[0] if len(shown) > 1 else 1
        assert shown == list(range(0, len(first_column), step)), (first_column, drawn)


def test_review_charts_have_a_title_a_description_and_a_table_of_their_data(history_hall, analyst_client):
    response = analyst_client.get(
        "/metrics/review/", {"hall": history_hall, "from": "2026-09-07", "to": "2026-09-13"}
    )
    assert response.status_code == 200
    page = _doc(response)
    _charts_are_described_with_their_data(page, 4)
    assert not _duplicate_ids(page)


def test_plan_charts_have_a_title_a_description_and_a_table_of_their_data(history_hall, analyst_client):
    query = {
        "hall": history_hall,
        "from": "2026-09-07",
        "to": "2026-09-13",
        "planned": "1",
        "scenario": ["backoffice"],
        "replications": "10",
    }
    response = analyst_client.get("/planning/", query)
    assert response.status_code == 200, response.content.decode()[:500]
    page = _doc(response)
    _charts_are_described_with_their_data(page, 3)
    assert not _duplicate_ids(page)


def test_a_chart_table_holds_the_values_drawn_with_a_dash_for_a_missing_one():
    drawing = charts.bars("各窗口平均办理时长(分钟)", ["1号窗口", "2号窗口"], [7.25, None], axis="窗口")
    header, rows = charts.table(drawing._figure)
    assert header == ["窗口", "各窗口平均办理时长(分钟)"]
    assert rows == [["1号窗口", "7.2"], ["2号窗口", "—"]] or rows == [["1号窗口", "7.3"], ["2号窗口", "—"]]
    assert "最高 7.2" in charts.describe(drawing._figure) or "最高 7.3" in charts.describe(drawing._figure)
    share = charts.trend("每日一次性办成率(%)", ["09-07", "09-08"], [0.5, 0.75], percent=True, axis="日期")
    assert charts.table(share._figure)[1] == [["09-07", "50"], ["09-08", "75"]]


def test_two_charts_on_one_page_share_no_id():
    a = charts.svg(charts.bars("甲", ["x"], [1]), "c-1")
    b = charts.svg(charts.bars("乙", ["x"], [2]), "c-2")
    ids = lxml.html.fromstring(f"<div>{a}{b}</div>").xpath("//@id")
    assert ids and len(ids) == len(set(ids))


# ---- scrolling tables are reachable by keyboard -------------------------------------------------------------


def _scroll_regions_are_reachable(page) -> None:
    wrappers = page.xpath("//*[contains(concat(' ', normalize-space(@class), ' '), ' scroll ')]")
    assert wrappers
    for w in wrappers:
        assert w.get("tabindex") == "0" and w.get("role") == "region", lxml.html.tostring(w)[:200]
        assert w.get("aria-label") or w.get("aria-labelledby")


def test_wide_tables_on_the_analysts_pages_scroll_in_regions_the_keyboard_reaches(
    history_hall, analyst_client
):
    for url, query in (
        ("/metrics/review/", {"hall": history_hall, "from": "2026-09-07", "to": "2026-09-13"}),
        (
            "/planning/",
            {
                "hall": history_hall,
                "from": "2026-09-07",
                "to": "2026-09-13",
                "planned": "1",
                "replications": "10",
            },
        ),
    ):
        page = _doc(analyst_client.get(url, query))
        _scroll_regions_are_reachable(page)
        assert not page.xpath("//th[not(normalize-space())]"), url  # no empty header cell


def test_the_ferry_console_tables_scroll_in_regions_the_keyboard_reaches(hall):
    page = _doc(login("xinxi").get("/ferry/"))
    _scroll_regions_are_reachable(page)
    assert len(page.xpath("//table")) == len(page.xpath("//*[@role='region']//table"))


# ---- the legal section's review and the back office: a refusal marks its fields, keeps what was typed --------


def _field(page, name: str):
    return page.xpath(f"//input[@name='{name}'] | //select[@name='{name}']")[0]


def _points_at(page, field, words: str) -> None:
    assert field.get("aria-invalid") == "true"
    ids = field.get("aria-describedby", "").split()
    assert ids and words in " ".join(_text(page.xpath(f"//*[@id='{i}']")[0]) for i in ids)


def test_a_temporary_publication_without_a_filing_number_marks_that_field(hall):
    from onevisit.catalog import services as catalog
    from onevisit.catalog.models import Matter
    from tests.factories import UserFactory

    editor = UserFactory(username="it-editor")
    draft = catalog.open_draft(matter=Matter.objects.get(code="cbdj"), user=editor)
    catalog.submit(version=draft, user=editor)
    client = login("fazhi")
    with nothing_written():
        response = client.post(
            f"/notice/review/versions/{draft.pk}/publish/", {"temporary": "on", "reason": "政策调整"}
        )
    assert response.status_code == 422
    page = _doc(response)
    _points_at(page, _field(page, "filing_number"), "临时调整须填写备案号")
    assert (
        _field(page, "reason").get("value") == "政策调整"
        and _field(page, "reason").get("aria-invalid") is None
    )
    assert page.xpath("//*[@role='alert' and contains(., '备案号')]")


def test_a_return_without_reasons_marks_the_reasons_field(guide, clerk, window1):
    from onevisit.cases import services as cases
    from tests.journey import called, handed_over

    ticket = called(guide, clerk, window1, "gxzy")
    task = handed_over(clerk, cases.accept(actor=clerk, window=window1, code=ticket.token)).tasks.get()
    office = login("houtai1")
    page = _doc(office.get(f"/office/tasks/{task.pk}/"))
    reasons = page.xpath(f"//form[contains(@action, '/tasks/{task.pk}/return/')]//input[@name='reasons']")[0]
    label = page.xpath(f"//label[@for='{reasons.get('id')}']")[0]
    assert reasons.get("required") is not None and "*" in _text(label)
    assert "带 * 的为必填项" in _text(page)
    with nothing_written():
        response = office.post(f"/office/tasks/{task.pk}/return/", {"reasons": " ", "to": "citizen"})
    assert response.status_code == 422
    page = _doc(response)
    form = page.xpath(f"//form[contains(@action, '/tasks/{task.pk}/return/')]")[0]
    _points_at(page, form.xpath(".//input[@name='reasons']")[0], "退件须写明理由")
    assert form.xpath(".//option[@value='citizen']")[0].get("selected") is not None


def test_a_bad_date_on_the_review_and_the_plan_marks_that_field(hall, analyst_client):
    for url in ("/metrics/review/", "/planning/"):
        response = analyst_client.get(url, {"from": "2026-13-01", "to": "2026-09-13", "planned": "1"})
        assert response.status_code == 422, url
        page = _doc(response)
        _points_at(page, _field(page, "from"), "日期格式应为")
        assert _field(page, "to").get("aria-invalid") is None
        assert _field(page, "to").get("value") == "2026-09-13", url  # what was typed stays


# ---- the top bar can be skipped, and its navigation landmarks are told apart --------------------------------


def test_a_page_starts_with_a_link_past_the_top_bar_and_names_its_navigation(guide_client):
    page = _doc(guide_client.get("/guide/"))
    first = page.xpath("//body//a")[0]
    assert first.get("href") == "#main" and "跳到主要内容" in _text(first)
    assert page.xpath("//main[@id='main']")
    assert all(nav.get("aria-label") for nav in page.xpath("//nav"))
