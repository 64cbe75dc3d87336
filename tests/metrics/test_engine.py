"""The DuckDB engine agrees with the plain-Python reference (reference.py) on random event logs, by every
dimension and in total — including empty logs, cases spanning days, cases with several visits, continuations
into a bundle and outliers; and on worked examples whose figures are written out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onevisit.metrics import engine, reference

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 11, 2, 0, 30, tzinfo=UTC)  # 08:30 in the hall


@st.composite
def journeys(draw):
    """Events of several cases: issue, call, accept (one or more visits), entries, completion — in time order."""
    events: list[tuple] = []
    n = draw(st.integers(0, 12))
    clock = START
    for i in range(n):
        window = draw(st.sampled_from(["w1", "w2", "w3"]))
        matter = draw(st.sampled_from(["cbdj", "gxzy", "jfhd"]))
        case = f"c{i}"
        visits = draw(st.integers(1, 3))
        for v in range(1, visits + 1):
            ticket, visit = f"t{i}-{v}", f"v{i}-{v}"
            clock += timedelta(minutes=draw(st.integers(0, 300)))  # may cross midnight
            events.append(("ticket.issued", clock, "", matter, "", ticket, "", {}))
            if draw(st.booleans()) and v == visits:
                clock += timedelta(minutes=draw(st.integers(1, 30)))
                events.append(("ticket.no_show", clock, window, matter, "", ticket, "", {}))
            calls = draw(st.integers(0 if v > 1 else 1, 2))
            for _ in range(calls):
                clock += timedelta(seconds=draw(st.integers(1, 3600)))
                events.append(("ticket.called", clock, window, matter, "", ticket, "", {}))
            clock += timedelta(seconds=draw(st.integers(1, 600)))
            events.append(("case.accepted", clock, window, matter, case, ticket, visit, {"visit_seq": v}))
            for _ in range(draw(st.integers(0, 3))):
                clock += timedelta(seconds=draw(st.integers(1, 120)))
                events.append(
                    ("field.entered", clock, window, matter, case, "", "", {"duplicate": draw(st.booleans())})
                )
        if draw(st.booleans()):
            clock += timedelta(seconds=draw(st.integers(1, 90000)))
            at_window = draw(st.booleans())
            events.append(
                (
                    "case.completed",
                    clock,
                    window if at_window else "",
                    matter,
                    case,
                    f"t{i}-{visits}",
                    f"v{i}-{visits}",
                    {"visits": visits, "at_window": at_window},
                )
            )
    return sorted(events, key=lambda e: e[1])


def _table(events):
    rows = [(at, t, "demo", w, m, "", c, tk, v, d) for (t, at, w, m, c, tk, v, d) in events]
    return engine.events_table(rows, TZ)


T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


def _journey(case, ticket, window, matter, call_min, accept_min, done_min=None, done_visit=None, **done):
    """A call, an acceptance and maybe a completion, minutes after T0."""

    def at(**delta):
        return T0 + timedelta(**delta)

    events = [
        ("ticket.called", at(minutes=call_min), window, matter, "", ticket, "", {}),
        ("case.accepted", at(minutes=accept_min), window, matter, case, ticket, f"v{case}", {"visit_seq": 1}),
    ]
    if done_min is not None:
        events.append(
            (
                "case.completed",
                at(minutes=done_min),
                window,
                matter,
                case,
                ticket,
                done_visit or f"v{case}",
                {"visits": 1, **done},
            )
        )
    return events


def _by(events, dim):
    return {r[dim]: r for r in engine.compute(_table(sorted(events, key=lambda e: e[1])), [dim]).to_pylist()}


def test_rates_and_handling_time_by_window_and_matter():
    events = [
        *_journey("1", "t1", "w1", "cbdj", 0, 1, 12),  # on the spot, 12 min
        *_journey("2", "t2", "w1", "cbdj", 13, 14, 31),  # called after 1 is done: on the spot, 18 min
        *_journey("3", "t3", "w2", "gxzy", 0, 2),  # not completed
        *_journey("4", "t4", "w2", "cbdj", 0, 1, 15, done_visit="second"),  # completed on a later visit
    ]
    windows, matters = _by(events, "window"), _by(events, "matter")
    assert (
        windows["w1"]["one_visit_rate"] == 1.0
        and windows["w1"]["mean_handling_seconds"] == (12 + 18) * 60 / 2
    )
    assert windows["w2"]["accepted"] == 2 and windows["w2"]["completed_on_the_spot"] == 0
    assert matters["cbdj"]["accepted"] == 3 and matters["cbdj"]["completed_on_the_spot"] == 2
    assert matters["gxzy"]["one_visit_rate"] == 0.0
    (total,) = engine.compute(_table(sorted(events, key=lambda e: e[1]))).to_pylist()
    assert total["accepted"] == 4 and total["one_visit_rate"] == 0.5 and total["handled"] == 3


def test_completion_on_another_local_day_is_not_on_the_spot():
    (total,) = engine.compute(_table(_journey("1", "t1", "w1", "cbdj", 0, 1, 60 * 16))).to_pylist()  # → 01:00
    assert total["accepted"] == 1 and total["completed_on_the_spot"] == 0 and total["handled"] == 1


def test_duplicate_entries_and_round_trips_and_back_office_completions():
    events = [
        *_journey("1", "t1", "w1", "cbdj", 0, 1, 12),
        ("field.entered", T0 + timedelta(minutes=3), "w1", "cbdj", "1", "", "", {"duplicate": True}),
        ("field.entered", T0 + timedelta(minutes=4), "w1", "cbdj", "1", "", "", {"duplicate": False}),
        (
            "case.completed",
            T0 + timedelta(minutes=50),
            "",
            "gxzy",
            "9",
            "t9",
            "v9",
            {"at_window": False, "visits": 3},
        ),
    ]
    windows, matters = _by(events, "window"), _by(events, "matter")
    assert windows["w1"]["duplicate_entries"] == 1 and matters["cbdj"]["duplicate_entries"] == 1
    assert matters["gxzy"]["mean_round_trips"] == 3.0
    assert matters["gxzy"]["handled"] == 0  # back-office completion is not window handling time


def test_an_empty_log_gives_zeros_and_no_rates():
    (total,) = engine.compute(_table([])).to_pylist()
    assert total["accepted"] == 0 and total["one_visit_rate"] is None and total["mean_wait_seconds"] is None
    assert engine.compute(_table([]), ["window", "day"]).num_rows == 0


def test_waiting_time_and_no_shows_by_day_and_hour():
    t0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # 09:00 local
    events = [
        ("ticket.issued", t0, "", "cbdj", "", "a", "", {}),
        ("ticket.issued", t0 + timedelta(minutes=1), "", "cbdj", "", "b", "", {}),
        ("ticket.called", t0 + timedelta(minutes=10), "w1", "cbdj", "", "a", "", {}),
        ("ticket.called", t0 + timedelta(minutes=21), "w1", "cbdj", "", "b", "", {}),
        (
            "ticket.called",
            t0 + timedelta(minutes=25),
            "w1",
            "cbdj",
            "",
            "b",
            "",
            {},
        ),  # a recall is not a wait
        ("ticket.no_show", t0 + timedelta(minutes=30), "w1", "cbdj", "", "b", "", {}),
    ]
    (row,) = engine.compute(_table(events), ["day", "hour"]).to_pylist()
    assert (str(row["day"]), row["hour"]) == ("2026-11-02", 9)
    assert row["waited"] == 2 and row["mean_wait_seconds"] == 15 * 60 and row["no_shows"] == 1
    assert row["p90_wait_seconds"] == pytest.approx(600 + 0.9 * 600)


def test_handling_starts_at_the_latest_call_before_the_completion_even_when_the_ticket_is_called_again():
    """A ticket called again after a completion: that completion keeps the call before it (the engine's slower
    exact path, which random journeys never reach), the later completion takes the later call."""
    t0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    events = [
        ("ticket.called", t0, "w1", "cbdj", "", "a", "", {}),
        ("case.accepted", t0 + timedelta(minutes=1), "w1", "cbdj", "c1", "a", "v1", {"visit_seq": 1}),
        ("case.completed", t0 + timedelta(minutes=10), "w1", "cbdj", "c1", "a", "v1", {"visits": 1}),
        ("ticket.called", t0 + timedelta(minutes=20), "w1", "cbdj", "", "a", "", {}),
        ("case.completed", t0 + timedelta(minutes=25), "w1", "cbdj", "c1", "a", "v1", {"visits": 1}),
    ]
    (row,) = engine.compute(_table(events)).to_pylist()
    assert row["handled"] == 2 and row["mean_handling_seconds"] == (600 + 300) / 2
    (ref,) = reference.indicators(_rows(events), (), TZ).values()
    assert {m: row[m] for m in engine.METRICS} == pytest.approx(ref)


def test_unknown_dimension_is_named():
    with pytest.raises(engine.UnknownName, match="未知维度 'weekday'"):
        engine.compute(_table([]), ["weekday"])


@pytest.mark.django_db
def test_the_engine_reads_the_real_log_and_agrees_with_the_day_page(guide, clerk, window1):
    from onevisit.cases import services as cases
    from onevisit.core import clock
    from onevisit.core.models import Event
    from onevisit.metrics import queries
    from tests.journey import called, fill_form

    for _ in range(2):
        ticket = called(guide, clerk, window1)
        case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    today = clock.local_date()
    day = queries.day_summary(hall="demo", day=today, tz_name="Asia/Shanghai")
    rows = Event.objects.filter(hall="demo", type__in=engine.EVENT_TYPES).order_by("at", "id")
    (expected,) = reference.indicators(
        rows.values_list(
            "at", "type", "hall", "window", "matter", "bundle", "case", "ticket", "visit", "data"
        ),
        (),
        TZ,
    ).values()
    assert {m: day.total[m] for m in engine.METRICS} == pytest.approx(expected)
    assert day.total["accepted"] == 2 and day.total["completed_on_the_spot"] == 1 and day.total["waited"] == 2
    assert day.by_window["w1"]["accepted"] == 2 and not day.empty


@st.composite
def rich_logs(draw):
    """journeys() plus the pre-review, triage, consultation, verification, return and joint-handling events."""
    events = list(draw(journeys()))
    extra = []
    for i in range(draw(st.integers(0, 8))):
        at = START + timedelta(minutes=draw(st.integers(0, 3000)))
        matter = draw(st.sampled_from(["cbdj", "gxzy", "jfhd"]))
        kind = draw(
            st.sampled_from(
                [
                    "prereview",
                    "triage",
                    "consultation",
                    "verification",
                    "returned",
                    "visit",
                    "window",
                    "handover",
                ]
            )
        )
        if kind == "prereview":
            data = {
                "verdict": draw(st.sampled_from(["complete", "tolerance", "incomplete"])),
                "first_visit": draw(st.booleans()),
                "prereview": i,
            }
            extra.append(("prereview.completed", at, "", matter, "", "", "", data))
            for material in draw(st.lists(st.sampled_from(["ldht", "hkb", "rsda"]), max_size=2, unique=True)):
                extra.append(
                    (
                        "material.not_applicable",
                        at,
                        "",
                        matter,
                        "",
                        "",
                        "",
                        {"prereview": draw(st.sampled_from([i, ""])), "material": material},
                    )
                )
        elif kind == "window":  # a window signing in or out, pausing or resuming
            type_ = draw(
                st.sampled_from(["window.signed_in", "window.signed_out", "window.paused", "window.resumed"])
            )
            extra.append((type_, at, draw(st.sampled_from(["w1", "w2", "w3"])), "", "", "", "", {}))
        elif kind == "handover":  # the window hands a case to the back office: its first task starts
            extra.append(
                ("task.started", at, "", matter, f"c{draw(st.integers(0, 11))}", "", "", {"task": "t"})
            )
        elif kind == "triage":
            data = {"channel": draw(st.sampled_from(["window", "self_service", "online_assisted", "none"]))}
            extra.append(("triage.routed", at, "", matter, "", "", "", data))
        elif kind == "consultation":
            extra.append(("consultation.recorded", at, "", matter, "", "", "", {}))
        elif kind == "verification":
            ref = f"ver{draw(st.integers(0, 3))}"
            extra.append(("verification.started", at, "", matter, f"c{i}", "", "", {"verification": ref}))
            if draw(st.booleans()):
                later = at + timedelta(seconds=draw(st.integers(0, 200000)))
                extra.append(
                    ("verification.finished", later, "", matter, f"c{i}", "", "", {"verification": ref})
                )
        elif kind == "returned":
            extra.append(("case.returned", at, "", matter, f"c{draw(st.integers(0, 11))}", "", "", {}))
        else:
            extra.append(
                (
                    "visit.recorded",
                    at,
                    "w1",
                    matter,
                    f"c{draw(st.integers(0, 11))}",
                    "",
                    "",
                    {"visit_seq": draw(st.integers(1, 4))},
                )
            )
    for n, e in enumerate(events):
        if e[0] == "case.accepted" and draw(st.booleans()):
            events[n] = (
                *e[:7],
                {**e[7], "matters": ["cbdj", "gxzy", "jfhd", "x"][: draw(st.integers(1, 4))]},
            )
        if e[0] == "case.accepted" and draw(st.integers(0, 3)) == 0:  # accepted as a bundle (一件事)
            events[n] = (*events[n], draw(st.sampled_from(["newborn", "company-change"])))
    for e in list(events):  # 接续受理: a single-matter case continued into a bundle; staff flagging a case
        if e[0] == "case.accepted" and draw(st.integers(0, 5)) == 0:
            later = e[1] + timedelta(minutes=draw(st.integers(0, 30)))
            extra.append(("case.continued", later, e[2], e[3], e[4], "", "", {}, "newborn"))
        if e[0] == "case.accepted" and draw(st.integers(0, 7)) == 0:
            extra.append(("case.outlier_flagged", e[1], "", e[3], e[4], "", "", {"note": "系统故障"}))
    return sorted(events + extra, key=lambda e: e[1])


def _rows(events):
    return [
        (at, t, "demo", w, m, b[0] if b else "", c, tk, v, d) for (t, at, w, m, c, tk, v, d, *b) in events
    ]


RULES = [engine.OutlierRule(), engine.OutlierRule(0.6, 2), engine.OutlierRule(None)]
DIMS = [
    (),
    ("window",),
    ("matter",),
    ("bundle",),
    ("day",),
    ("hour",),
    ("window", "day"),
    ("window", "hour"),
    ("bundle", "matter"),
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_logs(), st.sampled_from(DIMS), st.sampled_from(RULES))
def test_every_indicator_matches_the_plain_python_reference(events, dims, rule):
    expected = reference.indicators(_rows(events), dims, TZ, rule.percentile, rule.min_cases)
    got = {
        tuple(r[d] for d in dims): r
        for r in engine.compute(engine.events_table(_rows(events), TZ), dims, rule).to_pylist()
    }
    if not dims and not expected:
        expected = {(): None}
    for key, row in got.items():
        ref = expected.get(key)
        for metric in engine.METRICS:
            want = None if ref is None else ref[metric]
            if ref is None:  # a group with events but no facts: counts are zero, rates and means are empty
                assert row[metric] in (0, None), (key, metric, row[metric])
            elif want is None or isinstance(want, int):
                assert row[metric] == want, (key, metric, row[metric], want)
            else:
                assert row[metric] == pytest.approx(want), (key, metric, row[metric], want)
    assert set(expected) - {()} <= set(got)


KEY_MATTERS = [{}, {"newborn": "cbdj"}, {"newborn": "gxzy", "company-change": "jfhd", "after-death": "cbdj"}]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_logs(), st.sampled_from([(), ("day",), ("window", "hour")]), st.sampled_from(KEY_MATTERS))
def test_relative_volume_matches_the_reference(events, dims, keys):
    expected = reference.relative_volume(_rows(events), dims, TZ, key_matters=keys)
    got = engine.relative_volume(engine.events_table(_rows(events), TZ), dims, key_matters=keys)
    fields = ("key_matter", "bundle_cases", "key_matter_cases", "relative_volume")
    assert {(r["bundle"], *(r[d] for d in dims)): {f: r[f] for f in fields} for r in got} == expected


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_logs(), st.sampled_from([(), ("day",), ("bundle", "hour")]))
def test_not_applicable_marks_match_the_reference(events, dims):
    expected = reference.not_applicable(_rows(events), dims, TZ)
    got = engine.not_applicable(engine.events_table(_rows(events), TZ), dims)
    fields = ("marks", "prereviews", "share")
    assert {
        (*(r[d] for d in dims), r["matter"], r["material"]): {f: r[f] for f in fields} for r in got
    } == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_logs())
def test_the_outlier_list_is_the_reference_outliers(events):
    rule = engine.OutlierRule(0.6, 2)
    listed = engine.outlier_list(engine.events_table(_rows(events), TZ), rule)
    ref = reference.outlier_cases(reference._events(_rows(events)), rule.percentile, rule.min_cases)
    assert sorted(r["case"] for r in listed) == sorted(c for c, hits in ref.items() for _ in hits)
    flagged = [r for r in listed if r["limit_seconds"] is None]
    assert all(r["note"] == "系统故障" for r in flagged)
    timed = [r for r in listed if r["limit_seconds"] is not None]
    assert all(r["seconds"] > r["limit_seconds"] for r in timed)


def test_an_outlier_leaves_the_means_and_is_counted():
    t0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
    events = []
    for i, minutes in enumerate([10] * 9 + [300]):
        at = t0 + timedelta(minutes=400 * i)
        events += [
            ("ticket.called", at, "w1", "cbdj", "", f"t{i}", "", {}),
            ("case.accepted", at, "w1", "cbdj", f"c{i}", f"t{i}", f"v{i}", {"visit_seq": 1}),
            (
                "case.completed",
                at + timedelta(minutes=minutes),
                "w1",
                "cbdj",
                f"c{i}",
                f"t{i}",
                f"v{i}",
                {"visits": 1 if minutes == 10 else 3},
            ),
        ]
    table = _table(events)
    (kept,) = engine.compute(table, (), engine.OutlierRule(0.9, 5)).to_pylist()
    assert kept["mean_handling_seconds"] == 600 and kept["mean_round_trips"] == 1 and kept["outliers"] == 1
    assert kept["handled"] == 9 and kept["completed_at_window"] == 10
    (everyone,) = engine.compute(table, (), engine.OutlierRule(0.9, 11)).to_pylist()  # too few for the rule
    assert everyone["mean_handling_seconds"] == (9 * 600 + 18000) / 10 and everyone["outliers"] == 0
    (listed,) = engine.outlier_list(table, engine.OutlierRule(0.9, 5))
    assert listed["case"] == "c9" and listed["seconds"] == 18000 and listed["limit_seconds"] < 18000


def test_outlier_rules_out_of_range_are_refused():
    with pytest.raises(engine.BadRule, match="0.5 与 1"):
        engine.OutlierRule(1.0)
    with pytest.raises(engine.BadRule, match="至少需要 2 件"):
        engine.OutlierRule(0.9, 1)


def test_relative_volume_refuses_grouping_by_matter():
    with pytest.raises(engine.UnknownName, match="相对办件量"):
        engine.relative_volume(_table([]), ["matter"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rich_logs(), st.sampled_from([(), ("window", "day"), ("bundle",), ("matter", "hour")]))
def test_the_log_in_any_row_order_gives_the_same_figures(events, dims):
    """Grouped by type (the loader's layout) each scan reads a slice; in log order or shuffled, the whole log."""
    import pyarrow.compute as pc

    grouped = engine.events_table(_rows(events), TZ)
    in_log_order = grouped.take(pc.sort_indices(grouped["seq"]))
    backwards = grouped.take(pc.sort_indices(grouped, sort_keys=[("seq", "descending")]))
    expected = engine.compute(grouped, dims).to_pylist()
    assert engine.compute(in_log_order, dims).to_pylist() == expected
    assert engine.compute(backwards, dims).to_pylist() == expected


def test_every_event_type_the_engine_reads_is_declared_in_the_log_vocabulary():
    from onevisit.core.events import EVENT_TYPES

    assert set(engine.EVENT_TYPES) <= EVENT_TYPES
    assert engine.DATA_FIELDS.keys() >= {
        n
        for n in engine.SCHEMA.names
        if n
        not in (
            "seq",
            "at",
            "local_at",
            "type",
            "hall",
            "window",
            "matter",
            "bundle",
            "case",
            "ticket",
            "case_id",
            "ticket_id",
            "visit",
        )
    }
