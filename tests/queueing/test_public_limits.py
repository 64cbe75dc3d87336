"""Issue 16, hole 11: the public pages are limited per address (counted in the database, so every process sees
one count), and a citizen holds at most one live booking a day; refusals tell a stranger nothing."""

import re
from datetime import time

import pytest
from django.test import Client

from onevisit.catalog.models import Matter
from onevisit.core import crypto, people
from onevisit.core.errors import Conflict
from onevisit.core.models import Person
from onevisit.queueing import services
from onevisit.queueing.booking import SLOT_REFUSED
from onevisit.queueing.models import Appointment, AppointmentSlot, Queue
from tests.conftest import at_once, nothing_written
from tests.factories import resident_id
from tests.queueing.test_booking import _form, _working_day


@pytest.fixture
def queue_b(hall):
    return Queue.objects.get(hall=hall, prefix="B")


def _slot(queue, day, hour, capacity=5):
    return AppointmentSlot.objects.create(
        queue=queue, day=day, start=time(hour), end=time(hour + 1), capacity=capacity
    )


def _book(client, slot, **changes):
    return client.post(
        f"/book/demo/?matter=gxzy&day={slot.day.isoformat()}", _form(slot, **changes), follow=True
    )


def _page(response) -> str:
    """The page without its per-request parts (the CSRF token, the CSP nonce)."""
    html = response.content.decode()
    return re.sub(r'(name="csrfmiddlewaretoken" value=|nonce=|Nonce":)"[^"]*"', r'\1""', html)


@pytest.mark.django_db
def test_a_second_booking_of_an_id_that_day_answers_as_a_first_one_and_tells_only_the_phone_on_record(
    client, hall, queue_b, sms
):
    """Hole 11: the answer on the page is the same either way; the holder's phone learns of the booking held."""
    day = _working_day()
    morning, evening = _slot(queue_b, day, 17), _slot(queue_b, day, 18)
    rid = resident_id()
    first = _book(client, morning, resident_id=rid, phone="13500001111")
    held = Appointment.objects.get(slot=morning)
    with nothing_written(but_messages=1):  # the holder's phone is told of the booking held
        again = _book(client, evening, resident_id=rid, phone="13900009999", name="冒名")
    stranger = _book(client, evening, resident_id=resident_id(), phone="13700007777")
    assert first.status_code == again.status_code == stranger.status_code == 200
    assert first.redirect_chain == again.redirect_chain == stranger.redirect_chain
    assert _page(first) == _page(again) == _page(stranger), (
        "the page does not tell whether the ID held a booking"
    )
    assert not Appointment.objects.filter(slot=evening, person=held.person).exists()
    assert sms.to("13900009999") == [], "nothing goes to a phone the hall does not hold for that ID"
    booked, already = sms.to("13500001111")
    assert f"预约码 {held.code}" in booked and "预约成功" in booked
    assert f"预约码 {held.code}" in already and "同一天只能预约一次" in already and "没有受理" in already
    next_day = _working_day(day)
    _book(client, _slot(queue_b, next_day, 17), resident_id=rid, phone="13500001111")
    assert Appointment.objects.filter(person=held.person).count() == 2, "another day is another booking"


@pytest.mark.django_db
def test_a_full_slot_is_refused_on_the_page_as_the_page_shows_it_full_anyway(client, hall, queue_b, sms):
    slot = _slot(queue_b, _working_day(), 17, capacity=1)
    _book(client, slot)
    with nothing_written():
        late = client.post(
            f"/book/demo/?matter=gxzy&day={slot.day.isoformat()}", _form(slot, phone="13700007777")
        )
    assert late.status_code == 409 and SLOT_REFUSED in late.content.decode()
    assert sms.to("13700007777") == []


@pytest.mark.django_db
def test_when_the_sms_gateway_is_down_the_page_warns_the_same_way_whoever_asks(
    client, hall, queue_b, settings
):
    settings.ONEVISIT_NOTIFIER = "failing"
    day = _working_day()
    rid = resident_id()
    first = _book(client, _slot(queue_b, day, 17), resident_id=rid)
    again = _book(client, _slot(queue_b, day, 18), resident_id=rid)
    assert _page(first) == _page(again)
    assert 'class="message warning" role="alert"' in _page(first) and "短信暂时没有发出" in _page(first)
    assert Appointment.objects.count() == 1, "the booking stands; its code comes when asked again"


@pytest.mark.django_db(transaction=True)
def test_two_bookings_of_one_id_at_once_give_one(hall, queue_b):
    day = _working_day()
    slots = [_slot(queue_b, day, h) for h in (17, 18, 19)]
    person = people.register(
        people.check_identity(name="赵六", resident_id=resident_id(), phone="13600001111")
    )
    gxzy = Matter.objects.get(code="gxzy")
    results = at_once(*[lambda s=s: services.book(slot_id=s.pk, matter=gxzy, person=person) for s in slots])
    assert sum(isinstance(r, Appointment) for r in results) == 1, results
    assert all(isinstance(r, (Appointment, Conflict)) for r in results), results


@pytest.mark.django_db
def test_an_anonymous_booking_does_not_change_what_the_hall_holds_for_a_known_id(client, hall, queue_b):
    rid = resident_id()
    people.register(people.check_identity(name="赵六", resident_id=rid, phone="13600001111"))
    day = _working_day()
    sent = client.post(
        f"/book/demo/?matter=gxzy&day={day.isoformat()}",
        _form(_slot(queue_b, day, 17), resident_id=rid, name="冒名", phone="13900009999"),
    )
    assert sent.status_code == 302
    person = Person.objects.get(id_digest=crypto.digest("resident_id", rid))
    assert person.name == "赵六" and person.phone_masked == "136****1111"


@pytest.mark.django_db
def test_bookings_from_one_address_are_limited_and_a_429_page_says_so_in_chinese(hall, queue_b, settings):
    settings.ONEVISIT_RATE_BOOKING = "3/h"
    day = _working_day()
    slot = _slot(queue_b, day, 17, capacity=10)
    phone, other = Client(REMOTE_ADDR="203.0.113.7"), Client(REMOTE_ADDR="203.0.113.8")
    url = f"/book/demo/?matter=gxzy&day={day.isoformat()}"
    assert [phone.post(url, _form(slot)).status_code for _ in range(3)] == [302, 302, 302]
    with nothing_written():
        refused = phone.post(url, _form(slot))
    assert refused.status_code == 429 and "访问过于频繁" in refused.content.decode()
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert other.post(url, _form(slot)).status_code == 302, "another address has its own count"
    assert phone.get(url).status_code == 200, "reading the booking page is not a booking"


@pytest.mark.django_db(transaction=True)
def test_bookings_at_once_from_one_address_stop_at_the_limit(hall, settings):
    settings.ONEVISIT_RATE_BOOKING = "3/h"
    day = _working_day()
    slot = _slot(Queue.objects.get(hall=hall, prefix="B"), day, 17, capacity=20)
    url = f"/book/demo/?matter=gxzy&day={day.isoformat()}"
    results = at_once(*[lambda: Client(REMOTE_ADDR="203.0.113.9").post(url, _form(slot)).status_code] * 8)
    assert sorted(results) == [302] * 3 + [429] * 5, results
    assert Appointment.objects.filter(slot=slot).count() == 3


@pytest.mark.django_db
def test_status_and_booking_page_lookups_are_limited_per_address(client, hall, settings):
    settings.ONEVISIT_RATE_LOOKUP = "4/m"
    guesser = Client(REMOTE_ADDR="198.51.100.5")
    assert [guesser.get(f"/t/guess{i}/").status_code for i in range(2)] == [404, 404]
    assert [guesser.get(f"/book/demo/GUESS{i}/").status_code for i in range(2)] == [404, 404]
    with nothing_written():
        refused = guesser.get("/t/guess9/")
    assert refused.status_code == 429 and "访问过于频繁" in refused.content.decode()
    assert guesser.get("/book/demo/GUESS9/").status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.6").get("/t/guess9/").status_code == 404


def test_the_public_ticket_status_api_is_limited_like_the_page_and_answers_in_json(hall, settings):
    settings.ONEVISIT_RATE_LOOKUP = "3/m"
    guesser = Client(REMOTE_ADDR="198.51.100.7")
    assert [guesser.get(f"/api/queueing/tickets/GUESS{i}/status").status_code for i in range(3)] == [404] * 3
    with nothing_written():
        refused = guesser.get("/api/queueing/tickets/GUESS9/status")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert "访问过于频繁" in refused.json()["detail"]


@pytest.mark.django_db
def test_public_status_and_booking_pages_are_never_cached(client, hall, queue_b, guide):
    from tests.journey import ticket

    t = ticket(guide, "gxzy")
    status = client.get(f"/t/{t.token}/")
    assert status.status_code == 200 and "no-store" in status["Cache-Control"]
    day = _working_day()
    booked = client.post(
        f"/book/demo/?matter=gxzy&day={day.isoformat()}", _form(_slot(queue_b, day, 17)), follow=True
    )
    assert booked.status_code == 200 and "no-store" in booked["Cache-Control"]


def test_a_bad_rate_setting_stops_the_start_naming_it():
    from onevisit import config

    with pytest.raises(config.ConfigError, match="ONEVISIT_RATE_BOOKING"):
        config.load({"ONEVISIT_RATE_BOOKING": "lots"})
