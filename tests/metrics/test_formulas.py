from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from onevisit.metrics.formulas import EventRecord, summarize

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def journey(case, ticket, window, matter, call_min, accept_min, done_min=None, visit=None, done_visit=None):
    events = [
        EventRecord("ticket.called", T0 + timedelta(minutes=call_min), window, matter, "", ticket),
        EventRecord(
            "case.accepted",
            T0 + timedelta(minutes=accept_min),
            window,
            matter,
            case,
            ticket,
            visit or f"v{case}",
        ),
    ]
    if done_min is not None:
        events.append(
            EventRecord(
                "case.completed",
                T0 + timedelta(minutes=done_min),
                window,
                matter,
                case,
                ticket,
                done_visit or visit or f"v{case}",
            )
        )
    return events


def test_rates_and_handling_time_by_window_and_matter():
    events = [
        *journey("1", "t1", "w1", "cbdj", 0, 1, 12),  # on the spot, 12 min
        *journey("2", "t2", "w1", "cbdj", 5, 6, 23),  # on the spot, 18 min
        *journey("3", "t3", "w2", "gxzy", 0, 2),  # not completed
        *journey("4", "t4", "w2", "cbdj", 0, 1, 15, done_visit="second"),  # completed on a later visit
    ]
    s = summarize(events, SH)
    assert s.by_window["w1"].one_visit_rate == 1.0
    assert s.by_window["w1"].mean_handling_seconds == (12 + 18) * 60 / 2
    assert s.by_window["w2"].accepted == 2 and s.by_window["w2"].completed_on_the_spot == 0
    assert s.by_matter["cbdj"].accepted == 3 and s.by_matter["cbdj"].completed_on_the_spot == 2
    assert s.by_matter["gxzy"].one_visit_rate == 0.0
    assert s.total.accepted == 4 and s.total.one_visit_rate == 0.5
    assert s.total.handled == 3


def test_completion_on_another_local_day_is_not_on_the_spot():
    events = journey("1", "t1", "w1", "cbdj", 0, 1, 60 * 16)  # 09:00 → 01:00 next day in Shanghai
    assert summarize(events, SH).total.completed_on_the_spot == 0


def test_empty_log_gives_no_rates_not_a_division_by_zero():
    s = summarize([], SH)
    assert s.empty and s.total.one_visit_rate is None and s.total.mean_handling_seconds is None


def test_event_order_in_the_input_does_not_matter():
    events = [*journey("1", "t1", "w1", "cbdj", 0, 1, 10), *journey("2", "t2", "w1", "cbdj", 2, 3)]
    forward, backward = summarize(events, SH), summarize(list(reversed(events)), SH)
    assert forward.total == backward.total


def test_duplicate_entries_and_round_trips():
    events = [
        *journey("1", "t1", "w1", "cbdj", 0, 1, 12),
        EventRecord("field.entered", T0 + timedelta(minutes=3), "w1", "cbdj", "1", duplicate=True),
        EventRecord("field.entered", T0 + timedelta(minutes=4), "w1", "cbdj", "1", duplicate=False),
        EventRecord(
            "case.completed",
            T0 + timedelta(minutes=50),
            "w2",
            "gxzy",
            "9",
            "t9",
            "v9",
            at_window=False,
            visits=3,
        ),
    ]
    s = summarize(events, SH)
    assert s.by_window["w1"].duplicate_entries == 1 and s.total.duplicate_entries == 1
    assert s.by_matter["gxzy"].mean_round_trips == 3.0
    assert s.by_matter["gxzy"].handled == 0  # back-office completion is not window handling time
