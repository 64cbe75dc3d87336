"""One form with known values, duplicate entries measured, tolerance commitments, visits, continuation."""

from datetime import timedelta

import pytest

from onevisit.cases import services
from onevisit.cases.models import Commitment, FieldEntry
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid
from onevisit.queueing import services as queueing
from tests.conftest import journey_events, nothing_written
from tests.factories import resident_id
from tests.journey import CBDJ_FORM, everything_for, handed_over, prereview

pytestmark = pytest.mark.django_db


def _accepted(guide, clerk, window, matter="cbdj", **options):
    pr = prereview(guide, matter, **options)
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return services.accept(actor=clerk, window=window, code=pr.ticket.token)


def test_the_form_is_prefilled_from_what_the_guide_desk_took(guide, clerk, window1):
    case = _accepted(guide, clerk, window1)
    form = services.case_form(case)
    assert form.value("name") == "张三" and form.readonly("resident_id") and form.readonly("phone")
    assert form.value("gender") in ("男", "女") and form.known["gender"][1] == "导引台"
    with nothing_written(), pytest.raises(Invalid) as err:
        services.save_form(actor=clerk, case_id=case.pk, submitted={"employer_credit_code": "bad"})
    assert set(err.value.errors) == {"employer_credit_code"}  # a draft may lack fields; a wrong one is named
    services.save_form(actor=clerk, case_id=case.pk, submitted=CBDJ_FORM)
    entered = journey_events().filter(type="field.entered")
    assert entered.count() == 5 and not entered.filter(data__duplicate=True).exists()
    sealed = FieldEntry.objects.get(case=case, field="address")
    assert sealed.sealed and "江南大道" not in sealed.value  # personal values are stored sealed


def test_retyping_a_known_value_is_counted_as_a_duplicate_entry(guide, clerk, window1):
    rid = resident_id()
    first = _accepted(guide, clerk, window1, rid=rid)
    services.save_form(actor=clerk, case_id=first.pk, submitted=CBDJ_FORM)
    services.complete(actor=clerk, case_id=first.pk)
    second = _accepted(guide, clerk, window1, "gxzy", rid=rid)  # the same citizen, another matter
    form = services.case_form(second)
    assert form.known["employer_name"] == ("示范科技有限公司", "以往办件")
    services.save_form(
        actor=clerk,
        case_id=second.pk,
        submitted={
            "employer_name": "示范科技有限公司",
            "transfer_out_region": "上海市",
            "transfer_in_region": "杭州市",
        },
    )
    duplicates = journey_events().filter(type="field.entered", case=str(second.pk), data__duplicate=True)
    assert [e.data["field"] for e in duplicates] == ["employer_name"]


def test_tolerance_acceptance_records_commitments_and_supply_channels(guide, clerk, window1):
    case = _accepted(guide, clerk, window1, present=["ldht"])  # 户口簿 and 照片 are tolerable
    assert sorted(case.commitments.values_list("material", flat=True)) == ["hkb", "zp"]
    hkb, zp = case.commitments.get(material="hkb"), case.commitments.get(material="zp")
    services.supply(actor=clerk, commitment_id=zp.pk, via="online")
    assert case.visits.count() == 1  # online is not a trip
    services.supply(actor=clerk, commitment_id=hkb.pk, via="hall", window=window1)
    assert case.visits.count() == 2  # the hall is
    with pytest.raises(Conflict, match="已补交"):
        services.supply(actor=clerk, commitment_id=hkb.pk, via="mail")


def test_a_non_tolerable_material_cannot_be_promised(guide, clerk, window1):
    case = _accepted(guide, clerk, window1)
    with nothing_written(), pytest.raises(Invalid, match="不可容缺"):
        services.add_commitment(case=case, material_code="ldht", due=clock.local_date(), actor=clerk)


def test_overdue_commitments_are_listed(guide, clerk, window1, hall):
    case = _accepted(guide, clerk, window1, present=["ldht"])
    Commitment.objects.filter(case=case, material="zp").update(due=clock.local_date() - timedelta(days=1))
    assert [c.material for c in services.overdue_commitments(hall)] == ["zp"]


def test_a_returning_citizen_joins_the_open_case_as_a_second_visit(guide, clerk, window1, hall):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    rid = resident_id()
    case = handed_over(clerk, _accepted(guide, clerk, window1, "gxzy", rid=rid))
    office = actor_for(get_user_model().objects.get(username="houtai1"))
    services.return_task(actor=office, task_id=case.tasks.get().pk, reasons="缴费凭证不清")
    again = _accepted(guide, clerk, window1, "gxzy", rid=rid)
    assert again.pk == case.pk and again.status == "in_progress"
    assert list(case.visits.values_list("seq", "purpose")) == [(1, "accept"), (2, "resubmit")]
    assert case.tasks.get().status == "ready"


def test_continuation_turns_a_matter_into_its_bundle_keeping_what_was_taken(guide, clerk, window1):
    case = _accepted(guide, clerk, window1, "gxzy")
    assert [b.code for b in services.continuation_offers(case)] == ["retirement"]
    with nothing_written(), pytest.raises(Invalid, match="不包含事项"):
        services.continue_into(actor=clerk, case_id=case.pk, bundle_code="newborn")
    services.continue_into(
        actor=clerk,
        case_id=case.pk,
        bundle_code="retirement",
        answers={"transferred": True},
        present=everything_for("retirement", {"transferred": True}),
    )
    case.refresh_from_db()
    assert case.bundle.code == "retirement" and case.visits.count() == 1
    codes = set(case.items.values_list("matter__code", flat=True))
    assert {"gxzy", "retire-approval", "retire-pension-claim", "retire-medins"} <= codes
    assert journey_events().get(type="case.continued").data["from"] == "gxzy"
    assert case.tasks.filter(code="approval").exists()
    with pytest.raises(Conflict, match="已属于"):
        services.continue_into(actor=clerk, case_id=case.pk, bundle_code="retirement")


def test_overdue_commitments_show_on_the_window_page(guide, clerk, window1, clerk_client):
    case = _accepted(guide, clerk, window1, present=["ldht"])
    Commitment.objects.filter(case=case, material="zp").update(due=clock.local_date() - timedelta(days=1))
    page = clerk_client.get("/window/w1/").content.decode()
    assert "逾期未补的容缺材料" in page and "近期一寸免冠照片" in page
