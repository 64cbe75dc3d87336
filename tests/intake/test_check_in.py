"""Checking in a booking: the desk runs the pre-review keeping the booking; the kiosk asks to confirm materials."""

import re
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from onevisit.catalog import services as catalog
from onevisit.catalog.models import Matter
from onevisit.core import clock, people
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.models import Event
from onevisit.intake import services
from onevisit.intake.models import PreReview
from onevisit.queueing import hours
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Appointment, Queue, Ticket
from tests.conftest import login, nothing_written
from tests.factories import resident_id

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
RID = resident_id(seq="321")


@pytest.fixture
def booking(hall):
    day = clock.local_date() + timedelta(days=1)
    while not hours.is_working_day(day):
        day += timedelta(days=1)
    queue = Queue.objects.get(hall=hall, prefix="B")
    slot = queueing.create_slots(queue=queue, day=day, start=time(18), end=time(19), minutes=60, capacity=2)[
        0
    ]
    person = people.register(people.check_identity(name="赵六", resident_id=RID, phone="13600001111"))
    return queueing.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=person)


def _at(booking, hour, minute=0):
    when = datetime.combine(booking.slot.day, time(hour, minute), tzinfo=SH)
    return mock.patch("onevisit.core.clock.now", return_value=when)


def _all_materials(matter="gxzy"):
    return [m.code for m in catalog.checklist_for_matter(matter).materials if not m.shared]


def _desk_form(**changes):
    return {
        "name": "赵六",
        "resident_id": RID,
        "phone": "13600001111",
        "channel": "window",
        "materials": _all_materials(),
        "idempotency_key": "desk-ci-1",
    } | changes


def test_desk_check_in_and_then_every_link_on_the_way_opens_for_the_guide(booking):
    """Check-in at the desk, then 完成 (or any link on the resulting pages), never lands on a 403."""
    desk = login("daoban")
    with _at(booking, 17, 45):
        response = desk.post("/guide/check-in/", {"code": booking.code}, follow=True)
        assert response.status_code == 200
        pages = [response]
        form_url = response.redirect_chain[-1][0]
        pages.append(desk.post(form_url, _desk_form(), follow=True))
        for page in pages:
            for href in set(re.findall(r'href="(/[^"]*)"', page.content.decode())):
                if href.startswith(("/static/", "/admin/")) or href.endswith(".pdf"):
                    continue
                assert desk.get(href).status_code != 403, href


def test_desk_check_in_leads_into_the_prereview_and_keeps_the_appointment(booking):
    desk = login("daoban")
    with _at(booking, 17, 45):
        response = desk.post("/guide/check-in/", {"code": booking.code})
        assert response.status_code == 302
        assert response["Location"] == f"/guide/matters/gxzy/?appointment={booking.code}"
        assert not Ticket.objects.exists(), "no ticket before the pre-review"
        desk.post(response["Location"], _desk_form())
    prereview = PreReview.objects.get()
    booking.refresh_from_db()
    assert prereview.ticket.priority_class == Ticket.PriorityClass.APPOINTMENT
    assert booking.status == Appointment.Status.CHECKED_IN and booking.ticket == prereview.ticket
    issued = Event.objects.get(type="ticket.issued")
    assert issued.data["priority_class"] == "appointment", "planning reads the priority from the event"
    checked_in = Event.objects.get(type="appointment.checked_in")
    assert checked_in.data["prereview"] == prereview.pk and checked_in.data["on_time"] is True


def test_desk_check_in_with_an_essential_item_missing_gives_the_notice_and_keeps_the_booking(booking, guide):
    with _at(booking, 17, 45):
        result = services.check_in_at_desk(
            actor=guide,
            appointment_code=booking.code,
            matter_code="gxzy",
            present=[],
            name="赵六",
            resident_id=RID,
            phone="13600001111",
        )
    booking.refresh_from_db()
    assert result.verdict == "incomplete" and result.ticket is None
    assert booking.status == Appointment.Status.BOOKED


def test_desk_check_in_for_someone_else_than_who_booked_is_refused(booking, guide):
    with _at(booking, 17, 45), nothing_written(), pytest.raises(Invalid) as err:
        services.check_in_at_desk(
            actor=guide,
            appointment_code=booking.code,
            matter_code="gxzy",
            present=_all_materials(),
            name="孙八",
            resident_id=resident_id(seq="654"),
            phone="13600002222",
        )
    assert "resident_id" in err.value.errors


def test_a_retried_desk_check_in_gives_the_same_prereview_and_a_second_one_is_refused(booking, guide):
    fields = {
        "matter_code": "gxzy",
        "present": _all_materials(),
        "name": "赵六",
        "resident_id": RID,
        "phone": "13600001111",
    }
    with _at(booking, 17, 45):
        first = services.check_in_at_desk(
            actor=guide, appointment_code=booking.code, idempotency_key="k1", **fields
        )
        with nothing_written():
            again = services.check_in_at_desk(
                actor=guide, appointment_code=booking.code, idempotency_key="k1", **fields
            )
        with nothing_written(), pytest.raises(Conflict, match="已签到"):
            services.check_in_at_desk(
                actor=guide, appointment_code=booking.code, idempotency_key="k2", **fields
            )
    assert again == first


def test_kiosk_check_in_asks_the_citizen_to_confirm_the_materials_first(booking):
    kiosk = login("zizhu")
    with _at(booking, 17, 45):
        with nothing_written():
            confirm = kiosk.post("/guide/check-in/", {"code": booking.code, "back": "intake:kiosk"})
        html = confirm.content.decode()
        assert confirm.status_code == 200 and "请确认已带齐材料" in html
        for material in catalog.checklist_for_matter("gxzy").materials:
            assert material.name in html
        assert 'name="confirmed" value="yes"' in html and "材料不齐" in html
        done = kiosk.post(
            "/guide/check-in/", {"code": booking.code, "back": "intake:kiosk", "confirmed": "yes"}
        )
    ticket = Ticket.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/guide/kiosk/tickets/{ticket.token}/"
    assert ticket.priority_class == Ticket.PriorityClass.APPOINTMENT


def test_check_in_reads_the_code_from_the_confirmations_qr(booking, hall, guide):
    url = f"http://hall.example/book/demo/{booking.code}/"
    with _at(booking, 17, 45):
        ticket, on_time = queueing.check_in(hall=hall, code=url, actor=guide)
    assert on_time and ticket.priority_class == Ticket.PriorityClass.APPOINTMENT


def test_a_failed_check_in_is_shown_as_an_error(hall):
    desk = login("daoban")
    page = desk.post("/guide/check-in/", {"code": "NOPE1234"}, follow=True).content.decode()
    assert re.search(r'class="message error" role="alert">未找到预约码 NOPE1234<', page), (
        "an alert styled as an error"
    )


def test_a_failed_kiosk_check_in_stays_on_the_kiosks_own_screen(hall):
    kiosk = login("zizhu")
    with nothing_written():
        page = kiosk.post("/guide/check-in/", {"code": "NOPE1234", "back": "intake:kiosk"})
    html = page.content.decode()
    assert page.status_code == 404 and "未找到预约码 NOPE1234" in html and 'role="alert"' in html
    assert "退出" not in html.split("</header>")[0], "citizens see no staff bar"


def test_the_prereview_api_checks_a_booking_in_and_refuses_a_second_check_in(booking):
    desk = login("daoban")
    body = {
        "matter": "gxzy",
        "materials": _all_materials(),
        "name": "赵六",
        "resident_id": RID,
        "phone": "13600001111",
        "appointment": booking.code,
        "idempotency_key": "api-ci-1",
    }
    with _at(booking, 17, 45):
        first = desk.post("/api/intake/prereviews", body, content_type="application/json")
        assert first.status_code == 201 and first.json()["ticket"]["priority"] == 1
        with nothing_written():
            again = desk.post(
                "/api/intake/prereviews",
                body | {"idempotency_key": "api-ci-2"},
                content_type="application/json",
            )
    assert again.status_code == 409 and [e["field"] for e in again.json()["errors"]] == ["appointment"]


def test_desk_check_in_needs_no_identity_typed_again_and_shows_it_only_masked(booking):
    """Identity is typed once, when booking: left blank at the desk, the booking's is used."""
    desk = login("daoban")
    with _at(booking, 17, 45):
        form = desk.post("/guide/check-in/", {"code": booking.code}, follow=True)
        html = form.content.decode()
        assert "赵*" in html and booking.person.id_masked in html and RID not in html
        desk.post(form.redirect_chain[-1][0], _desk_form(name="", resident_id="", phone=""))
    prereview = PreReview.objects.get()
    assert prereview.person == booking.person and prereview.ticket.priority_class == "appointment"
