from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from onevisit.catalog.models import Matter
from onevisit.core import clock, people
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.queueing import hours, services
from onevisit.queueing.models import AppointmentSlot, Queue, Ticket
from tests.conftest import nothing_written
from tests.factories import resident_id

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def _person():
    return people.register(people.check_identity(name="赵六", resident_id=resident_id(), phone="13600001111"))


@pytest.fixture
def slot(hall):
    queue = Queue.objects.get(hall=hall, prefix="B")
    day = clock.local_date() + timedelta(days=1)
    while not hours.is_working_day(day):  # no appointments on weekends and holidays
        day += timedelta(days=1)
    # 18:00-19:00: outside the demo's own 9:00-17:00 slots
    return services.create_slots(queue=queue, day=day, start=time(18), end=time(19), minutes=60, capacity=2)[
        0
    ]


def _at(slot, hour, minute=0):
    return mock.patch(
        "onevisit.core.clock.now", return_value=datetime.combine(slot.day, time(hour, minute), tzinfo=SH)
    )


def test_capacity_is_kept_and_a_person_books_a_slot_once(slot):
    gxzy = Matter.objects.get(code="gxzy")
    first = _person()
    services.book(slot_id=slot.pk, matter=gxzy, person=first)
    with nothing_written(), pytest.raises(Conflict, match="约满或不能再预约"):
        services.book(slot_id=slot.pk, matter=gxzy, person=first)
    services.book(slot_id=slot.pk, matter=gxzy, person=_person())
    with pytest.raises(Conflict, match="约满"):
        services.book(slot_id=slot.pk, matter=gxzy, person=_person())
    with pytest.raises(Invalid, match="不办理"):
        services.book(slot_id=slot.pk, matter=Matter.objects.get(code="cbdj"), person=_person())


def test_check_in_within_the_slot_gives_a_priority_ticket(slot, hall, guide):
    appointment = services.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=_person())
    with _at(slot, 17, 0), nothing_written(), pytest.raises(Invalid, match="未到签到时间"):
        services.check_in(hall=hall, code=appointment.code, actor=guide)
    with _at(slot, 17, 45):
        ticket, on_time = services.check_in(hall=hall, code=appointment.code.lower(), actor=guide)
    assert (
        on_time and ticket.priority_class == Ticket.PriorityClass.APPOINTMENT and ticket.queue.prefix == "B"
    )
    with _at(slot, 18, 0), pytest.raises(Conflict, match="已签到"):
        services.check_in(hall=hall, code=appointment.code, actor=guide)


def test_a_late_arrival_gets_a_normal_ticket(slot, hall, guide):
    appointment = services.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=_person())
    with _at(slot, 19, 30):
        ticket, on_time = services.check_in(hall=hall, code=appointment.code, actor=guide)
    assert not on_time and ticket.priority_class == Ticket.PriorityClass.NORMAL


def test_unknown_code(hall, guide):
    with nothing_written(), pytest.raises(NotFound, match="未找到预约码"):
        services.check_in(hall=hall, code="NOPE1234", actor=guide)


def test_booking_page_is_public(client, slot, hall):
    page = client.get("/book/demo/")
    assert page.status_code == 200 and "关系转移" in page.content.decode()
    response = client.post(
        "/book/demo/",
        {
            "slot": slot.pk,
            "matter": "gxzy",
            "day": slot.day.isoformat(),
            "name": "钱七",
            "resident_id": resident_id(),
            "phone": "13500001111",
        },
        follow=True,
    )
    assert "预约成功" in response.content.decode()
    with nothing_written():
        bad = client.post(
            "/book/demo/",
            {
                "slot": slot.pk,
                "matter": "gxzy",
                "day": slot.day.isoformat(),
                "name": "钱七",
                "resident_id": "1",
                "phone": "1",
            },
        )
    assert bad.status_code == 422 and "18位" in bad.content.decode()
    assert AppointmentSlot.objects.get(pk=slot.pk).appointments.count() == 1
