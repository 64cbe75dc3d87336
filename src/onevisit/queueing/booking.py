"""Appointments: slots cut from working hours, booking, and check-in at the hall."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, Q

from onevisit.accounts.models import Hall
from onevisit.catalog.models import Matter
from onevisit.core import clock, notify, people
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.models import Person
from onevisit.queueing.hours import weekday_name
from onevisit.queueing.models import Appointment, AppointmentSlot, Queue, SlotTemplate, Ticket
from onevisit.queueing.tickets import issue_ticket, new_token
from onevisit.queueing.workdays import is_bookable

CHECK_IN_EARLY = timedelta(minutes=30)  # check-in opens this long before the slot starts
CHECK_IN_GRACE = timedelta(
    minutes=15
)  # after the slot ends, a late arrival still checks in, as a normal ticket


def _periods(day: date, start: time, end: time, minutes: int):
    """The bookable periods of `minutes` from `start` to `end` on `day`: none on a holiday, none over lunch."""
    at = datetime.combine(day, start)
    while at + timedelta(minutes=minutes) <= datetime.combine(day, end):
        until = at + timedelta(minutes=minutes)
        if is_bookable(day, at.time(), until.time()):
            yield at.time(), until.time()
        at = until


def _slot(queue: Queue, day: date, start: time, end: time, capacity: int) -> tuple[AppointmentSlot, bool]:
    return AppointmentSlot.objects.get_or_create(
        queue=queue, day=day, start=start, defaults={"end": end, "capacity": capacity}
    )


def create_slots(*, queue: Queue, day: date, start: time, end: time, minutes: int, capacity: int) -> list:
    """Cut a day into bookable slots, leaving out lunch, weekends and holidays (idempotent: bookings kept)."""
    if minutes <= 0 or capacity <= 0:
        raise Invalid("时段长度和容量须为正数", field="capacity")
    return [_slot(queue, day, a, b, capacity)[0] for a, b in _periods(day, start, end, minutes)]


MAX_GENERATE_DAYS = 366


def generate_slots(
    *, hall: Hall, first: date, last: date, queues: list[Queue] | None = None, actor=None
) -> int:
    """Slots for every working day from `first` to `last` from the weekly templates of the hall's queues (or of
    `queues`), leaving out holidays and lunch; slots that exist are kept with their bookings. Returns how many were
    new."""
    if first < clock.local_date(hall.timezone):
        raise Invalid("开始日期不能早于今天", field="first")
    if last < first:
        raise Invalid("结束日期不能早于开始日期", field="last")
    if (last - first).days >= MAX_GENERATE_DAYS:
        message = f"一次最多生成 {MAX_GENERATE_DAYS} 天"
        raise Invalid(message, field="last")
    templates = SlotTemplate.objects.select_related("queue").filter(queue__hall=hall)
    if queues is not None:
        templates = templates.filter(queue__in=queues)
    by_weekday: dict[int, list[SlotTemplate]] = {}
    for t in templates:
        by_weekday.setdefault(t.weekday, []).append(t)
    if not by_weekday:
        raise Invalid("所选队列还没有预约时段模板", field="queues")
    with transaction.atomic():
        # One read of the slots that exist and one insert of the missing ones (not a get_or_create per slot:
        # a week for a hall is hundreds of them); existing slots are left as they are, with their bookings.
        queue_ids = {t.queue_id for ts in by_weekday.values() for t in ts}
        existing = set(
            AppointmentSlot.objects.filter(queue_id__in=queue_ids, day__gte=first, day__lte=last).values_list(
                "queue_id", "day", "start"
            )
        )
        new, day = [], first
        while day <= last:
            for t in by_weekday.get(day.weekday(), []):
                for a, b in _periods(day, t.start, t.end, t.minutes):
                    if (t.queue_id, day, a) not in existing:
                        existing.add((t.queue_id, day, a))
                        new.append(
                            AppointmentSlot(queue=t.queue, day=day, start=a, end=b, capacity=t.capacity)
                        )
            day += timedelta(days=1)
        AppointmentSlot.objects.bulk_create(new)
        created = len(new)
        emit(
            "appointment.slots_generated",
            hall=hall,
            actor=actor,
            data={
                "first": first.isoformat(),
                "last": last.isoformat(),
                "created": created,
                "queues": sorted({t.queue.code for ts in by_weekday.values() for t in ts}),
            },
        )
    return created


def open_slots(
    hall: Hall, *, days: int = 7, matter: Matter | None = None, day: date | None = None
) -> list[tuple[AppointmentSlot, int]]:
    """Bookable slots from now on (of the queues serving `matter`, on `day` if given) with the places still free.

    Slots on a weekend, a holiday or over lunch are never offered, even if an administrator created them.
    """
    today = clock.local_date(hall.timezone)
    now_local = clock.localtime(clock.now(), hall.timezone).time()
    active = Q(appointments__status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN])
    slots = (
        AppointmentSlot.objects.select_related("queue")
        .filter(queue__hall=hall, day__gte=today, day__lt=today + timedelta(days=days))
        .exclude(day=today, end__lte=now_local)
        .annotate(taken=Count("appointments", filter=active))
        .order_by("day", "start", "queue__prefix")
    )
    if matter is not None:
        slots = slots.filter(queue__matters=matter)
    if day is not None:
        slots = slots.filter(day=day)
    return [(s, max(s.capacity - s.taken, 0)) for s in slots if is_bookable(s.day, s.start, s.end)]


def booking_days(hall: Hall, matter: Matter, *, days: int = 7) -> list[tuple[date, int]]:
    """The working days that have slots for this matter, with the places still free that day."""
    free: dict[date, int] = {}
    for slot, left in open_slots(hall, days=days, matter=matter):
        free[slot.day] = free.get(slot.day, 0) + left
    return sorted(free.items())


def bookable_matters(hall: Hall) -> list[Matter]:
    """Matters some queue of this hall serves and has appointment slots for."""
    today = clock.local_date(hall.timezone)
    return list(
        Matter.objects.filter(queues__hall=hall, queues__slots__day__gte=today).distinct().order_by("code")
    )


def halls_booking() -> dict[tuple[str, str], set[str]]:
    """{(hall code, hall name): the matter codes it takes bookings for}, every hall that has slots ahead, in one
    query: the public guide's pages link each matter to where it can be booked."""
    today = clock.local_date()
    rows = (
        Queue.objects.filter(slots__day__gte=today, matters__isnull=False)
        .values_list("hall__code", "hall__name", "matters__code")
        .distinct()
    )
    found: dict[tuple[str, str], set[str]] = {}
    for hall, name, matter in rows:
        found.setdefault((hall, name), set()).add(matter)
    return dict(sorted(found.items()))


# One answer for every refusal of a place: it must not tell a stranger whether an ID already holds a booking.
SLOT_REFUSED = "该时段已约满或不能再预约，请选择其他时段"


class AlreadyBooked(Conflict):
    """The citizen already holds a live booking that day in this hall: refused in the words of a full slot."""

    def __init__(self, held: Appointment) -> None:
        super().__init__(SLOT_REFUSED, field="slot")
        self.held = held


def book(*, slot_id: int, matter: Matter, person: Person) -> Appointment:
    """Book a place in a slot; the code printed or sent to the citizen is what they check in with."""
    with transaction.atomic():
        slot = (
            AppointmentSlot.objects.select_for_update()
            .select_related("queue__hall")
            .filter(pk=slot_id)
            .first()
        )
        if slot is None:
            raise NotFound("没有这个预约时段", field="slot")
        hall = slot.queue.hall
        if not slot.queue.matters.filter(pk=matter.pk).exists():
            raise Invalid(f"该时段的队列不办理「{matter.name}」", field="matter")
        if datetime.combine(slot.day, slot.end, tzinfo=ZoneInfo(hall.timezone)) <= clock.now():
            raise Invalid("该时段已过，请选择其他时段", field="slot")
        if not is_bookable(slot.day, slot.start, slot.end):
            raise Invalid("该时段不接受预约（周末、节假日或午休），请选择其他时段", field="slot")
        live = [Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]
        active = slot.appointments.filter(status__in=live)
        # One live booking per citizen and day in a hall (issue 16): the person is locked so two requests at once
        # cannot both pass; the refusal is the same words as a full slot's, telling a stranger nothing.
        Person.objects.select_for_update().filter(pk=person.pk).first()
        that_day = Appointment.objects.filter(
            person=person, slot__day=slot.day, slot__queue__hall=hall, status__in=live
        )
        if active.count() >= slot.capacity:
            raise Conflict(SLOT_REFUSED, field="slot")
        held = that_day.select_related("slot__queue__hall", "matter").first()
        if held is not None:
            raise AlreadyBooked(held)
        appointment = Appointment.objects.create(
            slot=slot, matter=matter, person=person, code=new_token()[:8], booked_at=clock.now()
        )
        emit(
            "appointment.booked",
            hall=hall,
            queue=slot.queue,
            matter=matter,
            data={"slot": str(slot), "person": person.event_ref},
        )
    return appointment


def book_for(*, slot_id: int, matter: Matter, identity, hall: Hall | None = None) -> Appointment:
    """Book for a citizen identified online: the person record and the booking land together."""
    if hall is not None and not AppointmentSlot.objects.filter(pk=slot_id, queue__hall=hall).exists():
        raise NotFound("没有这个预约时段", field="slot")
    with transaction.atomic():
        return book(slot_id=slot_id, matter=matter, person=people.register(identity, update_existing=False))


def appointment_code(raw: str) -> str:
    """The booking code as typed, or read by a scanner from the confirmation's QR (the booking page's URL)."""
    value = (raw or "").strip()
    if "/" in value:
        value = [part for part in value.split("?")[0].split("/") if part][-1:] or [""]
        value = value[0]
    return value.upper()[:32]


def find_appointment(*, hall: Hall, code: str) -> Appointment:
    """A booking of this hall by its code (or its QR), whatever its status."""
    value = appointment_code(code)
    if not value:
        raise Invalid("请输入或扫描预约码", field="code")
    appointment = (
        Appointment.objects.select_related("slot__queue", "matter", "person", "ticket")
        .filter(code=value, slot__queue__hall=hall)
        .first()
    )
    if appointment is None:
        raise NotFound(f"未找到预约码 {value}", field="code")
    return appointment


def check_in_timing(appointment: Appointment, hall: Hall) -> bool:
    """Whether a check-in now is on time (priority kept); too early is refused, saying from when."""
    slot, tz = appointment.slot, ZoneInfo(hall.timezone)
    starts = datetime.combine(slot.day, slot.start, tzinfo=tz)
    ends = datetime.combine(slot.day, slot.end, tzinfo=tz)
    now = clock.now()
    if now < starts - CHECK_IN_EARLY:
        opens = clock.localtime(starts - CHECK_IN_EARLY, hall.timezone)
        raise Invalid(f"未到签到时间：请于 {opens:%m月%d日 %H:%M} 后签到", field="code")
    return now <= ends + CHECK_IN_GRACE


def checkable_appointment(*, hall: Hall, code: str) -> tuple[Appointment, bool]:
    """A booking that can check in now, and whether on time; nothing is written (the kiosk's confirm step)."""
    appointment = find_appointment(hall=hall, code=code)
    if appointment.status != Appointment.Status.BOOKED:
        raise Conflict(
            f"预约码 {appointment.code} {appointment.get_status_display()}，不能再次签到", field="code"
        )
    return appointment, check_in_timing(appointment, hall)


def lock_for_check_in(*, hall: Hall, code: str) -> tuple[Appointment, bool]:
    """Inside the caller's transaction: the booking locked against a concurrent check-in, and whether on time."""
    appointment = find_appointment(hall=hall, code=code)
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    appointment.status, appointment.ticket_id = locked.status, locked.ticket_id
    on_time = check_in_timing(appointment, hall)
    return appointment, on_time


def mark_checked_in(*, appointment: Appointment, ticket: Ticket, on_time: bool, actor, **data) -> None:
    """Record the check-in of a locked booking with the ticket it led to (the caller's transaction)."""
    appointment.status, appointment.ticket = Appointment.Status.CHECKED_IN, ticket
    appointment.save(update_fields=["status", "ticket"])
    emit(
        "appointment.checked_in",
        hall=ticket.hall,
        queue=ticket.queue,
        matter=appointment.matter,
        ticket=ticket,
        actor=actor,
        data={"on_time": on_time, "number": ticket.number, **data},
    )


def check_in(*, hall: Hall, code: str, actor) -> tuple[Ticket, bool]:
    """Check in within the slot (from 30 min before): a priority ticket; a late arrival gets a normal one."""
    checkable_appointment(hall=hall, code=code)  # refusals before any lock
    with transaction.atomic():
        appointment, on_time = lock_for_check_in(hall=hall, code=code)
        if appointment.status != Appointment.Status.BOOKED:
            raise Conflict(f"预约码 {appointment.code} 已签到", field="code")
        ticket = issue_ticket(
            hall=hall,
            matter=appointment.matter,
            person=appointment.person,
            actor=actor,
            queue=appointment.slot.queue,
            priority_class=Ticket.PriorityClass.APPOINTMENT if on_time else Ticket.PriorityClass.NORMAL,
            idempotency_key=f"appointment-{appointment.code}",
        )
        mark_checked_in(appointment=appointment, ticket=ticket, on_time=on_time, actor=actor)
    return ticket, on_time


def request_booking(
    *, slot_id: int, matter: Matter, identity, hall: Hall, link: Callable[[Appointment], str]
) -> bool:
    """网上预约 by someone known only by what they typed: the page answers the same whether this booked a place
    or the citizen already held one that day, so it tells no stranger that an ID holds a booking (issue 16). The
    result goes by SMS to the phone the hall holds for that ID (the typed one only for an ID it does not know, or
    holds no phone for): the booking code, or the booking already held. A full or past slot is refused on the page,
    as the page shows those anyway. `link` gives a booking's page address for the message, which goes through the
    outbox (core.notify.queue: tried again later when the gateway fails). Returns False when the one try made in
    this request failed (jobs inline), so the page can say so."""
    try:
        appointment = book_for(slot_id=slot_id, matter=matter, identity=identity, hall=hall)
        text = _booked_text(appointment)
    except AlreadyBooked as refused:
        appointment, text = refused.held, _already_booked_text(refused.held)
    person = appointment.person
    kept = notify.queue(
        phone=person.phone or identity.phone,
        text=f"{text}详情：{link(appointment)}",
        kind="booking",
        hall=hall.code,
    )
    # sent, or waiting for the job cluster's first try; not when the one try made here failed
    return kept.status == "sent" or kept.attempts == 0


def _when(appointment: Appointment) -> str:
    slot = appointment.slot
    return f"{slot.day.month}月{slot.day.day}日{weekday_name(slot.day)} {slot.start:%H:%M}–{slot.end:%H:%M}"


def _booked_text(appointment: Appointment) -> str:
    hall = appointment.slot.queue.hall
    return (
        f"【{hall.name}】预约成功：{_when(appointment)}办理「{appointment.matter.name}」，预约码 {appointment.code}。"
        "请在时段开始前30分钟至结束后15分钟内到大厅签到。"
    )


def _already_booked_text(held: Appointment) -> str:
    hall = held.slot.queue.hall
    return (
        f"【{hall.name}】您已预约{_when(held)}办理「{held.matter.name}」（预约码 {held.code}），同一天只能预约一次，"
        "刚才的预约申请没有受理。"
    )
