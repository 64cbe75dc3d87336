"""The weekly review: the target table, the period pages, drill-down, and bad periods."""

from __future__ import annotations

import pytest

from onevisit.cases import services as cases
from onevisit.core.errors import Invalid
from onevisit.metrics import queries, review
from tests.journey import called


def test_targets_are_marked_met_or_not():
    base = {"mean_handling_seconds": 600.0, "mean_round_trips": 2.0, "second_visit_ratio": 0.2,
            "completeness_at_first_visit": 0.5, "throughput_per_window_hour": 8.0, "one_visit_rate": 0.6}  # fmt: skip
    now = {"mean_handling_seconds": 450.0, "mean_round_trips": 1.6, "second_visit_ratio": 0.08,
           "completeness_at_first_visit": 0.65, "throughput_per_window_hour": 11.0, "one_visit_rate": 0.7}  # fmt: skip
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
def test_bad_periods_and_names_are_refused(hall):
    from datetime import date

    with pytest.raises(Invalid, match="结束日期不能早于开始日期"):
        queries.period(hall="demo", start=date(2026, 11, 5), end=date(2026, 11, 1), tz_name="Asia/Shanghai")
    with pytest.raises(Invalid, match="未知维度"):
        queries.period(hall="demo", start=date(2026, 11, 1), end=date(2026, 11, 1), tz_name="Asia/Shanghai",
                       dims=["weekday"])  # fmt: skip
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
