"""The weekly review: the target table, the period pages, drill-down, and bad periods."""

from __future__ import annotations

import pytest

from onevisit.cases import services as cases
from onevisit.core.errors import Invalid
from onevisit.metrics import queries, review
from tests.journey import called, fill_form

pytestmark = pytest.mark.usefixtures("daytime")  # events are written an hour back: still today


def test_targets_are_marked_met_or_not():
    base = {
        "mean_handling_seconds": 600.0,
        "mean_round_trips": 2.0,
        "second_visit_ratio": 0.2,
        "completeness_at_first_visit": 0.5,
        "throughput_per_window_hour": 8.0,
        "one_visit_rate": 0.6,
    }
    now = {
        "mean_handling_seconds": 450.0,
        "mean_round_trips": 1.6,
        "second_visit_ratio": 0.08,
        "completeness_at_first_visit": 0.65,
        "throughput_per_window_hour": 11.0,
        "one_visit_rate": 0.7,
    }
    rows = {c.metric: c for c in review.compare(base, now)}
    assert rows["mean_handling_seconds"].met is True and rows["mean_handling_seconds"].change == "-25.0%"
    assert rows["mean_round_trips"].met is False  # −20% is short of −30%
    assert rows["second_visit_ratio"].met is True
    assert (
        rows["completeness_at_first_visit"].met is False
        and rows["completeness_at_first_visit"].change == "+15.0 个百分点"
    )
    assert rows["throughput_per_window_hour"].met is True
    assert rows["one_visit_rate"].met is None and rows["one_visit_rate"].target == ""
    empty = {c.metric: c for c in review.compare({}, {})}
    assert empty["mean_handling_seconds"].met is None and empty["mean_handling_seconds"].change == "—"


@pytest.mark.django_db
def test_bad_periods_and_names_are_refused(db):
    from datetime import date

    with pytest.raises(Invalid, match="结束日期不能早于开始日期"):
        queries.period(hall="demo", start=date(2026, 11, 5), end=date(2026, 11, 1), tz_name="Asia/Shanghai")
    with pytest.raises(Invalid, match="未知维度"):
        queries.period(
            hall="demo",
            start=date(2026, 11, 1),
            end=date(2026, 11, 1),
            tz_name="Asia/Shanghai",
            dims=["weekday"],
        )
    (empty,) = queries.period(
        hall="demo", start=date(2020, 1, 1), end=date(2020, 1, 7), tz_name="Asia/Shanghai"
    )
    assert empty["accepted"] == 0 and empty["one_visit_rate"] is None


@pytest.mark.django_db
def test_the_review_page_shows_targets_trends_and_drills_down(
    guide, clerk, window1, analyst_client, clerk_client
):
    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    page = analyst_client.get("/metrics/review/")
    text = page.content.decode()
    assert page.status_code == 200 and "目标对照" in text and "<svg" in text and "一次性办成率" in text
    assert "所选时段没有事件记录" not in text
    assert "张三" not in text and "13812345678" not in text and "138****" not in text  # aggregates only
    drill = analyst_client.get("/metrics/review/?matter=cbdj").content.decode()
    assert "按窗口：" in drill and "1号窗口" in drill
    past = analyst_client.get("/metrics/review/?from=2020-01-01&to=2020-01-07").content.decode()
    assert "所选时段没有事件记录" in past
    bad = analyst_client.get("/metrics/review/?from=2026-11-05&to=2026-11-01")
    assert bad.status_code == 422 and "结束日期不能早于开始日期" in bad.content.decode()
    assert analyst_client.get("/metrics/review/?from=yesterday").status_code == 422
    assert clerk_client.get("/metrics/review/").status_code == 403


@pytest.mark.django_db
def test_the_period_api_groups_and_refuses_bad_input(guide, clerk, window1, analyst_client, clerk_client):
    from onevisit.core import clock

    ticket = called(guide, clerk, window1)
    cases.accept(actor=clerk, window=window1, code=ticket.token)
    today = clock.local_date().isoformat()
    body = analyst_client.get(f"/api/metrics/period?start={today}&end={today}&dims=window,day").json()
    rows = {r["window"]: r for r in body["rows"]}
    assert body["dims"] == ["window", "day"] and rows["w1"]["accepted"] == 1 and rows["w1"]["day"] == today
    assert rows[""]["waited"] == 1  # waiting belongs to the ticket's issue, which no window made
    bad = analyst_client.get(f"/api/metrics/period?start={today}&end=2020-01-01")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "to"
    unknown = analyst_client.get(f"/api/metrics/period?start={today}&end={today}&dims=weekday")
    assert unknown.status_code == 422 and "未知维度" in unknown.json()["detail"]
    assert clerk_client.get(f"/api/metrics/period?start={today}&end={today}").status_code == 403


def _fact(
    hall_code: str, type_: str, *, case: str, matter: str = "cbdj", bundle: str = "", minutes: int = 0, **data
):
    """An event written straight into the log, as another hall's system would have written it."""
    from datetime import timedelta

    from onevisit.core import clock
    from onevisit.core.models import Event

    return Event.objects.create(
        at=clock.now() - timedelta(hours=1) + timedelta(minutes=minutes),
        type=type_,
        hall=hall_code,
        window="e1",
        matter=matter,
        bundle=bundle,
        case=case,
        ticket=f"t{case}",
        visit=f"v{case}",
        data=data,
    )


@pytest.mark.django_db
def test_another_hall_is_compared_only_when_the_analyst_may(guide, clerk, window1, analyst_client):
    from onevisit.accounts.models import Hall, Staff

    ticket = called(guide, clerk, window1)
    cases.accept(actor=clerk, window=window1, code=ticket.token)  # demo: 1 accepted, none on the spot
    east = Hall.objects.create(code="east", name="东区政务服务中心")
    for n in range(4):  # east: 4 accepted, all completed on the spot
        _fact("east", "case.accepted", case=f"e{n}", visit_seq=1)
        _fact("east", "case.completed", case=f"e{n}", minutes=10, visits=1, at_window=True)
    refused = analyst_client.get("/metrics/review/?base_hall=east")
    assert refused.status_code == 403 and "无权查看大厅 east" in refused.content.decode()
    assert (
        analyst_client.get("/api/metrics/period?start=2026-01-01&end=2026-01-02&hall=east").status_code == 403
    )
    Staff.objects.get(user__username="fenxi").compare_halls.add(east)
    page = analyst_client.get("/metrics/review/?base_hall=east").content.decode()
    assert "对比大厅" in page and "基期 东区政务服务中心" in page
    row = page[page.index('data-metric="one_visit_rate"') :].split("</tr>")[0]
    assert "<td>100.0%</td><td>0.0%</td>" in row  # east as the baseline, demo as the period
    assert "相对办件量" in page and "极端案例（0 件" in page
    own = analyst_client.get("/metrics/review/?hall=east&base_hall=demo").content.decode()
    row = own[own.index('data-metric="one_visit_rate"') :].split("</tr>")[0]
    assert "<td>0.0%</td><td>100.0%</td>" in row  # now demo is the baseline


@pytest.mark.django_db
def test_flagged_cases_leave_the_means_and_are_listed_with_their_note(guide, clerk, window1, analyst_client):
    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    cases.flag_outlier(actor=clerk, case_id=case.pk, note="业务系统故障，重启后继续办理")
    page = analyst_client.get("/metrics/review/").content.decode()
    assert "极端案例（1 件，不计入平均值）" in page and "业务系统故障，重启后继续办理" in page
    assert "第 99 百分位" in page  # the rule in force is stated
    row = page[page.index('data-metric="mean_handling_seconds"') :].split("</tr>")[0]
    assert "<td>—</td><td>—</td>" in row  # the only timed case is out of the mean
    bad = analyst_client.get("/metrics/review/?outlier=1.5")
    assert bad.status_code == 422 and "极端值分位数应在 0.5 与 1 之间" in bad.content.decode()
    assert "第 95 百分位" in analyst_client.get("/metrics/review/?outlier=95").content.decode()


@pytest.mark.django_db
def test_relative_volume_per_bundle_on_the_page_and_the_api(hall, analyst_client):
    """退休一件事 against its declared key matter 退休审批: 2 bundle cases ÷ (2 + 3 approvals alone) = 0.40; the 4
    transfers alone are another matter. A bundle the catalog does not know has no key matter: the page says so."""
    from onevisit.core import clock

    for n in range(2):
        _fact("demo", "case.accepted", case=f"b{n}", matter="gxzy", bundle="retirement", visit_seq=1)
    for n in range(3):
        _fact("demo", "case.accepted", case=f"a{n}", matter="retire-approval", visit_seq=1)
    for n in range(4):
        _fact("demo", "case.accepted", case=f"s{n}", matter="gxzy", visit_seq=1)
    _fact("demo", "case.accepted", case="x0", matter="cbdj", bundle="legacy-bundle", visit_seq=1)
    page = analyst_client.get("/metrics/review/").content.decode()
    section = page[page.index('id="volumes"') :].split("</section>")[0]
    row = section[section.index("退休一件事") :].split("</tr>")[0]
    assert "企业职工退休申请（退休审批）" in row and "<td>2</td><td>5</td><td>0.40</td>" in row
    legacy = section[section.index("legacy-bundle") :].split("</tr>")[0]
    assert "<td>—</td>" in legacy and "目录中未声明该一件事的主事项，无法计算" in legacy
    today = clock.local_date().isoformat()
    body = analyst_client.get(f"/api/metrics/volumes?start={today}&end={today}").json()
    assert body["rows"] == [
        {
            "bundle": "legacy-bundle",
            "key_matter": None,
            "bundle_cases": 1,
            "key_matter_cases": None,
            "relative_volume": None,
        },
        {
            "bundle": "retirement",
            "key_matter": "retire-approval",
            "bundle_cases": 2,
            "key_matter_cases": 5,
            "relative_volume": 0.4,
        },
    ]
    bad = analyst_client.get(f"/api/metrics/volumes?start={today}&end={today}&dims=matter")
    assert bad.status_code == 422 and "相对办件量" in bad.json()["detail"]


@pytest.mark.django_db
def test_the_period_api_picks_metrics_and_names_unknown_ones(guide, clerk, window1, analyst_client):
    from onevisit.core import clock

    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    cases.flag_outlier(actor=clerk, case_id=case.pk, note="系统故障")
    today = clock.local_date().isoformat()
    body = analyst_client.get(
        f"/api/metrics/period?start={today}&end={today}&dims=bundle&metrics=accepted,outliers"
    ).json()
    assert body["rows"] == [{"bundle": "", "accepted": 1, "outliers": 1}]
    bad = analyst_client.get(f"/api/metrics/period?start={today}&end={today}&metrics=speed")
    assert bad.status_code == 422 and "未知指标 'speed'" in bad.json()["detail"]
    assert bad.json()["errors"][0]["field"] == "metrics"
    listed = analyst_client.get(f"/api/metrics/outliers?start={today}&end={today}").json()["rows"]
    assert [(r["case"], r["note"]) for r in listed] == [(str(case.pk), "系统故障")]


def test_every_duration_is_written_in_the_unit_its_label_names():
    """The engine gives durations in seconds; a label names minutes or hours, and the value is converted."""
    durations = [m for m in review.LABELS if m.endswith("_seconds")]
    assert durations
    for metric in durations:
        assert review.unit(metric) in ("分钟", "小时") and f"({review.unit(metric)})" in review.labelled(
            metric
        )
        assert "(" not in review.LABELS[metric]  # the page writes the duration out in words
    assert review.in_unit("mean_handling_seconds", 565) == pytest.approx(565 / 60)
    assert review.in_unit("mean_verification_seconds", 47_888) == pytest.approx(47_888 / 3600)
    assert review.in_unit("one_visit_rate", 0.5) == 0.5 and review.unit("one_visit_rate") == "%"
    assert review.in_unit("mean_handling_seconds", None) is None
    assert review.display("mean_handling_seconds", 565) == "9 分 25 秒"  # the page: words, not a bare number
    assert review.display("mean_verification_seconds", 38) == "38 秒"
    assert review.unit("some_new_seconds") == "分钟"  # any seconds metric is converted, never written raw


def _timed(hall_code: str, day, case: str, minutes: float, start_minute: int = 0) -> None:
    """A ticket called at 09:00 (plus start_minute) of a local day and completed at the window `minutes` later."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from onevisit.core.models import Event

    called = datetime.combine(day, time(9), tzinfo=ZoneInfo("Asia/Shanghai")) + timedelta(
        minutes=start_minute
    )
    refs = {"hall": hall_code, "window": "w1", "matter": "cbdj", "ticket": f"t{case}"}
    Event.objects.create(at=called, type="ticket.called", **refs)
    Event.objects.create(
        at=called + timedelta(minutes=minutes),
        type="case.completed",
        case=case,
        visit=f"v{case}",
        data={"visits": 1, "at_window": True},
        **refs,
    )


@pytest.mark.django_db
def test_a_percentile_typed_into_the_url_is_a_what_if_beside_the_official_verdict(analyst_of_empty_hall):
    """Baseline: 10 minutes. This week: 24 cases of 7 minutes and 2 of 200. The hall's rule (99th percentile, at
    least 20 cases) keeps both long ones: mean 568/26 = 21.8 min, +118% — 未达成. With ?outlier=0.9 the limit is 7
    minutes, both leave the mean: 7 min, −30% — shown as a what-if; the official verdict stays 未达成."""
    from datetime import timedelta

    from onevisit.core import clock
    from onevisit.metrics import report

    today = clock.local_date()
    for n in range(5):
        _timed("demo", today - timedelta(days=8), f"b{n}", 10, start_minute=n)
    for n in range(26):
        _timed("demo", today, f"p{n}", 200 if n >= 24 else 7, start_minute=n)
    built = report.build(
        hall="demo",
        tz_name="Asia/Shanghai",
        start=today - timedelta(days=6),
        end=today,
        outliers=queries.rule("0.9"),
    )
    official = {c.metric: c for c in built.comparisons}["mean_handling_seconds"]
    what_if = {c.metric: c for c in built.what_if_comparisons}["mean_handling_seconds"]
    assert official.pilot == pytest.approx(568 / 26 * 60) and official.met is False
    assert what_if.pilot == pytest.approx(7 * 60) and what_if.met is True and built.what_if_outliers == 2
    assert built.rule == queries.rule() and built.total["outliers"] == 0  # the figures use the hall's rule

    page = analyst_of_empty_hall.get("/metrics/review/?outlier=0.9").content.decode()
    row = page[page.index('data-metric="mean_handling_seconds"') :].split("</tr>")[0]
    assert '<td class="official"><span class="tag error">未达成</span>' in row
    assert '<td class="what-if">7 分钟</td>' in row and "假设达成" in row
    assert "第 90 百分位" in page[page.index('id="what-if"') :] and "不改变正式的达成判定" in page
    plain = analyst_of_empty_hall.get("/metrics/review/").content.decode()
    assert 'id="what-if"' not in plain and "假设：本期" not in plain
    row = plain[plain.index('data-metric="mean_handling_seconds"') :].split("</tr>")[0]
    assert '<td class="official"><span class="tag error">未达成</span>' in row


def test_a_date_outside_any_hall_s_history_is_refused_naming_it_not_a_server_error(analyst_of_empty_hall):
    """Found by the API fuzzing: year 1 overflowed when turned into an instant of the hall's time zone (a 500)."""
    from datetime import date

    with pytest.raises(Invalid, match="1970") as err:
        queries.period(hall="demo", start=date(1, 1, 1), end=date(1, 1, 12), tz_name="Asia/Shanghai")
    assert list(err.value.errors) == ["from"]
    with pytest.raises(Invalid, match="2100") as err:
        queries.period(hall="demo", start=date(2026, 1, 1), end=date(9999, 12, 31), tz_name="Asia/Shanghai")
    answer = analyst_of_empty_hall.get("/api/metrics/period?start=0001-01-01&end=0001-01-12")
    assert answer.status_code == 422 and "1970" in answer.content.decode()


# ---- the review's form: each error beside its field, as typed ------------------------------------------------------


def _doc(response):
    import lxml.html

    return lxml.html.fromstring(response.content.decode())


def _input(page, name: str):
    (field,) = page.xpath(f"//form//input[@name='{name}'] | //form//select[@name='{name}']")
    return field


def _error_of(page, name: str) -> str:
    """The text of the error the field points at (aria-describedby), asserting it is marked invalid."""
    field = _input(page, name)
    assert field.get("aria-invalid") == "true", name
    (described,) = page.xpath(f"//*[@id='{field.get('aria-describedby')}']")
    return " ".join(described.text_content().split())


def test_each_error_of_the_review_form_stands_beside_its_field_as_typed(analyst_of_empty_hall):
    """Found in a browser walk: three bad dates gave one box under the form, "日期格式应为 2026-11-02：62020-11-30；"
    three times naming no field, and a bad percentile was cleared from its field."""
    from tests.conftest import nothing_written

    query = "from=62020-11-30&to=62020-12-30&base_from=2026-02-30&base_to=2026-03-01&outlier=abc"
    with nothing_written():
        response = analyst_of_empty_hall.get(f"/metrics/review/?{query}")
    assert response.status_code == 422
    page = _doc(response)
    assert _error_of(page, "from") == "本期开始日期格式应为 2026-11-02：62020-11-30"
    assert _error_of(page, "to") == "本期结束日期格式应为 2026-11-02：62020-12-30"
    assert _error_of(page, "base_from") == "基期开始日期格式应为 2026-11-02：2026-02-30"
    assert "极端值分位数应为数字" in _error_of(page, "outlier") and "abc" in _error_of(page, "outlier")
    assert _input(page, "base_to").get("aria-invalid") is None
    assert [_input(page, n).get("value") for n in ("from", "to", "base_from", "base_to", "outlier")] == [
        "62020-11-30",
        "62020-12-30",
        "2026-02-30",
        "2026-03-01",
        "abc",
    ]
    assert [f.get("name") for f in page.xpath("//form//*[@autofocus]")] == ["from"]  # the first in error
    assert not page.xpath("//*[@id='form-error']")  # no box of all the errors
    assert "；" not in " ".join(page.xpath("//form")[0].text_content().split())


def test_a_bad_percentile_alone_is_beside_its_field_and_keeps_the_focus(analyst_of_empty_hall):
    response = analyst_of_empty_hall.get("/metrics/review/?from=2026-09-07&to=2026-09-13&outlier=abc")
    page = _doc(response)
    assert response.status_code == 422 and "abc" in _error_of(page, "outlier")
    outlier, start = _input(page, "outlier"), _input(page, "from")
    assert outlier.get("value") == "abc" and outlier.get("autofocus") is not None
    assert start.get("value") == "2026-09-07" and start.get("aria-invalid") is None


def test_a_bad_baseline_is_named_beside_the_baseline_not_the_period(analyst_of_empty_hall):
    response = analyst_of_empty_hall.get("/metrics/review/?base_from=2026-09-07&base_to=2026-09-01")
    page = _doc(response)
    assert response.status_code == 422
    assert _error_of(page, "base_to") == "结束日期不能早于开始日期"
    assert _input(page, "to").get("aria-invalid") is None and _input(page, "from").get("aria-invalid") is None
    assert _input(page, "base_to").get("autofocus") is not None


def test_an_error_of_no_field_on_the_page_stands_above_the_form(guide, clerk, window1, analyst_client):
    """With no choice of halls the page has no hall field: a hall the analyst may not see is said above the form.
    With a choice, it stands beside the select it came from (对比大厅, not 大厅)."""
    from onevisit.accounts.models import Hall, Staff

    refused = analyst_client.get("/metrics/review/?base_hall=east")
    page = _doc(refused)
    assert refused.status_code == 403
    (banner,) = page.xpath("//*[@id='form-error']")
    assert "无权查看大厅 east" in banner.text_content() and banner.getnext().tag == "form"
    assert not page.xpath("//*[@aria-invalid]")
    east = Hall.objects.create(code="east", name="东区政务服务中心")
    Staff.objects.get(user__username="fenxi").compare_halls.add(east)
    beside = _doc(analyst_client.get("/metrics/review/?base_hall=west"))
    assert _error_of(beside, "base_hall") == "无权查看大厅 west 的指标"
    assert _input(beside, "hall").get("aria-invalid") is None and not beside.xpath("//*[@id='form-error']")
    again = _doc(analyst_client.get("/metrics/review/?hall=east&outlier=abc"))  # the halls stay as chosen
    for name in ("hall", "base_hall"):  # the baseline's hall, not chosen, is the period's
        assert _input(again, name).xpath("./option[@selected]/@value") == ["east"], name


# ---- the periods in the headings, the empty tables ------------------------------------------------------------------


def test_a_period_is_written_with_its_year_unless_both_ends_are_in_the_current_year():
    from datetime import date

    today = date(2026, 11, 20)
    assert review.span(date(2026, 11, 9), date(2026, 11, 15), today) == "11月9日–11月15日"
    assert review.span(date(2020, 1, 6), date(2020, 1, 12), today) == "2020年1月6日–2020年1月12日"
    assert review.span(date(2019, 12, 30), date(2020, 1, 5), today) == "2019年12月30日–2020年1月5日"
    assert review.span(date(2025, 12, 29), date(2026, 1, 4), today) == "2025年12月29日–2026年1月4日"
    new_year = date(2026, 1, 4)
    assert review.span(date(2025, 12, 29), new_year, new_year) == "2025年12月29日–2026年1月4日"
    assert review.span(date(2027, 1, 4), date(2027, 1, 10), today) == "2027年1月4日–2027年1月10日"


def test_a_far_past_period_shows_its_years_in_the_heading(analyst_of_empty_hall):
    """Found in a browser walk: 基期 12月30日–1月5日 → 本期 1月6日–1月12日 for a 2019/2020 period."""
    page = _doc(analyst_of_empty_hall.get("/metrics/review/?from=2020-01-06&to=2020-01-12"))
    (heading,) = page.xpath("//*[@id='targets-title']")
    assert " ".join(heading.text_content().split()) == (
        "目标对照（基期 2019年12月30日–2020年1月5日 → 本期 2020年1月6日–2020年1月12日）"
    )


def test_the_tables_of_an_empty_period_say_no_data_in_one_row_across(analyst_of_empty_hall):
    page = _doc(analyst_of_empty_hall.get("/metrics/review/?from=2020-01-06&to=2020-01-12"))
    for section in ("by-matter", "by-window"):
        (table,) = page.xpath(f"//section[@id='{section}']//table")
        columns = len(table.xpath(".//thead//th"))
        (row,) = table.xpath(".//tbody/tr")
        (cell,) = row.xpath("./td")
        assert cell.text_content() == "无数据" and int(cell.get("colspan")) == columns > 1, section
    charts = page.xpath("//figure[@class='chart']//table")
    assert len(charts) == 4  # each chart's data table, under its 无数据 drawing, says so too
    for table in charts:
        (row,) = table.xpath(".//tbody/tr")
        (cell,) = row.xpath("./td")
        columns = len(table.xpath(".//thead//th"))
        assert cell.text_content() == "无数据" and int(cell.get("colspan")) == columns
