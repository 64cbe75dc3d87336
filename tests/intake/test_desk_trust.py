"""Issue 13 at the guide desk: nobody is sent home for what they need not bring, no silent rename, no silent
second ticket, only the channels a matter has, and the material's own due rule."""

from datetime import date, time, timedelta

import pytest

from onevisit.catalog import services as catalog
from onevisit.core import clock, people
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.models import Person
from onevisit.intake import rules, services
from onevisit.intake.models import PreReview
from onevisit.queueing import hours
from onevisit.queueing.models import Queue, Ticket
from tests.conftest import journey_events, nothing_written
from tests.factories import resident_id
from tests.journey import prereview

pytestmark = pytest.mark.django_db


def _retirement(guide, answers, present_but=(), **options):
    checklist = services.checklist(bundle_code="retirement", answers=answers)
    present = [m.code for m in checklist.materials if not m.shared and m.code not in present_but]
    return services.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=answers,
        present=present,
        name="王五",
        resident_id=options.pop("rid", None) or resident_id(),
        phone="13700001111",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=3),
        **options,
    )


# ---- item 3: notes, exemptions, not applicable ------------------------------------------------------------------


def test_retirement_is_not_blocked_by_the_personnel_file_the_archive_sends(guide):
    """人事档案: "由档案保管机构调阅，本人无需携带" — the hall obtains it, so it never blocks."""
    pr = _retirement(guide, {"transferred": True}, present_but=("rsda",))
    assert pr.verdict == "complete" and pr.ticket is not None and "rsda" not in pr.missing


def test_a_flexible_worker_registers_without_a_labour_contract_and_it_is_counted(guide):
    """参保登记: 劳动合同 "灵活就业人员无需提供" is the catalog's own exemption, offered at the desk."""
    ldht = next(m for m in catalog.checklist_for_matter("cbdj").materials if m.code == "ldht")
    assert ldht.exempt_if == "灵活就业人员"
    pr = prereview(guide, "cbdj", present=["hkb", "zp"], not_applicable={"ldht": ldht.exempt_if})
    assert pr.verdict == "complete" and pr.ticket is not None
    assert pr.not_applicable == {"ldht": "灵活就业人员"}
    marked = journey_events().get(type="material.not_applicable")
    assert marked.matter == "cbdj" and marked.actor == "daoban"
    assert marked.data["material"] == "ldht" and marked.data["preset"] is True
    assert journey_events().get(type="prereview.completed").data["not_applicable"] == ["ldht"]


def test_staff_can_mark_any_item_not_applicable_with_their_own_reason(guide):
    pr = prereview(guide, "gxzy", present=["sqb"], not_applicable={"jfpz": "本省内转移，经办机构内部调取"})
    assert pr.verdict == "complete"
    assert journey_events().get(type="material.not_applicable").data["preset"] is False


@pytest.mark.parametrize(
    ("marked", "field", "message"),
    [
        ({"ldht": "  "}, "na-ldht", "请填写「劳动合同或用工证明」不适用的原因"),
        ({"ldht": "x" * 101}, "na-ldht", "不超过100字"),
        ({"ldht": "本人 13812345678 说不用"}, "na-ldht", "不要填写身份证号或手机号"),
        ({"sfz": "有"}, "na-sfz", "免提交"),
        ({"nosuch": "有"}, "materials", "没有材料 nosuch"),
    ],
)
def test_a_not_applicable_mark_without_a_usable_reason_is_refused(guide, marked, field, message):
    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "cbdj", present=["hkb", "zp"], not_applicable=marked)
    assert message in err.value.errors[field]


def test_an_item_cannot_be_both_brought_and_not_applicable(guide):
    with nothing_written(), pytest.raises(Invalid, match="已勾选为已带"):
        prereview(guide, "cbdj", present=["ldht", "hkb", "zp"], not_applicable={"ldht": "灵活就业人员"})


def test_a_newborn_born_elsewhere_must_bring_the_birth_certificate(catalog):
    local = services.checklist(bundle_code="newborn", answers={"born_local": True})
    elsewhere = services.checklist(bundle_code="newborn", answers={"born_local": False})
    assert next(m for m in local.materials if m.code == "cszm").shared
    cszm = next(m for m in elsewhere.materials if m.code == "cszm")
    assert not cszm.shared and cszm.original and "外地出生" in cszm.note


# ---- item 17: the material's own due rule ---------------------------------------------------------------------


def test_working_days_skip_weekends_and_holidays():
    friday = date(2026, 12, 4)
    assert rules.add_working_days(friday, 1) == date(2026, 12, 7)
    assert rules.add_working_days(date(2026, 12, 5), 5) == date(2026, 12, 11)  # from a Saturday
    assert rules.add_working_days(friday, 0) == friday
    assert rules.add_working_days(friday, 1, holidays={date(2026, 12, 7)}) == date(2026, 12, 8)


def test_the_due_rule_counts_the_halls_public_holidays(settings):
    """国庆 2026: 10月1日–7日; five working days from 9月30日 end on 10月14日 (weekend 10–11 too)."""
    settings.ONEVISIT_HOLIDAYS = ",".join(f"2026-10-0{d}" for d in range(1, 8))
    limit, material = services.due_limit(catalog_materials("cbdj"), date(2026, 9, 30))
    assert limit == date(2026, 10, 14) and material.code == "hkb"


def test_the_due_rule_counts_a_holiday_the_hall_configured(settings):
    """A local holiday on Monday 12月7日 (not in the built-in schedule): from Friday 12月4日, past the weekends
    and the holiday, five working days end on 12月14日 (12月11日 without it)."""
    settings.ONEVISIT_HOLIDAYS = "2026-12-07"
    limit, material = services.due_limit(catalog_materials("cbdj"), date(2026, 12, 4))
    assert limit == date(2026, 12, 14) and material.code == "hkb"


def test_the_desk_refuses_a_due_date_past_a_configured_holiday(guide, settings):
    today = clock.local_date()
    holiday = hours.add_working_days(today, 1)
    settings.ONEVISIT_HOLIDAYS = holiday.isoformat()
    limit = hours.add_working_days(today, 5, {holiday})
    assert limit > hours.add_working_days(today, 5, frozenset())  # the holiday pushed it a working day later
    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "cbdj", present=["ldht", "zp"], tolerance_due=limit + timedelta(days=1))
    assert "须在5个工作日内补交" in err.value.errors["tolerance_due"]
    assert prereview(guide, "cbdj", present=["ldht", "zp"], tolerance_due=limit).tolerance_due == limit


def test_the_due_date_is_capped_by_the_materials_own_rule(guide):
    """户口簿 in 参保登记: "可容缺，5个工作日内补交"."""
    today = clock.local_date()
    limit = rules.add_working_days(today, 5, services.holidays())
    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "cbdj", present=["ldht", "zp"], tolerance_due=limit + timedelta(days=1))
    assert "承诺补交日期" in err.value.errors["tolerance_due"]
    assert "「户口簿(首页及本人页)」须在5个工作日内补交" in err.value.errors["tolerance_due"]
    assert prereview(guide, "cbdj", present=["ldht", "zp"], tolerance_due=limit).tolerance_due == limit


def test_the_desk_proposes_the_due_date_the_rule_allows(catalog):
    today = clock.local_date()
    materials = catalog_materials("cbdj")
    assert services.default_tolerance_due(materials, today) == min(
        today + timedelta(days=7), rules.add_working_days(today, 5, services.holidays())
    )
    assert services.default_tolerance_due(catalog_materials("gxzy"), today) == today + timedelta(days=7)


def catalog_materials(code):
    return catalog.checklist_for_matter(code).materials


# ---- item 7: one resident ID, one name unless staff confirm ---------------------------------------------------


def test_another_name_for_a_known_id_is_asked_about_before_anything_changes(guide):
    rid = resident_id()
    prereview(guide, "cbdj", rid=rid, name="张三", present=[])
    with nothing_written(), pytest.raises(Conflict) as err:
        prereview(guide, "cbdj", rid=rid, name="王五", present=[])
    assert err.value.status == 409 and "张*" in err.value.errors["name"] and "张三" not in err.value.message
    assert Person.objects.get().name == "张三"


def test_a_confirmed_rename_is_recorded_with_who_and_when_and_earlier_cases_keep_their_name(guide):
    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid, name="张三", present=[])
    before = clock.now()
    prereview(guide, "cbdj", rid=rid, name="王五", present=[], confirm_name=True)
    person = Person.objects.get()
    assert person.name == "王五"
    renamed = journey_events().get(type="person.renamed")
    assert renamed.actor == "daoban" and renamed.data == {"person": person.event_ref, "had_name": True}
    assert "张三" not in str(renamed.data) and "王五" not in str(renamed.data)
    assert people.name_at(person, first.created_at) == "张三"
    assert people.name_at(person, before) == "张三"
    assert people.name_at(person, clock.now()) == "王五"


def test_a_case_accepted_before_a_rename_keeps_its_name_on_the_status_page(guide, clerk, window1, client):
    from onevisit.cases import services as cases
    from onevisit.queueing import services as queueing

    rid = resident_id()
    t = prereview(guide, "cbdj", rid=rid, name="张三").ticket
    assert queueing.call_next(window=window1, actor=clerk) == t
    cases.accept(actor=clerk, window=window1, code=t.token)
    prereview(guide, "gxzy", rid=rid, name="王五", channel="online_assisted", confirm_name=True)
    html = client.get(f"/t/{t.token}/").content.decode()
    assert "张*" in html and "王*" not in html


def test_an_anonymous_booking_never_changes_a_known_person(guide):
    from onevisit.queueing import services as queueing

    rid = resident_id()
    prereview(guide, "cbdj", rid=rid, name="张三", phone="13812345678", present=[])
    queue = Queue.objects.get(hall=guide.hall, prefix="A")
    day = clock.local_date() + timedelta(days=1)
    while not queueing.is_bookable(day, time(9), time(10)):  # no appointments on weekends and holidays
        day += timedelta(days=1)
    slot = queueing.create_slots(queue=queue, day=day, start=time(9), end=time(10), minutes=30, capacity=2)[0]
    queueing.book_for(
        slot_id=slot.pk,
        matter=catalog.get_matter("cbdj"),
        identity=people.Identity(name="李四", resident_id=rid, phone="13900000000"),
    )
    person = Person.objects.get()
    assert person.name == "张三" and person.phone == "13812345678"
    assert not journey_events().filter(type="person.renamed").exists()


# ---- item 8: a second ticket while the first waits -------------------------------------------------------------


def test_a_second_prereview_while_the_ticket_waits_gets_no_second_ticket(guide):
    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid)
    with nothing_written(), pytest.raises(Conflict) as err:
        prereview(guide, "gxzy", rid=rid)
    assert err.value.ticket == first.ticket and first.ticket.number in err.value.message
    assert Ticket.objects.count() == 1


def test_adding_matters_to_the_waiting_ticket_keeps_one_ticket_and_one_visit(guide, clerk, window1):
    from onevisit.cases import services as cases
    from onevisit.queueing import services as queueing

    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid)
    joined = prereview(guide, "gxzy", rid=rid, present=["jfpz"], join_waiting=True)
    assert joined.pk == first.pk and joined.ticket == first.ticket
    assert joined.matters == ["cbdj", "gxzy"] and joined.verdict == "tolerance"  # 申请表 promised later
    assert Ticket.objects.count() == 1 and PreReview.objects.count() == 1
    added = journey_events().get(type="prereview.matters_added")
    assert added.data["added"] == ["gxzy"] and added.data["number"] == first.ticket.number
    assert queueing.call_next(window=window1, actor=clerk) == first.ticket
    case = cases.accept(actor=clerk, window=window1, code=first.ticket.token)
    assert sorted(case.items.values_list("matter__code", flat=True)) == ["cbdj", "gxzy"]
    assert case.visits.count() == 1
    assert [c.material for c in case.commitments.all()] == ["sqb"]


def test_pressing_add_twice_adds_and_records_once(guide):
    rid = resident_id()
    prereview(guide, "cbdj", rid=rid)
    prereview(guide, "gxzy", rid=rid, join_waiting=True)
    again = prereview(guide, "gxzy", rid=rid, join_waiting=True)
    assert again.matters == ["cbdj", "gxzy"]
    assert journey_events().filter(type="prereview.matters_added").count() == 1


def test_a_ticket_of_another_day_or_already_served_does_not_block(guide, clerk, window1):
    from onevisit.cases import services as cases
    from onevisit.queueing import services as queueing

    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid)
    queueing.call_next(window=window1, actor=clerk)
    cases.accept(actor=clerk, window=window1, code=first.ticket.token)
    again = prereview(guide, "gxzy", rid=rid)
    assert again.ticket is not None and again.ticket != first.ticket


# ---- item 12: only the channels the matter has ------------------------------------------------------------------


def test_triage_offers_only_the_channels_the_matter_has(guide):
    cbdj = services.checklist(matter_code="cbdj")
    assert services.offered_channels(guide.hall, cbdj, "cbdj") == ["window", "online_assisted"]


def test_assisted_online_records_what_was_handed_over(guide):
    prereview(guide, "cbdj", channel="online_assisted")
    assert journey_events().get(type="triage.routed").data["online_path"] == "matter:cbdj"
