"""Calibration from an event log, the window plan, the curve and the scenarios (pure: no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from onevisit.planning import calibrate, plan
from onevisit.planning.erlang import PlanningError
from onevisit.simulators import history

TZ = ZoneInfo("Asia/Shanghai")


@cache
def demo_halls() -> dict[str, calibrate.Calibration]:
    """Six weeks of the halls `make demo` generates (hist01, hist02: history seed 1), the period the planning
    issue measured, calibrated once for the module."""
    rows: dict[str, list] = {"hist01": [], "hist02": []}
    for e in history.generate(start=date(2026, 10, 24), days=42, halls=2, seed=1):
        if e.type in calibrate.EVENT_TYPES:
            rows[e.hall].append((e.at, e.type, e.queue, e.window, e.matter, e.ticket, e.case, e.data))
    return {hall: calibrate.calibrate(calibrate.table(r, TZ)) for hall, r in rows.items()}


def synthetic() -> tuple[calibrate.Calibration, None]:
    return demo_halls()["hist01"], None


def _log(seed: int, days: int, per_hour: float, mean: float, cv: float) -> list[tuple]:
    """A queue with Poisson arrivals 9:00-12:00 at `per_hour` and lognormal services, called by as many
    windows as it takes never to keep anyone waiting — so every call's end is known from the completion."""
    rng = np.random.default_rng(seed)
    s2 = np.log1p(cv * cv)
    rows = []
    for d in range(days):
        opening = datetime(2026, 11, 2, 1, 0, tzinfo=UTC) + timedelta(days=d)  # 09:00 local, Mondays on
        if opening.astimezone(TZ).weekday() >= 5:
            continue
        n = rng.poisson(per_hour * 3)
        for i, minute in enumerate(np.sort(rng.uniform(0, 180, n))):
            at = opening + timedelta(minutes=float(minute))
            ticket, case = f"t{d}-{i}", f"c{d}-{i}"
            service = float(np.exp(rng.normal(np.log(mean) - s2 / 2, np.sqrt(s2))))
            called = at + timedelta(seconds=30)
            rows += [
                (at, "ticket.issued", "A", "", "m", ticket, "", {"priority": int(i % 10 == 0)}),
                (called, "ticket.called", "A", f"w{i % 40}", "m", ticket, "", {}),
                (
                    called + timedelta(seconds=5),
                    "case.accepted",
                    "A",
                    f"w{i % 40}",
                    "m",
                    ticket,
                    case,
                    {"visit_seq": 1},
                ),
                (
                    called + timedelta(minutes=service),
                    "case.completed",
                    "A",
                    f"w{i % 40}",
                    "m",
                    ticket,
                    case,
                    {"visits": 1, "at_window": True},
                ),
            ]
    return sorted(rows, key=lambda r: r[0])


def test_calibration_recovers_known_arrival_rates_and_service_times():
    cal = calibrate.calibrate(calibrate.table(_log(4, 56, per_hour=40, mean=12, cv=0.6), TZ))
    rates = cal.rates("A", plan_weekdays := (0, 1, 2, 3, 4))
    first, last = cal.open_slots(plan_weekdays)
    assert (first, last) == (18, 23)  # 09:00-12:00 local
    assert rates[first : last + 1] == pytest.approx([40] * 6, rel=0.08)
    fit = cal.services["m"]
    assert fit.mean == pytest.approx(12, rel=0.05) and fit.cv == pytest.approx(0.6, rel=0.1)
    assert fit.fitted_mean == pytest.approx(12, rel=0.05) and fit.ks < 0.03  # lognormal data, lognormal fit
    assert cal.priority_share["A"] == pytest.approx(0.1, abs=0.01)
    assert cal.patience["A"] is None and cal.matter_mix == {"A": {"m": 1.0}}


def test_too_few_tickets_is_said_with_the_count():
    rows = _log(1, 3, per_hour=10, mean=12, cv=0.6)
    n = sum(r[1] == "ticket.issued" for r in rows)
    with pytest.raises(calibrate.CalibrationError, match=f"至少需要 200 张取号记录，所选时段只有 {n} 张"):
        calibrate.calibrate(calibrate.table(rows, TZ))


@pytest.mark.parametrize("hall", ["hist01", "hist02"])
def test_the_model_of_today_reproduces_the_measured_waits(hall):
    """Replayed with its own tickets, the calibrated hall waits as long as it was measured to (within 10%); a
    drawn day, which adds the noise of arrivals, is within 10% too on these six weeks. hist01 was 22.8 minutes
    against 27.2 before window time counted the wrap-up, ended at a pause or lunch, and days differed in volume."""
    cal = demo_halls()[hall]
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    assert day.closed[6:9] == (True, True, True)  # 12:00-13:30: lunch, nobody called
    measured_mean, measured_p90 = cal.measured(day.weekdays)
    replayed, _ = plan.as_measured(plan.replay(cal, day, plan.Target(), repeats=20))
    assert replayed == pytest.approx(measured_mean, rel=0.10)
    drawn, _ = plan.as_measured(plan.simulate_today(day, plan.Target(), 400, 1))
    assert drawn == pytest.approx(measured_mean, rel=0.10)


def test_window_time_includes_the_wrap_up_and_never_spans_lunch():
    """A service handed to the back office ends at the window's next call when someone was waiting: not across
    lunch (gxzy averaged 17.9 minutes when it did), and not only when the next visitor came before this call."""
    cal = demo_halls()["hist01"]
    assert 0.7 < cal.wrapup < 1.2  # the generator's clerks take 20 s + U(15, 60) s between visitors
    # one matter completed at the window, one handed to the back office (its end is the next call)
    assert cal.services["cbdj"].mean == pytest.approx(11.3, rel=0.05)
    assert cal.services["gxzy"].mean == pytest.approx(16.0, rel=0.08)
    assert all(3.0 < m < 4.5 for m in cal.no_show_minutes.values())  # three calls ~ a minute apart


def test_the_plan_meets_the_target_where_todays_staffing_does_not():
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    target = plan.Target(within=15, share=0.8, mean_wait=10)
    p = plan.recommend(day, target, replications=100)
    assert not p.today.meets(target) and p.level.meets(target)
    assert p.needed == max(p.per_slot) and p.day.windows == 6
    for q in p.queues:  # the simulator only ever adds to Erlang's first answer, and nothing in closed hours
        assert all(w >= e for w, e in zip(q.windows, q.erlang, strict=True))
        assert all(w == 0 for w, closed in zip(q.windows, day.closed, strict=True) if closed)
    assert p.text.startswith(f"高峰时段共需 {p.needed} 个窗口")
    points = plan.curve(day, target, replications=60)
    cuts = plan.reductions(day, target, replications=60)
    assert cuts and all(c.level.meets(target) for c in cuts)
    assert [c.windows for c in cuts] == sorted(c.windows for c in cuts)
    pooled = next(c for c in cuts if c.layout == "综合窗口")
    assert pooled.windows == next(pt.windows for pt in points if pt.level.meets(target))
    # six windows miss the target: M > N is more windows, never called 减窗
    assert pooled.windows > 6 and pooled.verdict == "增窗"
    assert pooled.text.startswith(f"综合窗口：现有 6 个窗口达不到目标，需增至 {pooled.windows} 个")


def test_a_hall_that_meets_its_target_is_offered_fewer_windows():
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    easy = plan.Target(within=60, share=0.5, mean_wait=None)  # today's six windows meet it easily
    (today, *_) = [c for c in plan.reductions(day, easy, replications=60) if c.layout == "现有布局"]
    assert today.windows < 6 and today.level.meets(easy) and today.verdict == "减窗"
    assert today.text.startswith(
        f"现有布局：从 6 个窗口减到 {today.windows} 个（减窗 {6 - today.windows} 个）"
    )
    try:  # one window fewer than M misses the target at its bound, or leaves a queue without a window
        fewer = plan.decide(plan.close(6 - today.windows + 1).apply(day).model(target=easy), easy, 60, 1)
    except PlanningError:
        fewer = None
    assert fewer is None or not fewer.meets(easy)


def test_the_same_data_gives_the_same_window_count_for_any_seed():
    """hist01 gave 7, 8 and 8 windows for seeds 1-3 when each count was judged on its mean from 100 days; now
    each count is judged at its 95% bound on common random numbers, with replications added while in doubt."""
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    counts = {
        seed: [
            (c.layout, c.windows) for c in plan.reductions(day, plan.Target(), replications=100, seed=seed)
        ]
        for seed in range(1, 6)
    }
    assert len(set(map(tuple, counts.values()))) == 1, counts
    (layout, m), *_ = counts[1]
    assert layout == "综合窗口" and m == 8


def test_waiting_falls_as_windows_are_added():
    cal, _ = synthetic()
    day = plan.day_from(cal, (1,))
    points = plan.curve(day, plan.Target(), replications=60)
    waits = [pt.level.mean_wait.mean for pt in points]
    assert len(points) >= 4 and all(a >= b for a, b in zip(waits, waits[1:], strict=False))


def test_scenarios_move_the_waits_the_way_they_should():
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    codes = ["backoffice:0.2", "online:cbdj:0.8788", "close:1", "prereview"]
    outcomes = {
        o.scenario.code: o
        for o in plan.what_if(
            day, [plan.parse(c) for c in codes], plan.Target(), replications=400, sizes=False
        )
    }
    today = outcomes["close:1"].today.mean_wait.mean
    assert outcomes["backoffice:0.2"].then.mean_wait.mean < today
    assert outcomes["online:cbdj:0.8788"].then.mean_wait.mean < today
    assert outcomes["close:1"].then.mean_wait.mean > today
    assert outcomes["prereview:0.2"].then.mean_wait.mean <= today * 1.02
    assert len(outcomes["close:1"].hours) == (day.slots + 1) // 2


def test_merging_pools_the_windows_of_small_queues():
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    merged = plan.merge(1000).apply(day)  # every queue is "small": the single-queue windows pool
    joint = next(g for g in merged.groups if g.code == "joint")
    assert set(joint.queues) == {q.code for q in day.queues}
    with pytest.raises(PlanningError, match="不足两个"):
        plan.merge(1).apply(day)


def test_bad_scenarios_and_targets_are_named():
    cal, _ = synthetic()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    with pytest.raises(PlanningError, match="未知情景"):
        plan.parse("lunch:2")
    with pytest.raises(PlanningError, match="情景参数应为数字"):
        plan.parse("close:two")
    with pytest.raises(PlanningError, match="窗口不足 9 个"):
        plan.close(9).apply(day)
    only_w1 = replace(day, groups=tuple(g for g in day.groups if g.queues == ("cbdj",)))
    with pytest.raises(
        PlanningError, match="队列 gxzy 在 09:00–09:30（第 1 个半小时）有到达，但没有为它开放的窗口"
    ):
        plan.sim.simulate(only_w1.model(), 5, 1)
    with pytest.raises(PlanningError, match="未知情景"):
        plan.parse("online:cbdj+lunch")
    both = plan.parse("online:cbdj:0.5+close:1")
    assert both.code == "online:cbdj:0.5+close:1" and "+" in both.label
    with pytest.raises(PlanningError, match="没有队列或事项 nothing"):
        plan.online("nothing", 0.5).apply(day)
    with pytest.raises(PlanningError, match="100% 的人"):
        plan.recommend(day, plan.Target(share=1.0), replications=5)
    with pytest.raises(PlanningError, match="等待时限"):
        plan.Target(within=0)
    with pytest.raises(PlanningError, match="星期"):
        plan.day_from(cal, (7,))


def test_a_citizen_who_missed_the_call_and_came_back_did_not_leave():
    """过号 then back (re-queued at the desk, or called again at the window): a patient visitor, not one who left."""
    rows, gone, came_back = [], 0, 0
    for row in _log(5, 30, per_hour=40, mean=12, cv=0.6):
        at, type_, queue, window, matter, ticket, case, data = row
        n = int(ticket.split("-")[1])
        if n % 8 or type_ in ("ticket.issued", "ticket.called"):
            rows.append(row)
        elif type_ == "case.accepted":  # instead of being served, the visitor was not there when called
            rows.append((at, "ticket.no_show", queue, window, matter, ticket, "", {"recalls": 2}))
            if n % 16 == 8:
                gone += 1
                continue
            came_back += 1
            back = at + timedelta(minutes=10)
            if n % 32 == 0:  # at the desk: re-queued, then called by some window
                rows.append((back, "ticket.requeued", queue, "", matter, ticket, "", {"rule": "original"}))
                back += timedelta(minutes=3)
            rows.append((back, "ticket.called", queue, window, matter, ticket, "", {"returned": n % 32 != 0}))
            rows.append(
                (back + timedelta(seconds=5), "case.accepted", queue, window, matter, ticket, case, {})
            )
    rows.sort(key=lambda r: r[0])
    issued = sum(r[1] == "ticket.issued" for r in rows)
    assert gone and came_back and any(r[1] == "ticket.requeued" for r in rows)
    cal = calibrate.calibrate(calibrate.table(rows, TZ))
    assert cal.no_show_share["A"] == pytest.approx(gone / issued)
    waited = 0.5 * issued  # every ticket was first called 30 s after it was issued
    assert cal.patience["A"] == pytest.approx(waited / gone, rel=1e-3)


def test_jianchuang_is_said_only_when_m_is_below_n():
    lv = plan.Level(*(plan.sim.Estimate(0.9, 0.85, 0.95, 100),) * 4)
    said = {m: plan.Reduction("综合窗口", m, lv, plan.Target(), 6) for m in (5, 6, 8)}
    assert [said[m].verdict for m in (5, 6, 8)] == ["减窗", "维持", "增窗"]
    assert "减窗 1 个" in said[5].text and "减窗" not in said[8].text
    assert "减窗" not in said[6].text and "维持不变" in said[6].text and "需增至 8 个" in said[8].text
