"""The synthetic district hall (hist-qu): a 93-window hall by department, as the seed hall had before its reform,
whose own events tell it how many windows it needs — with 87.88% of its social-insurance work moved online."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

from onevisit.planning import calibrate, plan
from onevisit.simulators import history

TZ = ZoneInfo("Asia/Shanghai")
START = date(2026, 11, 2)  # a Monday: two working weeks


@cache
def district() -> tuple[list[history.HistoryEvent], calibrate.Calibration]:
    events = list(history.generate(start=START, days=12, halls=0, seed=1, district=True))
    rows = [
        (e.at, e.type, e.queue, e.window, e.matter, e.ticket, e.case, e.data)
        for e in events
        if e.type in calibrate.EVENT_TYPES
    ]
    return events, calibrate.calibrate(calibrate.table(rows, TZ))


def test_the_district_hall_has_a_district_halls_windows_volumes_and_matters():
    events, _ = district()
    assert {e.hall for e in events} == {history.DISTRICT_CODE}
    assert len(history.DISTRICT.windows) == 93 and len(history.DISTRICT.queues) == 19
    tickets = Counter(e.queue for e in events if e.type == "ticket.issued")
    per_day = sum(tickets.values()) / 10  # ten working days
    assert 1200 < per_day < 2200  # ten times a sample hall
    assert 0.36 < tickets["shebao"] / sum(tickets.values()) < 0.46  # social insurance: 42% of the volume
    called = {e.window for e in events if e.type == "ticket.called"}
    assert len(called) == 93 and all(e.case.startswith("hqu-c") for e in events if e.case)
    matters = {e.matter for e in events if e.type == "ticket.issued"}
    assert {"property-transfer", "tax-registration", "citizen-card", "cbdj"} <= matters


def test_the_sample_halls_are_the_same_with_or_without_the_district_hall():
    alone = list(history.generate(start=START, days=3, halls=1, seed=11))
    both = list(history.generate(start=START, days=3, halls=1, seed=11, district=True))
    assert alone == [e for e in both if e.hall == "hist01"]


def test_the_seeds_reasoning_replays_from_the_district_halls_own_events():
    """93 windows; the joint windows needed today, and far fewer with 87.88% of social insurance online
    (the seed hall went from 93 to 46)."""
    _, cal = district()
    day = plan.day_from(cal, (0, 1, 2, 3, 4))
    assert day.windows == 93
    # lunch is closed: services that ran past noon (15 windows' worth) do not open windows for new visitors
    assert day.closed[6:9] == (True, True, True)
    target = plan.Target()
    measured, _ = cal.measured(day.weekdays)
    replayed, _ = plan.as_measured(plan.replay(cal, day, target, repeats=3))
    assert abs(replayed / measured - 1) < 0.10
    (today,) = plan.reductions(day, target, replications=30, layouts=("综合窗口",))
    online = plan.what_if(day, [plan.parse("online:shebao:0.8788")], target, replications=30, cuts=[today])[0]
    assert today.verdict == "减窗" and today.windows < 93
    assert online.fewest is not None and online.fewest.windows < today.windows - 10
    assert online.fewest.text.startswith(f"综合窗口：从 93 个窗口减到 {online.fewest.windows} 个")
