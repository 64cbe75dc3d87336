"""Pre-review on resolved checklists, triage, tolerance, priority classes, idempotency, consultations, kiosk."""

from datetime import date, timedelta

import pytest

from onevisit.core import clock
from onevisit.core.errors import Invalid, NotFound
from onevisit.intake import services
from onevisit.intake.models import Consultation, PreReview
from onevisit.queueing.models import Ticket
from tests.conftest import journey_events, nothing_written
from tests.factories import resident_id
from tests.journey import prereview

pytestmark = pytest.mark.django_db


def test_shared_materials_need_no_tick(guide):
    pr = prereview(guide, "cbdj", present=["ldht", "hkb", "zp"])  # 居民身份证 is 免提交
    assert pr.verdict == "complete" and pr.ticket is not None


def test_tolerance_needs_a_signed_commitment_with_a_due_date(guide):
    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "cbdj", present=["ldht"], commitment_signed=False, tolerance_due=None)
    assert set(err.value.errors) == {"commitment", "tolerance_due"}
    late = clock.local_date() + timedelta(days=90)
    with nothing_written(), pytest.raises(Invalid, match="30 天内"):
        prereview(guide, "cbdj", present=["ldht"], tolerance_due=late)
    pr = prereview(guide, "cbdj", present=["ldht"])
    assert pr.verdict == "tolerance" and pr.commitment_signed and pr.tolerance_due and pr.ticket


def test_triage_routes_without_a_ticket_and_records_the_channel(guide):
    pr = prereview(guide, "cbdj", channel="online_assisted")
    assert pr.channel == "online_assisted" and pr.ticket is None
    routed = journey_events().filter(type="triage.routed").last()
    assert routed.data["channel"] == "online_assisted"
    with nothing_written(), pytest.raises(Invalid, match="不能自助办理"):
        prereview(guide, "cbdj", channel="self_service")  # 参保登记 has window and online channels only
    with nothing_written(), pytest.raises(Invalid, match="分流去向"):
        prereview(guide, "cbdj", channel="teleport")


def test_incomplete_materials_are_not_routed(guide):
    pr = prereview(guide, "cbdj", present=[], channel="online_assisted")
    assert pr.verdict == "incomplete" and pr.channel == "none" and pr.ticket is None


def test_priority_classes(guide):
    elderly = resident_id(born=date(1950, 1, 1))
    assert prereview(guide, "cbdj", rid=elderly).ticket.priority_class == Ticket.PriorityClass.ELDERLY
    assert prereview(guide, "cbdj", disability=True).ticket.priority_class == Ticket.PriorityClass.DISABILITY
    assert prereview(guide, "cbdj").ticket.priority_class == Ticket.PriorityClass.NORMAL


def test_a_retried_request_returns_the_same_ticket(guide):
    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid, idempotency_key="desk1-0001")
    again = prereview(guide, "cbdj", rid=rid, idempotency_key="desk1-0001")
    assert again.pk == first.pk and again.ticket == first.ticket
    assert Ticket.objects.count() == 1 and PreReview.objects.count() == 1


def test_first_visit_is_recorded_for_completeness_figures(guide):
    rid = resident_id()
    prereview(guide, "cbdj", rid=rid, present=[])
    prereview(guide, "cbdj", rid=rid)
    firsts = [
        e.data["first_visit"] for e in journey_events().filter(type="prereview.completed").order_by("id")
    ]
    assert firsts == [True, False]


def _bundle_prereview(guide, answers):
    checklist = services.checklist(bundle_code="retirement", answers=answers)
    return services.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=answers,
        present=[m.code for m in checklist.materials],
        name="王五",
        resident_id=resident_id(),
        phone="13700001111",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=3),
    )


def test_a_bundle_goes_to_the_queue_of_a_matter_the_hall_serves(guide):
    """退休一件事 joins the queue of its key matter (the demo's D); a hall without that queue serves only 关系转移
    of it, which applies after a transfer."""
    from onevisit.queueing.models import Queue

    pr = _bundle_prereview(guide, {"transferred": True})
    assert pr.bundle.code == "retirement" and "gxzy" in pr.matters and pr.ticket.queue.prefix == "D"
    Queue.objects.get(code="tx").matters.clear()  # a hall without a retirement queue
    pr = _bundle_prereview(guide, {"transferred": True})
    assert pr.ticket.queue.prefix == "B"
    with nothing_written(), pytest.raises(Invalid, match="本大厅不办理"):
        _bundle_prereview(guide, {"transferred": False})


def test_answers_that_do_not_resolve_are_refused(guide):
    with nothing_written(), pytest.raises(Invalid, match="没有问题 pets"):
        services.submit_prereview(
            actor=guide,
            bundle_code="newborn",
            answers={"pets": "cat"},
            present=[],
            name="王五",
            resident_id=resident_id(),
            phone="13700001111",
        )


def test_a_matter_the_hall_does_not_serve_gets_no_ticket(guide):
    with nothing_written(), pytest.raises(Invalid, match="本大厅不办理"):
        prereview(guide, "business-setup")


def test_consultations_are_counted(guide):
    services.record_consultation(actor=guide, matter_code="gxzy", note="问转移需要多久")
    assert Consultation.objects.get().matter.code == "gxzy"
    assert journey_events().get(type="consultation.recorded").matter == "gxzy"
    with nothing_written(), pytest.raises(NotFound):
        services.record_consultation(actor=guide, matter_code="nosuch")


def test_kiosk_ticket_from_the_resident_id_alone(hall):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    kiosk = actor_for(get_user_model().objects.get(username="zizhu"))
    rid = resident_id()
    ticket = services.issue_at_kiosk(actor=kiosk, matter_code="jfhd", resident_id=rid, idempotency_key="k1")
    assert ticket.number == "C001" and ticket.person.name == ""
    assert (
        services.issue_at_kiosk(actor=kiosk, matter_code="jfhd", resident_id=rid, idempotency_key="k1")
        == ticket
    )
    with nothing_written(), pytest.raises(Invalid, match="校验码"):
        services.issue_at_kiosk(actor=kiosk, matter_code="jfhd", resident_id="110105198506151230")
