"""Appointment slots come from weekly templates (issue 14): a hall sets its week once and generates a date range,
with weekends, holidays and lunch left out, instead of adding slots one at a time."""

import io
from datetime import time, timedelta

import pytest
from django.core.management import CommandError, call_command

from onevisit.catalog.models import Matter
from onevisit.core import clock, people
from onevisit.core.errors import Invalid
from onevisit.core.models import Event
from onevisit.queueing import services
from onevisit.queueing.models import AppointmentSlot, Queue, SlotTemplate
from tests.conftest import nothing_written
from tests.factories import QueueFactory, StaffFactory, resident_id, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue(catalog, empty_hall):
    """A hall's one queue (关系转移) with a template of its own, 8:00-12:30 in 90-minute slots of 3: no demo hall."""
    queue = QueueFactory(hall=empty_hall, code="gxzy", matters=[Matter.objects.get(code="gxzy")])
    for weekday in range(5):
        SlotTemplate.objects.create(
            queue=queue, weekday=weekday, start=time(8), end=time(12, 30), minutes=90, capacity=3
        )
    return queue


def _week_after_next():
    today = clock.local_date()
    monday = today + timedelta(days=7 - today.weekday() + 7)
    return monday, monday + timedelta(days=6)  # Monday to Sunday


def _ours(queue, first, last):
    return AppointmentSlot.objects.filter(
        queue=queue, day__range=(first, last), start__in=[time(8), time(9, 30)]
    )


def test_a_week_of_templates_gives_slots_on_working_days_only_without_lunch(empty_hall, queue, settings):
    monday, sunday = _week_after_next()
    wednesday = monday + timedelta(days=2)
    settings.ONEVISIT_HOLIDAYS = wednesday.isoformat()
    created = services.generate_slots(hall=empty_hall, first=monday, last=sunday, queues=[queue])
    slots = AppointmentSlot.objects.filter(queue=queue, day__range=(monday, sunday))
    # 8:00-9:30 and 9:30-11:00 fit; 11:00-12:30 runs into lunch (12:00) and is left out
    assert created == 4 * 2 == slots.count()
    assert {s.day for s in slots} == {
        monday,
        monday + timedelta(days=1),
        monday + timedelta(days=3),
        monday + timedelta(days=4),
    }
    assert {(s.start, s.end, s.capacity) for s in slots} == {
        (time(8), time(9, 30), 3),
        (time(9, 30), time(11), 3),
    }
    event = Event.objects.filter(type="appointment.slots_generated").last()
    assert event.hall == "demo" and event.data["created"] == 8 and event.data["queues"] == ["gxzy"]


def test_generating_again_keeps_existing_slots_and_their_bookings(empty_hall, queue):
    monday, sunday = _week_after_next()
    services.generate_slots(hall=empty_hall, first=monday, last=sunday, queues=[queue])
    slot = _ours(queue, monday, monday).first()
    person = people.register(
        people.check_identity(name="钱七", resident_id=resident_id(), phone="13600002222")
    )
    services.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=person)
    queue.slot_templates.update(capacity=9)
    assert services.generate_slots(hall=empty_hall, first=monday, last=sunday, queues=[queue]) == 0
    slot.refresh_from_db()
    assert slot.capacity == 3 and slot.appointments.count() == 1


@pytest.mark.parametrize(
    ("first", "last", "field", "message"),
    [
        (-1, 3, "first", "不能早于今天"),
        (5, 4, "last", "不能早于开始日期"),
        (1, 400, "last", "最多生成 366 天"),
    ],
)
def test_a_bad_range_is_refused_naming_the_field_and_writes_nothing(
    empty_hall, queue, first, last, field, message
):
    today = clock.local_date()
    with nothing_written(), pytest.raises(Invalid, match=message) as err:
        services.generate_slots(
            hall=empty_hall, first=today + timedelta(days=first), last=today + timedelta(days=last)
        )
    assert set(err.value.errors) == {field}


def test_a_queue_without_templates_is_told_so(empty_hall):
    queue = QueueFactory(hall=empty_hall)
    with nothing_written(), pytest.raises(Invalid, match="还没有预约时段模板"):
        services.generate_slots(
            hall=empty_hall, first=clock.local_date(), last=clock.local_date(), queues=[queue]
        )


def test_the_demo_hall_s_week_is_templates(hall):
    assert (
        SlotTemplate.objects.filter(queue__hall=hall).count() == Queue.objects.filter(hall=hall).count() * 5
    )
    today = clock.local_date()
    days = {s.day for s in AppointmentSlot.objects.filter(queue__hall=hall)}
    assert days and all(d.weekday() < 5 and today <= d <= today + timedelta(days=6) for d in days)


def test_the_command_generates_a_range_for_named_queues(empty_hall, queue):
    monday, sunday = _week_after_next()
    out = io.StringIO()
    call_command(
        "slots",
        "generate",
        "--hall",
        "demo",
        "--from",
        monday.isoformat(),
        "--to",
        sunday.isoformat(),
        "--queue",
        "gxzy",
        stdout=out,
    )
    assert "10 new slot(s)" in out.getvalue() and _ours(queue, monday, sunday).count() == 10
    with pytest.raises(CommandError, match="no queue nosuch"):
        call_command(
            "slots",
            "generate",
            "--from",
            monday.isoformat(),
            "--to",
            sunday.isoformat(),
            "--queue",
            "nosuch",
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="不能早于开始日期"):
        call_command(
            "slots",
            "generate",
            "--from",
            sunday.isoformat(),
            "--to",
            monday.isoformat(),
            stdout=io.StringIO(),
        )


def test_the_admin_generates_slots_from_the_selected_templates_for_a_range(empty_hall, queue):
    monday, sunday = _week_after_next()
    admin = signed_in(StaffFactory(admin=True, hall=empty_hall))
    url = "/admin/queueing/slottemplate/"
    chosen = {"action": "generate", "_selected_action": [t.pk for t in queue.slot_templates.all()]}
    asked = admin.post(url, chosen)
    today = clock.local_date()
    assert asked.status_code == 200 and f'name="first" value="{today:%Y-%m-%d}"' in asked.content.decode()
    with nothing_written():
        refused = admin.post(
            url, {**chosen, "apply": "1", "first": sunday.isoformat(), "last": monday.isoformat()}
        )
    assert refused.status_code == 422 and "不能早于开始日期" in refused.content.decode()
    done = admin.post(
        url, {**chosen, "apply": "1", "first": monday.isoformat(), "last": sunday.isoformat()}, follow=True
    )
    assert "新生成 10 个预约时段" in done.content.decode() and _ours(queue, monday, sunday).count() == 10


def test_a_template_that_ends_before_it_starts_is_refused_in_the_admin(queue):
    admin = signed_in(StaffFactory(admin=True, hall=queue.hall))
    with nothing_written():
        page = admin.post(
            "/admin/queueing/slottemplate/add/",
            {"queue": queue.pk, "weekday": 0, "start": "15:00", "end": "14:00", "minutes": 30, "capacity": 2},
        )
    assert page.status_code == 200 and "结束时间须晚于开始时间" in page.content.decode()


def test_a_month_of_the_demo_hall_s_slots_is_written_in_a_few_queries(hall, django_assert_max_num_queries):
    """One read of the slots that exist and one insert of the missing ones, whatever the range: every test's
    demo hall generates a week of slots, and a query per slot made that a large part of the suite's time."""
    monday, _ = _week_after_next()
    with django_assert_max_num_queries(12):
        created = services.generate_slots(hall=hall, first=monday, last=monday + timedelta(days=27))
    assert (
        created
        == AppointmentSlot.objects.filter(
            queue__hall=hall, day__range=(monday, monday + timedelta(days=27))
        ).count()
        > 300
    )
    with django_assert_max_num_queries(12):
        assert services.generate_slots(hall=hall, first=monday, last=monday + timedelta(days=27)) == 0
