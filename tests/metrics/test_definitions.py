"""The pilot's definitions, each on a small event log whose figures are worked out by hand from the wording (DESIGN
§5, the pilot document): the DuckDB engine and the plain-Python reference must both give the hand's number.

一次性办成率 — 以事项为单位统计当日首次受理是否当场办结: on the spot is at the window, in that same service,
before the window's next call; a back-office approval later the same day is not.
窗口每小时办件量 — 窗口吞吐按每小时十到十二件: the tickets a window served to an end (completed at the window or
handed to the back office) per staffed hour (signed in, not paused).
群众往返次数 — 从受理到完成的到访次数: a second ticket taken while the earlier one of the day still waits or is
being served is the same visit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from onevisit.metrics import engine, reference

TZ = ZoneInfo("Asia/Shanghai")
NINE = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in the hall, a Friday


def at(hhmm: str, seconds: int = 0) -> datetime:
    """A local time of the day, as the UTC instant the log holds."""
    h, m = map(int, hhmm.split(":"))
    return NINE + timedelta(hours=h - 9, minutes=m, seconds=seconds)


def ev(type_, when, window="", matter="cbdj", case="", ticket="", visit="", bundle="", **data):
    return (when, type_, "demo", window, matter, bundle, case, ticket, visit, data)


NO_RULE = engine.OutlierRule(None)  # only flagged cases are outliers: none in these logs


def both(rows, dims=(), rule=NO_RULE):
    """{group: row} from the engine and from the reference, for the same rows in log order."""
    rows = sorted(rows, key=lambda r: r[0])  # stable: same-instant rows keep the order written
    got = {
        tuple(r[d] for d in dims): r
        for r in engine.compute(engine.events_table(rows, TZ), list(dims), rule).to_pylist()
    }
    ref = reference.indicators(rows, dims, TZ, rule.percentile, rule.min_cases)
    return got, ref


def agree(rows, dims, metric, *, blank=False):
    """The metric per group, after checking that the engine and the reference give the same. Groups with a blank
    dimension (staffed time has no matter) are left out unless `blank`."""
    got, ref = both(rows, dims)
    values = {k: r[metric] for k, r in got.items() if k in ref}
    assert values == pytest.approx({k: r[metric] for k, r in ref.items()}), metric
    return {k: v for k, v in values.items() if blank or all(x != "" for x in k)}


# ---- 一次性办成率 ------------------------------------------------------------------------------------------------


def _service(window, ticket, case, matter, call, accept, done=None, at_window=True, visit=None):
    rows = [
        ev("ticket.called", at(call), window, matter, ticket=ticket),
        ev("case.accepted", at(accept), window, matter, case, ticket, visit or f"v{case}", visit_seq=1),
    ]
    if done is not None:
        rows.append(
            ev(
                "case.completed",
                at(done),
                window,
                matter,
                case,
                ticket,
                visit or f"v{case}",
                visits=1,
                at_window=at_window,
            )
        )
    return rows


def test_on_the_spot_means_at_the_window_before_its_next_call_not_a_later_back_office_approval():
    rows = [
        # 1号窗口: A called 9:00, accepted 9:01, completed at the window 9:12 — on the spot.
        *_service("w1", "tA", "A", "cbdj", "9:00", "9:01", "9:12"),
        # B called 9:13, accepted 9:14; the window calls C at 9:30; B is completed at the window at 9:35, after
        # that call: a later service, not on the spot.
        *_service("w1", "tB", "B", "cbdj", "9:13", "9:14"),
        *_service("w1", "tC", "C", "cbdj", "9:30", "9:31", "9:40"),  # C: on the spot
        ev("case.completed", at("9:35"), "w1", "cbdj", "B", "tB", "vB", visits=1, at_window=True),
        # case 7 of the issue: accepted at 2号窗口 9:02, approved by the back office three minutes later.
        *_service("w2", "t7", "7", "gxzy", "9:00", "9:02", "9:05", at_window=False),
    ]
    by_matter = agree(rows, ("matter",), "one_visit_rate")
    assert by_matter == {("cbdj",): pytest.approx(2 / 3), ("gxzy",): 0.0}
    assert agree(rows, ("matter",), "completed_on_the_spot") == {("cbdj",): 2, ("gxzy",): 0}
    assert agree(rows, (), "one_visit_rate") == {(): 0.5}


def test_on_the_spot_is_counted_on_the_day_and_at_the_window_of_the_first_acceptance():
    rows = [
        # accepted at 16:50, the window calls nobody after it, completed at the window the next morning
        *_service("w1", "tD", "D", "cbdj", "16:45", "16:50"),
        ev(
            "case.completed",
            at("16:50") + timedelta(hours=16, minutes=20),
            "w1",
            "cbdj",
            "D",
            "tD",
            "vD",
            visits=1,
            at_window=True,
        ),
        # completed in a later visit (the citizen came back), at the window, before any other call
        *_service("w2", "tE", "E", "cbdj", "10:00", "10:01"),
        ev("case.completed", at("10:20"), "w2", "cbdj", "E", "tE2", "vE2", visits=2, at_window=True),
    ]
    assert agree(rows, (), "completed_on_the_spot") == {(): 0}
    assert agree(rows, (), "accepted") == {(): 2}


# ---- 窗口每小时办件量 --------------------------------------------------------------------------------------------


def _window_day():
    """1号窗口's morning: signed in 9:00, paused 10:00-10:30, signed out 11:30 — two staffed hours."""
    return [
        ev("window.signed_in", at("9:00"), "w1", ""),
        # t1: accepted and completed at the window — served to an end at 9:20
        *_service("w1", "t1", "c1", "cbdj", "9:05", "9:06", "9:20"),
        # t2: accepted and handed to the back office at 9:40 (its first task starts) — served to an end
        *_service("w1", "t2", "c2", "gxzy", "9:21", "9:22"),
        ev("task.started", at("9:40"), "", "gxzy", "c2", task="transfer"),
        ev("window.paused", at("10:00"), "w1", ""),
        ev("window.resumed", at("10:30"), "w1", ""),
        # t3: accepted, the citizen leaves to fetch a document; the window calls t4 — t3 was not served to an end
        *_service("w1", "t3", "c3", "cbdj", "10:31", "10:32"),
        # t4: accepted 10:51, completed at the window 11:10 — served to an end
        *_service("w1", "t4", "c4", "cbdj", "10:50", "10:51", "11:10"),
        ev("window.signed_out", at("11:30"), "w1", ""),
        # the back office approves c2 at 14:00 (the event names the accepting window): no window work
        ev("case.completed", at("14:00"), "w1", "gxzy", "c2", "t2", "vc2", visits=1, at_window=False),
    ]


def test_throughput_is_tickets_served_to_an_end_per_staffed_hour():
    rows = _window_day()
    assert agree(rows, ("window",), "served_to_end") == {("w1",): 3}
    assert agree(rows, ("window",), "window_hours") == {("w1",): 2.0}  # 9:00-10:00 and 10:30-11:30
    assert agree(rows, ("window",), "throughput_per_window_hour") == {("w1",): 1.5}
    # by hour: 9h 60 staffed minutes, 2 ends; 10h 30 minutes, none; 11h 30 minutes, 1 end
    hours = agree(rows, ("window", "hour"), "window_hours")
    assert hours == {("w1", 9): 1.0, ("w1", 10): 0.5, ("w1", 11): 0.5, ("w1", 14): 0.0}  # 14h: the approval
    rates = agree(rows, ("window", "hour"), "throughput_per_window_hour")
    assert rates[("w1", 9)] == 2.0 and rates[("w1", 10)] == 0.0 and rates[("w1", 11)] == 2.0


def test_a_window_working_without_a_sign_in_is_staffed_from_its_first_to_its_last_action():
    rows = [
        *_service("w2", "t1", "c1", "cbdj", "9:00", "9:01", "9:16"),
        *_service("w2", "t2", "c2", "cbdj", "9:30", "9:31", "9:46"),
        # a sign-out ends the window's time; work after it without a sign-in starts it again
        ev("window.signed_out", at("10:00"), "w2", ""),
        *_service("w2", "t3", "c3", "cbdj", "13:30", "13:31", "13:45"),
    ]
    assert agree(rows, ("window",), "window_hours") == {("w2",): pytest.approx((60 + 15) / 60)}
    assert agree(rows, ("window",), "throughput_per_window_hour") == {("w2",): pytest.approx(3 / 1.25)}


def test_a_throughput_over_less_than_half_an_hour_staffed_is_not_a_rate():
    """Two cases in the ten minutes a window was open are not 12 an hour: the rate waits for half an hour."""
    rows = [
        ev("window.signed_in", at("9:00"), "w3", ""),
        *_service("w3", "t1", "c1", "cbdj", "9:01", "9:02", "9:05"),
        *_service("w3", "t2", "c2", "cbdj", "9:05", "9:06", "9:09"),
        ev("window.signed_out", at("9:10"), "w3", ""),
    ]
    assert agree(rows, ("window",), "served_to_end") == {("w3",): 2}
    assert agree(rows, ("window",), "window_hours") == {("w3",): pytest.approx(10 / 60)}
    assert agree(rows, ("window",), "throughput_per_window_hour", blank=True) == {("w3",): None}


def test_staffed_time_belongs_to_no_matter():
    by_matter = agree(_window_day(), ("matter",), "window_hours", blank=True)
    assert by_matter[("",)] == 2.0 and by_matter[("cbdj",)] == 0.0
    served = agree(_window_day(), ("matter",), "served_to_end", blank=True)
    assert served == {("cbdj",): 2, ("gxzy",): 1, ("",): 0}


def test_throughput_by_matter_or_bundle_is_empty_even_in_the_row_of_no_matter():
    """The row of no matter holds all staffed time and no service: 0 served ÷ 2 hours is no window's rate (the
    review showed 0.0 there, beside — in every other cell); a matter's row has no staffed time at all."""
    for dims in (("matter",), ("bundle",), ("window", "matter"), ("matter", "day")):
        rates = agree(_window_day(), dims, "throughput_per_window_hour", blank=True)
        assert rates and set(rates.values()) == {None}, dims
    assert agree(_window_day(), ("window", "day"), "throughput_per_window_hour")[("w1", NINE.date())] == 1.5
    assert agree(_window_day(), (), "throughput_per_window_hour") == {(): 1.5}


def test_every_dimension_an_indicator_is_not_computed_by_is_a_dimension():
    from onevisit.metrics.indicators import INDICATORS

    declared = {d for ind in INDICATORS for d in ind.not_by}
    assert declared and declared <= set(engine.DIMENSIONS)


# ---- 群众往返次数 ------------------------------------------------------------------------------------------------


def test_a_second_ticket_taken_while_the_first_waits_or_is_served_is_the_same_visit():
    rows = [
        # X took three tickets in 40 seconds (issue 13's three pre-reviews); all three joined case X.
        ev("ticket.issued", at("9:00", 0), "", "cbdj", ticket="T1"),
        ev("ticket.issued", at("9:00", 20), "", "cbdj", ticket="T2"),
        ev("ticket.issued", at("9:00", 40), "", "cbdj", ticket="T3"),
        ev("ticket.called", at("9:10"), "w1", "cbdj", ticket="T1"),
        ev("case.accepted", at("9:11"), "w1", "cbdj", "X", "T1", "vx1", visit_seq=1),
        # T1's service ends when 1号窗口 calls again (9:25): T2 and T3 were taken before — the same visit
        ev("ticket.called", at("9:25"), "w1", "cbdj", ticket="T2"),
        ev("visit.recorded", at("9:26"), "w1", "cbdj", "X", "T2", "vx2", visit_seq=2, purpose="resubmit"),
        ev("ticket.called", at("9:40"), "w1", "cbdj", ticket="T3"),
        ev("visit.recorded", at("9:41"), "w1", "cbdj", "X", "T3", "vx3", visit_seq=3, purpose="resubmit"),
        ev("case.completed", at("9:50"), "w1", "cbdj", "X", "T3", "vx3", visits=3, at_window=True),
        # Y: served at 2号窗口 9:05-9:20, went home, came back with a new ticket at 14:00: two visits
        ev("ticket.issued", at("9:00"), "", "gxzy", ticket="T4"),
        ev("ticket.called", at("9:05"), "w2", "gxzy", ticket="T4"),
        ev("case.accepted", at("9:06"), "w2", "gxzy", "Y", "T4", "vy1", visit_seq=1),
        ev("ticket.issued", at("9:10"), "", "gxzy", ticket="TZ"),
        ev("ticket.called", at("9:20"), "w2", "gxzy", ticket="TZ"),
        ev("ticket.issued", at("14:00"), "", "gxzy", ticket="T5"),
        ev("ticket.called", at("14:10"), "w2", "gxzy", ticket="T5"),
        ev("visit.recorded", at("14:11"), "w2", "gxzy", "Y", "T5", "vy2", visit_seq=2, purpose="resubmit"),
        ev("case.completed", at("14:30"), "w2", "gxzy", "Y", "T5", "vy2", visits=2, at_window=True),
    ]
    assert agree(rows, ("matter",), "mean_round_trips") == {("cbdj",): 1.0, ("gxzy",): 2.0}
    assert agree(rows, (), "mean_round_trips") == {(): 1.5}
    assert agree(rows, ("matter",), "second_visit_cases") == {("cbdj",): 0, ("gxzy",): 1}
    assert agree(rows, (), "second_visit_ratio") == {(): 0.5}


def test_visits_on_another_day_are_never_the_same_visit():
    rows = [
        ev("ticket.issued", at("16:50"), "", "cbdj", ticket="T1"),
        ev("ticket.called", at("16:55"), "w1", "cbdj", ticket="T1"),
        ev("case.accepted", at("16:56"), "w1", "cbdj", "X", "T1", "v1", visit_seq=1),
        # no further call at 1号窗口 that day; the citizen comes back the next morning with a new ticket
        ev("ticket.issued", at("9:00") + timedelta(days=1), "", "cbdj", ticket="T2"),
        ev("ticket.called", at("9:05") + timedelta(days=1), "w1", "cbdj", ticket="T2"),
        ev("visit.recorded", at("9:06") + timedelta(days=1), "w1", "cbdj", "X", "T2", "v2", visit_seq=2),
        ev("case.completed", at("9:20") + timedelta(days=1), "w1", "cbdj", "X", "T2", "v2", visits=2),
    ]
    assert agree(rows, (), "mean_round_trips") == {(): 2.0}


# ---- material marked not applicable at the desk (issue 13, item 3) -------------------------------------------


def _marks():
    def pre(minute, matter, number, na=()):
        when = at("9:00") + timedelta(minutes=minute)
        out = [
            ev(
                "prereview.completed",
                when,
                "",
                matter,
                prereview=number,
                verdict="complete",
                first_visit=True,
                not_applicable=sorted(na),
            )
        ]
        out += [
            ev(
                "material.not_applicable",
                when,
                "",
                matter,
                prereview=number,
                material=code,
                reason="灵活就业人员无需提供",
                preset=True,
            )
            for code in na
        ]
        return out

    return [
        *pre(0, "cbdj", 1, ["ldht", "hkb"]),
        *pre(5, "cbdj", 2, ["ldht"]),
        *pre(10, "cbdj", 3),
        *pre(15, "cbdj", 4),
        *pre(20, "gxzy", 5),
    ]


def test_pre_reviews_with_a_material_marked_not_applicable_are_counted_per_matter():
    rows = _marks()
    assert agree(rows, ("matter",), "prereviews") == {("cbdj",): 4, ("gxzy",): 1}
    assert agree(rows, ("matter",), "not_applicable_prereviews") == {("cbdj",): 2, ("gxzy",): 0}
    assert agree(rows, ("matter",), "not_applicable_share") == {("cbdj",): 0.5, ("gxzy",): 0.0}


def test_not_applicable_marks_per_matter_and_material():
    rows = sorted(_marks(), key=lambda r: r[0])
    got = engine.not_applicable(engine.events_table(rows, TZ))
    want = reference.not_applicable(rows, (), TZ)
    fields = ("marks", "prereviews", "share")
    assert {(r["matter"], r["material"]): {f: r[f] for f in fields} for r in got} == want
    assert want == {
        ("cbdj", "ldht"): {"marks": 2, "prereviews": 4, "share": 0.5},
        ("cbdj", "hkb"): {"marks": 1, "prereviews": 4, "share": 0.25},
    }


# ---- 相对办件量 ---------------------------------------------------------------------------------------------------


def test_relative_volume_is_the_bundle_against_every_case_of_its_declared_key_matter():
    """餐饮店开办一件事的办件量与营业执照的数量对比，越接近一成效越高: the bundle's cases against all cases of its key
    matter (those of the bundle included, as each bundle case handles it)."""
    rows = []
    for n in range(2):  # 退休一件事, accepted at the window under the transfer the citizen came for
        rows.append(
            ev(
                "case.accepted",
                at("9:00") + timedelta(minutes=n),
                "w1",
                "gxzy",
                f"b{n}",
                bundle="retirement",
                visit_seq=1,
                matters=["retire-approval", "gxzy", "retire-pension-claim"],
            )
        )
    for n in range(3):  # 退休审批 alone
        rows.append(
            ev(
                "case.accepted",
                at("10:00") + timedelta(minutes=n),
                "w1",
                "retire-approval",
                f"s{n}",
                visit_seq=1,
            )
        )
    for n in range(4):  # 关系转移 alone: not the key matter
        rows.append(
            ev("case.accepted", at("11:00") + timedelta(minutes=n), "w1", "gxzy", f"g{n}", visit_seq=1)
        )
    rows.append(ev("case.accepted", at("12:00"), "w1", "x", "n0", bundle="newborn", visit_seq=1))
    rows.sort(key=lambda r: r[0])
    keys = {"retirement": "retire-approval"}  # the catalog's declaration; 新生儿 has none here
    got = engine.relative_volume(engine.events_table(rows, TZ), key_matters=keys)
    want = reference.relative_volume(rows, (), TZ, key_matters=keys)
    fields = ("key_matter", "bundle_cases", "key_matter_cases", "relative_volume")
    assert {(r["bundle"],): {f: r[f] for f in fields} for r in got} == want
    assert want == {
        ("retirement",): {
            "key_matter": "retire-approval",
            "bundle_cases": 2,
            "key_matter_cases": 5,
            "relative_volume": 0.4,
        },
        ("newborn",): {
            "key_matter": None,
            "bundle_cases": 1,
            "key_matter_cases": None,
            "relative_volume": None,
        },
    }


# ---- the real services ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_clerk_signing_in_and_out_staffs_the_window_and_a_handed_over_case_counts_as_served(
    guide, clerk, hall
):
    from django.test import Client

    from onevisit.accounts.models import Window
    from onevisit.cases import services as cases
    from onevisit.core import clock
    from onevisit.core.models import Event
    from onevisit.metrics import queries
    from onevisit.web import demo
    from tests.journey import called, fill_form, handed_over

    window1 = Window.objects.get(hall=hall, code="w1")
    browser = Client()
    assert browser.login(username="chuangkou1", password=demo.DEMO_PASSWORD)
    signed = Event.objects.get(type="window.signed_in")
    assert (signed.hall, signed.window, signed.actor) == ("demo", "w1", "chuangkou1")
    assert Client().login(username="fenxi", password=demo.DEMO_PASSWORD)  # no window post: nothing recorded
    assert Event.objects.filter(type="window.signed_in").count() == 1

    ticket = called(guide, clerk, window1)  # 参保登记: completed at the window
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    ticket = called(guide, clerk, window1, "gxzy")  # 关系转移: handed to the back office
    handed_over(clerk, cases.accept(actor=clerk, window=window1, code=ticket.token))
    browser.post("/logout/")
    assert Event.objects.filter(type="window.signed_out", window="w1").count() == 1

    day = queries.day_summary(hall="demo", day=clock.local_date(), tz_name="Asia/Shanghai")
    row = day.by_window["w1"]
    assert row["served_to_end"] == 2 and row["completed_at_window"] == 1
    signed_out = Event.objects.get(type="window.signed_out")
    assert row["window_hours"] == pytest.approx((signed_out.at - signed.at).total_seconds() / 3600)
