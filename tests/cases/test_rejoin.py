"""A ticket of a citizen with an open case rejoins that case as a further visit (issue 13 item 8): the matters
its pre-review adds join the case — items, back-office steps in the bundle's order, commitments for the
tolerable materials they still lack — instead of being dropped; what cannot join is refused, naming it."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case
from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.intake import services as intake
from onevisit.intake.models import PreReview
from onevisit.queueing import services as queueing
from tests.conftest import journey_events, nothing_written
from tests.factories import resident_id
from tests.journey import everything_for, fill_form, handed_over, prereview

pytestmark = pytest.mark.django_db

WITH_FUND = {"transferred": True, "has_housing_fund": True}


def _office(username):
    return actor_for(get_user_model().objects.get(username=username))


def _accept(clerk, window, ticket):
    assert queueing.call_next(window=window, actor=clerk) == ticket
    return services.accept(actor=clerk, window=window, code=ticket.token)


def _transfer_case(guide, clerk, window, rid):
    """An open 关系转移 case, handed over to the back office: its one task is ready."""
    return handed_over(clerk, _accept(clerk, window, prereview(guide, "gxzy", rid=rid).ticket))


def _items(case) -> set[str]:
    return set(case.items.values_list("matter__code", flat=True))


def test_a_matter_added_at_the_desk_joins_the_open_case_with_its_commitment(guide, clerk, window1):
    rid = resident_id()
    case = _transfer_case(guide, clerk, window1, rid)
    again = prereview(guide, "gxzy", rid=rid)
    due = clock.local_date() + timedelta(days=2)
    joined = prereview(guide, "cbdj", rid=rid, present=["ldht", "zp"], join_waiting=True, tolerance_due=due)
    assert joined.ticket == again.ticket and joined.matters == ["gxzy", "cbdj"]  # 户口簿 promised
    rejoined = _accept(clerk, window1, again.ticket)
    assert rejoined.pk == case.pk and _items(case) == {"gxzy", "cbdj"}
    assert list(case.visits.values_list("seq", "purpose")) == [(1, "accept"), (2, "resubmit")]
    assert list(case.commitments.values_list("material", "due")) == [("hkb", due)]
    assert journey_events().get(type="commitment.made", case=str(case.pk)).data["material"] == "hkb"
    # cbdj is finished at the window: the case is back there until its form, cbdj's fields included, is done
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED and services.awaits_hand_over(case)
    assert "employer_credit_code" in services.form_problems(case)


def test_a_bundle_taken_at_the_desk_joins_the_open_case_keeping_the_task_order(guide, clerk, window1):
    rid = resident_id()
    case = _transfer_case(guide, clerk, window1, rid)
    present = [m for m in everything_for("retirement", WITH_FUND) if m != "gjj-tqsq"]  # tolerable: promised
    due = clock.local_date() + timedelta(days=4)
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=WITH_FUND,
        present=present,
        name="张三",
        resident_id=rid,
        phone="13812345678",
        commitment_signed=True,
        tolerance_due=due,
    )
    # The ticket queues for the bundle's key matter (the demo's queue D), not the open case's 关系转移: the case is
    # found by any matter the pre-review covers.
    assert pr.ticket.matter.code == "retire-approval" and pr.verdict == "tolerance"
    rejoined = _accept(clerk, window1, pr.ticket)
    case.refresh_from_db()
    assert rejoined.pk == case.pk and case.bundle.code == "retirement"
    assert _items(case) == {
        "gxzy",
        "retire-approval",
        "retire-pension-claim",
        "retire-medins",
        "hf-withdraw-retire",
    }
    graph = dict(case.tasks.values_list("code", "after"))
    assert graph["approval"] == ["gxzy"] and graph["pension"] == ["approval"] and "transfer" not in graph
    assert list(case.commitments.values_list("material", "due")) == [("gjj-tqsq", due)]
    continued = journey_events().get(type="case.continued", case=str(case.pk))
    assert continued.bundle == "retirement" and "retire-approval" in continued.data["added"]
    # The added steps start only when the window hands them over, and approval still waits for the transfer.
    social = _office("houtai1")
    services.approve_task(actor=social, task_id=case.tasks.get(code="gxzy").pk)
    assert case.tasks.get(code="approval").status == "waiting"
    fill_form(clerk, case)
    services.hand_over(actor=clerk, case_id=case.pk)
    status = dict(case.tasks.values_list("code", "status"))
    assert status["gxzy"] == "done" and status["approval"] == "ready" and status["pension"] == "waiting"


def test_a_visit_adding_nothing_stays_a_plain_further_visit(guide, clerk, window1):
    rid = resident_id()
    case = _transfer_case(guide, clerk, window1, rid)
    _accept(clerk, window1, prereview(guide, "gxzy", rid=rid).ticket)
    case.refresh_from_db()
    assert case.status == Case.Status.IN_PROGRESS and _items(case) == {"gxzy"} and case.bundle is None
    assert not journey_events().filter(type="case.continued").exists()


def test_an_added_matter_whose_missing_material_must_be_shown_is_refused_naming_it(guide, clerk, window1):
    """The catalog changed between desk and window: 户口簿 may no longer be promised later."""
    rid = resident_id()
    case = _transfer_case(guide, clerk, window1, rid)
    again = prereview(guide, "gxzy", rid=rid)
    prereview(guide, "cbdj", rid=rid, present=["ldht", "zp"], join_waiting=True)
    PreReview.objects.filter(ticket=again.ticket).update(missing=["hkb", "ldht"])  # 劳动合同: never tolerable
    assert queueing.call_next(window=window1, actor=clerk) == again.ticket
    with nothing_written(), pytest.raises(Invalid) as err:
        services.accept(actor=clerk, window=window1, code=again.ticket.token)
    assert "劳动合同" in err.value.message and case.number in err.value.message
    assert err.value.status == 422
