"""Online booking on a phone: the matter, then the day, then the slot; only bookable slots; a useful confirmation."""

import re
from datetime import date, time, timedelta

import numpy as np
import pytest
import zxingcpp

from onevisit.catalog import services as catalog
from onevisit.catalog.models import Matter
from onevisit.core import clock, people
from onevisit.core.errors import Conflict, Invalid
from onevisit.queueing import hours, services
from onevisit.queueing.models import Appointment, AppointmentSlot, Queue
from tests.conftest import nothing_written
from tests.factories import resident_id

pytestmark = pytest.mark.django_db


def _working_day(after: date | None = None) -> date:
    day = (after or clock.local_date()) + timedelta(days=1)
    while not hours.is_working_day(day):
        day += timedelta(days=1)
    return day


def _weekend_day() -> date:
    day = clock.local_date() + timedelta(days=1)
    while day.weekday() < 5:
        day += timedelta(days=1)
    return day


def _person():
    return people.register(people.check_identity(name="赵六", resident_id=resident_id(), phone="13600001111"))


def _form(slot, **changes):
    return {
        "matter": "gxzy",
        "day": slot.day.isoformat(),
        "slot": slot.pk,
        "name": "钱七",
        "resident_id": resident_id(),
        "phone": "13500001111",
    } | changes


@pytest.fixture
def queue_b(hall):
    return Queue.objects.get(hall=hall, prefix="B")


def test_booking_asks_for_the_matter_first_then_the_day_then_the_slot(client, hall):
    first = client.get("/book/demo/").content.decode()
    assert 'name="slot"' not in first and "?matter=gxzy" in first and "参保登记" in first
    day = _working_day()
    second = client.get("/book/demo/?matter=gxzy").content.decode()
    assert 'name="slot"' not in second and f"day={day.isoformat()}" in second
    third = client.get(f"/book/demo/?matter=gxzy&day={day.isoformat()}").content.decode()
    offered = re.findall(r'name="slot" value="(\d+)"', third)
    slots = AppointmentSlot.objects.filter(pk__in=offered)
    assert 0 < len(offered) <= 8, "one queue's slots of one day, not the whole week of every queue"
    assert {s.day for s in slots} == {day} and {s.queue.prefix for s in slots} == {"B"}


def test_no_weekend_lunch_or_holiday_slot_is_created_or_offered(hall, queue_b, settings):
    weekend = _weekend_day()
    assert (
        services.create_slots(queue=queue_b, day=weekend, start=time(9), end=time(17), minutes=60, capacity=2)
        == []
    )
    workday = _working_day()
    made = services.create_slots(
        queue=queue_b, day=workday, start=time(9), end=time(17), minutes=30, capacity=2
    )
    assert made and not [s for s in made if time(11, 45) < s.start < time(13)]
    # slots an administrator created by hand on a weekend or over lunch are still never offered
    AppointmentSlot.objects.create(queue=queue_b, day=weekend, start=time(8), end=time(9), capacity=3)
    AppointmentSlot.objects.create(
        queue=queue_b, day=workday, start=time(12, 15), end=time(12, 45), capacity=3
    )
    offered = services.open_slots(hall, days=14, matter=Matter.objects.get(code="gxzy"))
    assert all(s.day.weekday() < 5 and not hours.over_lunch(s.start, s.end) for s, _ in offered)
    settings.ONEVISIT_HOLIDAYS = workday.isoformat()
    assert workday not in {s.day for s, _ in services.open_slots(hall, days=14)}
    assert workday not in dict(services.booking_days(hall, Matter.objects.get(code="gxzy"), days=14))


def test_a_hand_made_weekend_slot_is_refused_at_booking(hall, queue_b):
    slot = AppointmentSlot.objects.create(
        queue=queue_b, day=_weekend_day(), start=time(9), end=time(10), capacity=3
    )
    person = _person()
    with nothing_written(), pytest.raises(Invalid, match="周末、节假日或午休"):
        services.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=person)


def test_a_full_slot_is_shown_full_and_refused_if_it_filled_meanwhile(client, hall, queue_b):
    slot = AppointmentSlot.objects.create(
        queue=queue_b, day=_working_day(), start=time(18), end=time(19), capacity=1
    )
    page = client.get(f"/book/demo/?matter=gxzy&day={slot.day.isoformat()}").content.decode()
    assert re.search(rf'value="{slot.pk}" required\s*>', page), "a free slot can be chosen"
    services.book(slot_id=slot.pk, matter=Matter.objects.get(code="gxzy"), person=_person())
    page = client.get(f"/book/demo/?matter=gxzy&day={slot.day.isoformat()}").content.decode()
    assert re.search(rf'value="{slot.pk}" required\s*disabled', page) and "已约满" in page
    with nothing_written():
        late = client.post(f"/book/demo/?matter=gxzy&day={slot.day.isoformat()}", _form(slot))
    assert late.status_code == 409 and "已约满" in late.content.decode()


def test_the_refusal_does_not_tell_whether_an_id_already_holds_a_booking(hall, queue_b):
    day = _working_day()
    roomy = AppointmentSlot.objects.create(queue=queue_b, day=day, start=time(18), end=time(19), capacity=2)
    small = AppointmentSlot.objects.create(queue=queue_b, day=day, start=time(19), end=time(20), capacity=1)
    gxzy = Matter.objects.get(code="gxzy")
    holder = _person()
    services.book(slot_id=roomy.pk, matter=gxzy, person=holder)
    services.book(slot_id=small.pk, matter=gxzy, person=_person())
    with pytest.raises(Conflict) as already_booked:
        services.book(slot_id=roomy.pk, matter=gxzy, person=holder)  # a place is left, but this ID holds one
    with pytest.raises(Conflict) as full:
        services.book(slot_id=small.pk, matter=gxzy, person=_person())
    assert already_booked.value.message == full.value.message and "已预约" not in full.value.message


def test_the_booking_form_ties_errors_to_their_fields_and_marks_required_ones(client, hall):
    day = _working_day()
    slot = AppointmentSlot.objects.filter(queue__prefix="B", day=day).first()
    page = client.get(f"/book/demo/?matter=gxzy&day={day.isoformat()}").content.decode()
    assert '带 <span aria-hidden="true">*</span> 的为必填项' in page
    assert all(re.search(rf'name="{f}"[^>]*required', page) for f in ("name", "resident_id", "phone"))
    assert '<label for="book-resident-id">' in page
    with nothing_written():
        bad = client.post("/book/demo/", _form(slot, resident_id="1", phone="12"))
    html = bad.content.decode()
    assert bad.status_code == 422
    field = re.search(r'<input id="book-resident-id"[^>]*>', html, re.S).group(0)
    assert (
        'aria-invalid="true"' in field
        and 'aria-describedby="resident_id-error"' in field
        and "autofocus" in field
    )
    assert 'id="resident_id-error"' in html and 'id="phone-error"' in html and 'role="alert"' in html
    name_field = re.search(r'<input id="book-name"[^>]*>', html, re.S).group(0)
    assert "aria-invalid" not in name_field and "钱七" in name_field


def _decode_qr_svg(svg: str) -> str:
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    image = np.full((size, size), 255, dtype=np.uint8)
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        image[int(y), int(x)] = 0
    found = zxingcpp.read_barcodes(np.kron(image, np.ones((8, 8), dtype=np.uint8)))
    return found[0].text if found else ""


def test_the_result_goes_by_sms_and_its_link_opens_the_booking_with_a_qr_the_address_and_what_to_bring(
    client, hall, sms
):
    day = _working_day()
    slot = AppointmentSlot.objects.filter(queue__prefix="B", day=day).first()
    response = client.post("/book/demo/", _form(slot, phone="13500001111"), follow=True)
    sent = response.content.decode()
    appointment = Appointment.objects.get()
    assert "预约申请已提交" in sent and appointment.code not in sent, "the page does not show the result"
    [text] = sms.to("13500001111")
    assert f"预约码 {appointment.code}" in text and "预约成功" in text and "养老保险关系转移接续" in text
    assert sms.link("13500001111") == f"/book/demo/{appointment.code}/"
    html = client.get(sms.link("13500001111")).content.decode()
    assert "预约成功" in html and appointment.code in html
    assert hall.address and hall.address in html
    for material in catalog.checklist_for_matter("gxzy").materials:
        assert material.name in html
    qr = client.get(f"/book/demo/{appointment.code}/qr.svg")
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml"
    assert _decode_qr_svg(qr.content.decode()) == f"http://testserver/book/demo/{appointment.code}/"
    assert f'src="/book/demo/{appointment.code}/qr.svg"' in html


def test_the_sent_page_and_the_booking_page_list_what_to_bring_as_the_notice_does(client, hall, sms):
    """原件/复印件, stamp, 可容缺 with its due rule, 免提交, the note: the same words as the matter's notice."""
    slot = AppointmentSlot.objects.filter(queue__prefix="B", day=_working_day()).first()
    sent = client.post("/book/demo/", _form(slot, phone="13500002222"), follow=True).content.decode()
    booked = client.get(sms.link("13500002222")).content.decode()
    notice = client.get("/notice/matters/gxzy/").content.decode()

    def materials(html):
        return re.sub(r"\s+", " ", re.search(r'<ol class="materials">(.*?)</ol>', html, re.S).group(1))

    assert "可容缺" in materials(booked)  # 关系转移接续申请表 may be supplied later
    assert materials(booked) == materials(notice) == materials(sent)


def test_a_slot_of_another_hall_cannot_be_booked_through_this_halls_page(client, hall):
    from tests.factories import HallFactory, QueueFactory

    other = QueueFactory(hall=HallFactory(code="north"), matters=[Matter.objects.get(code="gxzy")])
    slot = AppointmentSlot.objects.create(
        queue=other, day=_working_day(), start=time(9), end=time(10), capacity=3
    )
    with nothing_written():
        response = client.post("/book/demo/", _form(slot))
    assert response.status_code == 404 and "没有这个预约时段" in response.content.decode()


def test_the_confirmations_qr_uses_the_public_address_when_the_hall_sets_one(client, hall, settings):
    settings.ONEVISIT_PUBLIC_BASE_URL = "https://zwfw.example.gov.cn/hall"
    slot = AppointmentSlot.objects.filter(queue__prefix="B", day=_working_day()).first()
    client.post("/book/demo/", _form(slot))
    code = Appointment.objects.get().code
    svg = client.get(f"/book/demo/{code}/qr.svg").content.decode()
    assert _decode_qr_svg(svg) == f"https://zwfw.example.gov.cn/hall/book/demo/{code}/"


def test_the_guide_links_each_matter_to_where_it_is_booked_and_the_link_starts_the_booking(hall, client):
    """The walk found no link to 网上预约 anywhere a citizen goes: the booking page was reached only by typing
    its address."""
    bookable = {m.code for m in services.bookable_matters(hall)}
    (matter,) = sorted(bookable)[:1]
    index = client.get("/notice/").content.decode()
    assert f'href="/book/{hall.code}/"' in index and "网上预约" in index
    page = client.get(f"/notice/matters/{matter}/").content.decode()
    link = f"/book/{hall.code}/?matter={matter}"
    assert f'href="{link}"' in page
    assert f"{hall.name} · 网上预约" in page
    # the link opens the booking at that matter's days
    assert '<h2 id="step-heading">请选择日期</h2>' in client.get(link).content.decode()


def test_a_matter_no_hall_takes_bookings_for_has_no_booking_link(hall, client):
    bookable = {m.code for m in services.bookable_matters(hall)}
    other = (
        Matter.objects.exclude(code__in=bookable).filter(checklists__isnull=False).order_by("code").first()
    )
    assert other is not None
    page = client.get(f"/notice/matters/{other.code}/").content.decode()
    assert "/book/" not in page and "网上预约" not in page
