"""The synthetic history: reproducible, shaped exactly as the services emit, written by `onevisit history
generate` and exported month by month by `onevisit events export`."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command

from onevisit.cases import known
from onevisit.core import known as sources
from onevisit.core.events import EVENT_TYPES
from onevisit.core.ids import contains_personal_number
from onevisit.core.models import Event
from onevisit.intake.models import PreReview
from onevisit.queueing.models import Ticket
from onevisit.simulators import history

START = date(2026, 11, 2)  # a Monday
REFS = ("hall", "window", "queue", "matter", "bundle", "case", "ticket", "visit", "actor")


@pytest.fixture(scope="module")
def events() -> list[history.HistoryEvent]:
    """Three weeks of two halls: long enough for returns, second visits and back-office completions."""
    return list(history.generate(start=START, days=21, halls=2, seed=3))


def test_the_same_seed_gives_the_same_history_and_another_seed_another():
    first = list(history.generate(start=START, days=3, halls=2, seed=11))
    assert first == list(history.generate(start=START, days=3, halls=2, seed=11))
    assert first != list(history.generate(start=START, days=3, halls=2, seed=12))
    # each hall has its own stream: hist01 is the same whether one hall or two are generated
    alone = list(history.generate(start=START, days=3, halls=1, seed=11))
    assert alone == [e for e in first if e.hall == "hist01"]


def test_events_are_in_time_order_within_the_period_and_of_known_types(events):
    assert all(a.at <= b.at for a, b in zip(events, events[1:], strict=False))
    assert all(e.at.utcoffset() == timedelta(0) for e in events)
    end = START + timedelta(days=21)
    local_days = {e.at.astimezone(ZoneInfo(history.TZ_NAME)).date() for e in events}
    assert min(local_days) >= START and max(local_days) < end
    assert all(d.weekday() < 5 for d in local_days)  # the hall and its back office work on weekdays
    types = {e.type for e in events}
    assert types <= EVENT_TYPES
    assert types == history.EVENT_TYPES  # every kind of fact the generator knows shows up in three weeks
    assert {e.hall for e in events} == {"hist01", "hist02"}


def test_completions_count_visits_and_follow_the_first_acceptance(events):
    first_accepted = {}
    completed = [e for e in events if e.type == "case.completed"]
    assert completed
    for e in events:
        if e.type == "case.accepted":
            first_accepted.setdefault(e.case, e)
    for e in completed:
        assert isinstance(e.data["visits"], int) and e.data["visits"] >= 1
        assert isinstance(e.data["at_window"], bool)
        assert e.case in first_accepted and first_accepted[e.case].at <= e.at
        assert events.index(first_accepted[e.case]) < events.index(e)
    assert {e.data["at_window"] for e in completed} == {True, False}
    assert max(e.data["visits"] for e in completed) >= 2


def test_ids_are_prefixed_per_hall_and_no_personal_number_is_anywhere(events):
    for e in events:
        assert not contains_personal_number(json.dumps(e.data, ensure_ascii=False)), e
        assert not contains_personal_number(" ".join(getattr(e, f) for f in REFS)), e
        prefix = f"h{e.hall[-2:]}-"
        for ref, letter in (("case", "c"), ("ticket", "t"), ("visit", "v")):
            value = getattr(e, ref)
            assert not value or (value.startswith(prefix + letter) and len(value) <= 32), e
        if e.type == "prereview.completed":
            assert e.data["person"].startswith(prefix + "p")
    assert len({e.ticket for e in events if e.type == "ticket.issued"}) == sum(
        e.type == "ticket.issued" for e in events
    )


def test_values_stay_in_the_vocabularies_of_the_product(events):
    channels = set(PreReview.Channel.values)
    for e in events:
        if e.type == "prereview.completed":
            assert e.data["verdict"] in {"complete", "tolerance", "incomplete"}
            assert e.data["present"] == e.data["required"] - len(e.data["missing"])
            assert (e.data["verdict"] == "complete") == (not e.data["missing"])
        elif e.type == "triage.routed":
            assert e.data["channel"] in channels
        elif e.type == "ticket.issued":
            assert e.data["priority_class"] in Ticket.PriorityClass.values
    prereviews = [e for e in events if e.type == "prereview.completed"]
    assert {e.data["verdict"] for e in prereviews} == {"complete", "tolerance", "incomplete"}
    assert any(not e.data["first_visit"] for e in prereviews)  # second visits after incomplete materials
    routed = {e.data["channel"] for e in events if e.type == "triage.routed"}
    assert {"window", "none", "online_assisted", "self_service"} <= routed
    assert any(e.data["duplicate"] for e in events if e.type == "field.entered")


def test_every_source_of_a_known_value_the_history_writes_is_one_the_services_write(events):
    """The window's providers name where a known value came from; a duplicate entry generated from another
    name would be a source no real hall has, split apart from the real ones in every breakdown."""
    services_write = {provider.name for provider in known.PROVIDERS}  # the ferry's included (installed)
    assert services_write == set(sources.SOURCES)
    written = {e.data["known_from"] for e in events if e.type == "field.entered"}
    assert written - {""} and written - {""} <= services_write
    duplicates = [e for e in events if e.type == "field.entered" and e.data["duplicate"]]
    assert duplicates and all(e.data["known_from"] in services_write for e in duplicates)


def _shapes(rows) -> tuple[dict, dict]:
    """Per event type: the data keys with the Python types of their values, and the references filled."""
    keys: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    refs: dict[str, set[str]] = defaultdict(set)
    for e in rows:
        found = keys[e.type]  # a type with empty data is still known
        for k, v in e.data.items():
            found[k].add(type(v).__name__)
        refs[e.type] |= {f for f in REFS if getattr(e, f)}
    return keys, refs


@pytest.mark.django_db
def test_payloads_and_references_are_those_the_services_emit(events, guide, clerk, window1):
    """Run a real journey through the services and compare each event type's shape with the generated ones."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from onevisit.accounts.services import actor_for
    from onevisit.cases import services as cases
    from onevisit.intake import services as intake
    from onevisit.queueing import services as queueing
    from onevisit.web import demo
    from tests.factories import resident_id
    from tests.journey import called, handed_over, prereview

    social = actor_for(get_user_model().objects.get(username="houtai1"))
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    browser = Client()  # the clerk signs in (window.signed_in) and, at the end, out
    assert browser.login(username="chuangkou1", password=demo.DEMO_PASSWORD)
    queueing.set_paused(window=window1, paused=True, actor=clerk)
    queueing.set_paused(window=window1, paused=False, actor=clerk)
    every = [m.code for m in intake.checklist(matter_code="cbdj").materials]
    prereview(
        guide,
        "cbdj",
        present=[c for c in every if c != "ldht"],
        not_applicable={"ldht": "灵活就业人员"},
        channel="online_assisted",
    )
    intake.record_consultation(actor=guide, matter_code="cbdj")
    intake.record_consultation(actor=guide, bundle_code="retirement")
    prereview(guide, "cbdj", present=[])  # incomplete: no ticket
    checklist = intake.checklist(bundle_code="retirement", answers={"transferred": True})
    intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers={"transferred": True},
        present=[m.code for m in checklist.materials],
        name="退休人",
        resident_id=resident_id(),
        phone="13700001111",
        channel="online_assisted",
    )
    # tolerance, a recall, the form with a retyped value, supply at the hall, completion, delivery
    pr = prereview(guide, "cbdj", present=["ldht"])
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    queueing.recall(window=window1, ticket_id=pr.ticket.pk, actor=clerk)
    case = cases.accept(actor=clerk, window=window1, code=pr.ticket.token)
    cases.save_form(
        actor=clerk,
        case_id=case.pk,
        submitted={
            "name": "张三",
            "address": "滨江区江南大道1号",
            "employer_name": "示范科技有限公司",
            "employer_credit_code": "91330108MA2H0XXX0X",
            "employment_start": "2026-11-01",
            "insurance_types": "养老",
        },
    )
    cases.supply(
        actor=clerk, commitment_id=case.commitments.get(material="hkb").pk, via="hall", window=window1
    )
    cases.complete(actor=clerk, case_id=case.pk)
    cases.deliver(actor=clerk, case_id=case.pk, method="pickup")
    # a no-show
    ticket = called(guide, clerk, window1)
    queueing.mark_no_show(window=window1, ticket_id=ticket.pk, actor=clerk)
    # the back office: verification, return, the citizen back (a further visit), continuation, approval
    rid = resident_id()
    pr = prereview(guide, "gxzy", rid=rid)
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    case = handed_over(clerk, cases.accept(actor=clerk, window=window1, code=pr.ticket.token))
    task = case.tasks.get()
    v = cases.request_verification(actor=social, task_id=task.pk, department="rsj", question="核实")
    hr = actor_for(get_user_model().objects.get(username="houtai2"))
    cases.answer_verification(actor=hr, verification_id=v.pk, confirmed=True)
    cases.return_task(actor=social, task_id=task.pk, reasons="缴费凭证不清", to="citizen")
    pr = prereview(guide, "gxzy", rid=rid)
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    cases.accept(actor=clerk, window=window1, code=pr.ticket.token)
    cases.approve_task(actor=social, task_id=task.pk)  # the last task: completed by the back office
    other = called(guide, clerk, window1, "gxzy")
    other_case = cases.accept(actor=clerk, window=window1, code=other.token)
    cases.continue_into(
        actor=clerk,
        case_id=other_case.pk,
        bundle_code="retirement",
        answers={"transferred": True},
        present=[
            m.code
            for m in intake.checklist(bundle_code="retirement", answers={"transferred": True}).materials
        ],
    )
    cases.flag_outlier(actor=clerk, case_id=other_case.pk, note="业务系统故障，重启后继续办理")
    answers = {"transferred": True}  # a bundle taken whole at the guide desk: its acceptance names the bundle
    checklist = intake.checklist(bundle_code="retirement", answers=answers)
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=answers,
        present=[m.code for m in checklist.materials],
        name="退休人",
        resident_id=resident_id(),
        phone="13700001111",
    )
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    bundled = cases.accept(actor=clerk, window=window1, code=pr.ticket.token)
    assert Event.objects.get(type="case.accepted", case=str(bundled.pk)).bundle == "retirement"

    browser.post("/logout/")
    real_keys, real_refs = _shapes(Event.objects.filter(id__gt=before))
    made_keys, made_refs = _shapes(events)
    missing_types = history.EVENT_TYPES - set(real_keys)
    assert not missing_types, f"the real journey above should emit {missing_types}"
    for type_ in history.EVENT_TYPES:
        assert set(made_keys[type_]) == set(real_keys[type_]), type_
        for key, kinds in made_keys[type_].items():
            assert kinds <= real_keys[type_][key] | {"NoneType"}, (type_, key, kinds, real_keys[type_][key])
        assert made_refs[type_] <= real_refs[type_], (type_, made_refs[type_], real_refs[type_])


# ---- the commands -------------------------------------------------------------------------------------------


def _generate(*args: str) -> str:
    out = io.StringIO()
    call_command("history", "generate", *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.mark.django_db
def test_generate_writes_the_history_once_and_refuses_to_mix_it():
    message = _generate("--days", "2", "--halls", "1", "--start", "2026-11-02", "--seed", "5")
    expected = list(history.generate(start=START, days=2, halls=1, seed=5))
    written = Event.objects.filter(hall="hist01").order_by("id")
    assert written.count() == len(expected) > 100 and f"{len(expected):,} events" in message
    first = written.first()
    assert (first.at, first.type, first.data) == (expected[0].at, expected[0].type, expected[0].data)
    with pytest.raises(CommandError, match="already has events for hist01"):
        _generate("--days", "1", "--halls", "1", "--start", "2026-12-01")
    assert "nothing written" in _generate("--days", "1", "--halls", "1", "--skip-existing")
    assert Event.objects.filter(hall="hist01").count() == len(expected)
    # its windows are named, so that the review and its files say 6号窗口, not w6 (seen in the browser walk)
    from onevisit.accounts.models import Window

    windows = dict(Window.objects.filter(hall__code="hist01").values_list("code", "name"))
    assert windows == {code: f"{code[1:]}号窗口" for code in history.SAMPLE.windows}
    from onevisit.accounts.models import Hall

    assert Hall.objects.get(code="hist01").name == "样例大厅01（合成历史）"  # the report can name it
    with pytest.raises(CommandError, match="append-only"):
        _generate("--days", "1", "--clear")
    with pytest.raises(CommandError, match="not a date"):
        _generate("--days", "1", "--halls", "2", "--start", "2026-13-01")
    with pytest.raises(CommandError, match="--halls"):
        _generate("--days", "1", "--halls", "0")


def _export(path, *args: str) -> str:
    out = io.StringIO()
    call_command("events", "export", str(path), *args, stdout=out, verbosity=0)
    return out.getvalue()


@pytest.mark.django_db
def test_export_writes_one_partition_per_month_that_reads_back_whole(tmp_path):
    _generate("--days", "5", "--halls", "2", "--start", "2026-11-27")  # Fri 27 Nov, Mon 30 Nov, Tue 1 Dec
    total = Event.objects.count()  # with the seed catalog's own events
    out = tmp_path / "all"
    message = _export(out)
    months = sorted(p.name for p in out.iterdir())
    assert "month=2026-11" in months and "month=2026-12" in months and f"{total:,} events" in message
    assert all((out / m / "part-0.parquet").is_file() for m in months)
    table = pq.read_table(out)
    assert table.num_rows == total
    assert {
        "id",
        "at",
        "type",
        "hall",
        "window",
        "queue",
        "matter",
        "bundle",
        "case",
        "ticket",
        "visit",
        "data",
    } <= set(table.column_names)
    assert str(table.schema.field("at").type) == "timestamp[us, tz=UTC]"
    rows = table.select(["id", "at", "data"]).to_pylist()
    by_id = {r["id"]: r for r in rows}
    event = Event.objects.filter(type="case.completed").first()
    assert json.loads(by_id[event.pk]["data"]) == event.data and by_id[event.pk]["at"] == event.at.astimezone(
        UTC
    )

    december = tmp_path / "december"
    _export(december, "--from", "2026-12-01", "--to", "2026-12-01", "--hall", "hist02")
    assert [p.name for p in december.iterdir()] == ["month=2026-12"]
    table = pq.read_table(december)
    assert table.num_rows == Event.objects.filter(hall="hist02", at__gte="2026-11-30T16:00:00Z").count() > 0
    assert set(table.column("hall").to_pylist()) == {"hist02"}


@pytest.mark.django_db
def test_export_refuses_bad_dates_and_writes_nothing_for_an_empty_selection(tmp_path):
    with pytest.raises(CommandError, match="--to 2026-11-01 is before --from 2026-11-30"):
        _export(tmp_path / "x", "--from", "2026-11-30", "--to", "2026-11-01")
    with pytest.raises(CommandError, match="not a date"):
        _export(tmp_path / "x", "--from", "30.11.2026")
    message = _export(tmp_path / "empty", "--hall", "nowhere")
    assert "nothing written" in message and not (tmp_path / "empty").exists()
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "old.parquet").write_text("")
    with pytest.raises(CommandError, match="not an empty folder"):
        _export(tmp_path / "used")
