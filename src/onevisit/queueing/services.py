"""Tickets and calling. Calling is exactly-once: two windows never get the same ticket."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Matter
from onevisit.core import clock, crypto, people
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.models import Event, Person
from onevisit.queueing import hours
from onevisit.queueing.models import (
    Appointment,
    AppointmentSlot,
    Queue,
    SlotTemplate,
    Ticket,
    TicketCounter,
    WindowState,
)

# Crockford base32: no I, L, O, U — nothing a clerk or a scanner confuses when typed.
_TOKEN_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TOKEN_LENGTH = 12
_NUMBER = re.compile(r"[A-Z]{1,2}\d{3,5}")


def new_token() -> str:
    """An opaque, unguessable 60-bit token for the barcode and the status page."""
    return "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))


def format_number(prefix: str, seq: int) -> str:
    return f"{prefix}{seq:03d}"


def queue_for(hall: Hall, matter: Matter) -> Queue:
    queue = Queue.objects.filter(hall=hall, matters=matter).order_by("prefix").first()
    if queue is None:
        raise Invalid(f"本大厅不办理事项「{matter.name}」", field="matter")
    return queue


def served_matters(hall: Hall) -> list[Matter]:
    """Matters some queue of this hall serves, i.e. those a ticket can be issued for."""
    return list(Matter.objects.filter(queues__hall=hall).distinct().order_by("code"))


def _take_number(queue: Queue, day) -> int:
    TicketCounter.objects.bulk_create(
        [TicketCounter(queue=queue, service_day=day, last=0)], ignore_conflicts=True
    )
    counter = TicketCounter.objects.select_for_update().get(queue=queue, service_day=day)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# Green channel first (elderly 70+, disability), then appointments, then everyone else; arrival order within.
PRIORITY = {
    Ticket.PriorityClass.NORMAL: 0,
    Ticket.PriorityClass.APPOINTMENT: 1,
    Ticket.PriorityClass.ELDERLY: 2,
    Ticket.PriorityClass.DISABILITY: 2,
}


# ---- idempotency: a retried request gets the first answer; other content under the same key is refused ----------

MAX_KEY_LENGTH = 200
REQUEST_FIELDS = {
    "matter": "办理事项",
    "bundle": "一件事",
    "answers": "情形",
    "materials": "材料",
    "name": "姓名",
    "resident_id": "公民身份号码",
    "phone": "联系电话",
    "channel": "分流去向",
    "queue": "队列",
    "priority_class": "优先类别",
    "disability": "残疾人优先",
    "commitment": "容缺承诺",
    "tolerance_due": "承诺补交日期",
    "not_applicable": "不适用材料",
    "appointment": "预约码",
}


def request_key(scope: str, key: str) -> str:
    """The stored form of a client's idempotency key: SHA-256 of scope and the whole key (never cut short)."""
    key = (key or "").strip()
    if not key:
        return ""
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"请求编号过长（不超过{MAX_KEY_LENGTH}个字符）", field="idempotency_key")
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def request_fingerprint(**fields) -> dict[str, str]:
    """Per field, a keyed digest of the request's value: comparable on a retry, never the value itself."""
    return {
        name: crypto.digest("request", f"{name}={json.dumps(value, sort_keys=True, default=str)}")[:24]
        for name, value in fields.items()
    }


def check_same_request(stored: dict, wanted: dict) -> None:
    """Refuse a retry whose content differs from the first request's, naming the fields that differ."""
    differing = [name for name in wanted if stored.get(name) != wanted[name]]
    if not differing:
        return
    labels = "、".join(REQUEST_FIELDS.get(name, name) for name in differing)
    message = f"同一请求编号已提交过内容不同的申请（{labels}不同），未作处理：请重新打开页面后再提交"
    raise Conflict(message, errors={name: message for name in differing})


def ticket_request(*, matter: Matter, id_digest: str | None, queue: Queue, priority_class: str) -> dict:
    """What identifies a ticket request: the same key with another citizen or matter is another request.

    The citizen is their resident ID's keyed digest (Person.id_digest, core.crypto), known before any row exists,
    so a retry racing the first request's commit still compares equal.
    """
    return request_fingerprint(
        matter=matter.code,
        resident_id=id_digest,
        queue=queue.code,
        priority_class=str(priority_class),
    )


def replayed_ticket(*, hall: Hall, key: str, request: dict) -> Ticket | None:
    """The ticket a stored request key already gave, if the content matches; a 409 if it does not."""
    if not key:
        return None
    existing = Ticket.objects.filter(hall=hall, idempotency_key=key).first()
    if existing is not None:
        check_same_request(existing.idempotency_fingerprint, request)
    return existing


def issue_ticket(
    *,
    hall: Hall,
    matter: Matter,
    person: Person | None,
    actor,
    priority_class: str = Ticket.PriorityClass.NORMAL,
    idempotency_key: str = "",
    queue: Queue | None = None,
) -> Ticket:
    """Give the next number of the matter's queue for today and put the ticket in line.

    Idempotent: a retried request with the same key and content returns the ticket the first one got;
    the same key with another citizen, matter or queue is refused (409) naming the field.
    """
    if priority_class not in PRIORITY:
        raise Invalid(f"优先类别 {priority_class} 不存在", field="priority_class")
    key = request_key("ticket", idempotency_key)
    queue = queue or queue_for(hall, matter)
    request = ticket_request(
        matter=matter,
        id_digest=person.id_digest if person else None,
        queue=queue,
        priority_class=priority_class,
    )
    if existing := replayed_ticket(hall=hall, key=key, request=request):
        return existing
    priority = PRIORITY[priority_class]
    try:
        with transaction.atomic():
            ticket = _issue(hall, queue, matter, person, actor, priority_class, priority, key, request)
    except IntegrityError:
        if key and (existing := replayed_ticket(hall=hall, key=key, request=request)):
            return existing  # a concurrent retry with the same key won the insert
        raise
    return ticket


def _issue(hall, queue, matter, person, actor, priority_class, priority, key, request) -> Ticket:
    day = clock.local_date(hall.timezone)
    seq = _take_number(queue, day)
    ticket = Ticket.objects.create(
        hall=hall,
        queue=queue,
        matter=matter,
        person=person,
        service_day=day,
        seq=seq,
        number=format_number(queue.prefix, seq),
        token=new_token(),
        priority=priority,
        priority_class=priority_class,
        idempotency_key=key,
        idempotency_fingerprint=request if key else {},
        issued_at=clock.now(),
    )
    emit(
        "ticket.issued",
        hall=hall,
        queue=queue,
        matter=matter,
        ticket=ticket,
        actor=actor,
        data={
            "number": ticket.number,
            "priority": priority,
            "priority_class": priority_class,
            "waiting_ahead": waiting_ahead(ticket),
        },
        at=ticket.issued_at,
    )
    return ticket


# A ticket's place in line: its arrival, or the time a returning no-show rejoined behind those then waiting.
_QUEUED = Coalesce("requeued_at", "issued_at")


def waiting_ahead(ticket: Ticket) -> int:
    """Tickets of the same queue and day that will be called before this one."""
    mine = ticket.requeued_at or ticket.issued_at
    return (
        Ticket.objects.filter(
            queue_id=ticket.queue_id, service_day=ticket.service_day, status=Ticket.Status.WAITING
        )
        .annotate(queued=_QUEUED)
        .filter(
            Q(priority__gt=ticket.priority)
            | Q(priority=ticket.priority, queued__lt=mine)
            | Q(priority=ticket.priority, queued=mine, id__lt=ticket.id)
        )
        .count()
    )


def call_next(*, window: Window, actor, queue_code: str | None = None) -> Ticket | None:
    """Call the first waiting ticket of the window's queues (or of one of them): priority first, then arrival.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent windows each take a
    different ticket without waiting on each other; SQLite serialises writers (BEGIN IMMEDIATE).
    """
    queue_ids = list(window.queues.values_list("id", flat=True))
    if not queue_ids:
        raise Invalid(f"{window.name}未分配任何队列", field="window")
    if queue_code:
        queue = Queue.objects.filter(hall_id=window.hall_id, code=queue_code).first()
        if queue is None:
            raise NotFound(f"本大厅没有队列 {queue_code}", field="queue")
        if queue.id not in queue_ids:
            raise Invalid(f"{window.name}不服务队列「{queue.name}」，不能为其叫号", field="queue")
        queue_ids = [queue.id]
    if is_paused(window):
        raise Conflict(f"{window.name}已暂停叫号，请先恢复", field="window")
    day = clock.local_date(window.hall.timezone)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(queue_id__in=queue_ids, service_day=day, status=Ticket.Status.WAITING)
            .order_by("-priority", _QUEUED, "id")
            .first()
        )
        if ticket is None:
            return None
        now = clock.now()
        ticket.status = Ticket.Status.CALLED
        ticket.called_at = now
        ticket.called_window = window
        ticket.called_by = getattr(actor, "user", None)
        ticket.recalls = 0
        ticket.save(update_fields=["status", "called_at", "called_window", "called_by", "recalls"])
        emit(
            "ticket.called",
            hall=window.hall,
            window=window,
            queue=ticket.queue,
            matter=ticket.matter,
            ticket=ticket,
            actor=actor,
            data={"number": ticket.number, "waited_seconds": round((now - ticket.issued_at).total_seconds())},
            at=now,
        )
    return ticket


def _locked_in_hall(window: Window, ticket_id: int) -> Ticket:
    """The ticket, locked, if it is of the window's hall (another hall's ticket is as good as none)."""
    ticket = (
        Ticket.objects.select_for_update()
        .select_related("queue")
        .filter(pk=ticket_id, hall_id=window.hall_id)
        .first()
    )
    if ticket is None:
        raise NotFound("本大厅没有这张小票", field="ticket")
    return ticket


def _called_here(window: Window, ticket_id: int) -> Ticket:
    ticket = _locked_in_hall(window, ticket_id)
    if ticket.status != Ticket.Status.CALLED or ticket.called_window_id != window.id:
        raise Conflict(f"小票 {ticket.number} 当前不是叫到{window.name}的号", field="ticket")
    return ticket


def recall(*, window: Window, ticket_id: int, actor) -> Ticket:
    """重呼. After the queue's number of recalls, one more recall marks the ticket as a no-show (过号)."""
    with transaction.atomic():
        ticket = _called_here(window, ticket_id)
        now = clock.now()
        if ticket.recalls >= ticket.queue.max_recalls:
            ticket.status = Ticket.Status.NO_SHOW
            ticket.save(update_fields=["status"])
            emit("ticket.no_show", hall=window.hall, window=window, queue=ticket.queue, matter=ticket.matter,
                 ticket=ticket, actor=actor, data={"number": ticket.number, "recalls": ticket.recalls}, at=now)  # fmt: skip
            return ticket
        ticket.recalls += 1
        ticket.save(update_fields=["recalls"])
        emit("ticket.recalled", hall=window.hall, window=window, queue=ticket.queue, matter=ticket.matter,
             ticket=ticket, actor=actor, data={"number": ticket.number, "recall": ticket.recalls}, at=now)  # fmt: skip
    return ticket


def mark_no_show(*, window: Window, ticket_id: int, actor) -> Ticket:
    with transaction.atomic():
        ticket = _called_here(window, ticket_id)
        ticket.status = Ticket.Status.NO_SHOW
        ticket.save(update_fields=["status"])
        emit("ticket.no_show", hall=window.hall, window=window, queue=ticket.queue, matter=ticket.matter,
             ticket=ticket, actor=actor, data={"number": ticket.number, "recalls": ticket.recalls})  # fmt: skip
    return ticket


# ---- 过号之后: the way back -------------------------------------------------------------------------------------


def no_show_rule(minutes: int | None = None) -> str:
    """The return rule in the words shown at the desk, at the window, on the board and on the status page."""
    minutes = settings.ONEVISIT_NO_SHOW_RETURN_MINUTES if minutes is None else minutes
    behind = "排在当时等候的所有人之后"
    if minutes <= 0:
        return f"过号后凭原号到导引台重新排队，{behind}；号码不变。"
    return f"过号后 {minutes} 分钟内凭原号到导引台，按原取号时间重新排队（通常为下一位）；超过 {minutes} 分钟，{behind}。号码不变。"


def no_show_at(ticket: Ticket) -> datetime | None:
    """When the ticket was last marked 过号 (from the event log)."""
    event = (
        Event.objects.filter(type="ticket.no_show", ticket=ticket.event_ref).order_by("-at", "-id").first()
    )
    return event.at if event else None


def recent_no_shows(hall: Hall, *, window: Window | None = None, latest: int = 10) -> list[Ticket]:
    """Today's tickets still marked 过号, latest first; for one window, those it called."""
    qs = Ticket.objects.select_related("queue", "matter", "called_window").filter(
        hall=hall, service_day=clock.local_date(hall.timezone), status=Ticket.Status.NO_SHOW
    )
    if window is not None:
        qs = qs.filter(called_window=window)
    return list(qs.order_by("-called_at", "-id")[:latest])


def _no_show_today(hall: Hall, ticket: Ticket) -> Ticket:
    if ticket.status != Ticket.Status.NO_SHOW:
        raise Conflict(f"小票 {ticket.number} {ticket.get_status_display()}，不是过号", field="code")
    if ticket.service_day != clock.local_date(hall.timezone):
        raise Conflict(f"小票 {ticket.number} 不是今天的号，请重新取号", field="code")
    return ticket


def requeue_no_show(*, hall: Hall, code: str, actor) -> Ticket:
    """At the guide desk: a returning 过号 ticket rejoins its queue by the stated rule, keeping its number."""
    found = find_ticket(hall=hall, code=code)
    with transaction.atomic():
        ticket = _no_show_today(hall, Ticket.objects.select_for_update().get(pk=found.pk))
        now = clock.now()
        gone = now - (no_show_at(ticket) or ticket.called_at or now)
        grace = timedelta(minutes=settings.ONEVISIT_NO_SHOW_RETURN_MINUTES)
        rule = "original" if grace and gone <= grace else "behind_waiting"
        ticket.status = Ticket.Status.WAITING
        ticket.called_window, ticket.called_at, ticket.recalls = None, None, 0
        ticket.requeued_at = None if rule == "original" else now
        ticket.save(update_fields=["status", "called_window", "called_at", "recalls", "requeued_at"])
        emit("ticket.requeued", hall=hall, queue=ticket.queue, matter=ticket.matter, ticket=ticket, actor=actor,
             data={"number": ticket.number, "rule": rule, "absent_minutes": int(gone.total_seconds() // 60),
                   "waiting_ahead": waiting_ahead(ticket)}, at=now)  # fmt: skip
    return ticket


def recall_no_show(*, window: Window, ticket_id: int, actor) -> Ticket:
    """At the window: the 过号 citizen is back in front of the clerk, so the ticket is called here again."""
    with transaction.atomic():
        ticket = _no_show_today(window.hall, _locked_in_hall(window, ticket_id))
        if not window.queues.filter(pk=ticket.queue_id).exists():
            raise Invalid(
                f"{window.name}不服务队列「{ticket.queue.name}」，请到导引台重新排队", field="ticket"
            )
        now = clock.now()
        ticket.status, ticket.called_at, ticket.called_window = Ticket.Status.CALLED, now, window
        ticket.called_by, ticket.recalls = getattr(actor, "user", None), 0
        ticket.save(update_fields=["status", "called_at", "called_window", "called_by", "recalls"])
        emit("ticket.called", hall=window.hall, window=window, queue=ticket.queue, matter=ticket.matter,
             ticket=ticket, actor=actor, at=now,
             data={"number": ticket.number, "waited_seconds": round((now - ticket.issued_at).total_seconds()),
                   "returned": True})  # fmt: skip
    return ticket


def transfer(*, window: Window, ticket_id: int, queue_code: str, actor) -> Ticket:
    """Send a called ticket to another queue of the hall; it keeps its number and its arrival time."""
    target = Queue.objects.filter(hall_id=window.hall_id, code=queue_code).first()
    if target is None:
        raise NotFound(f"本大厅没有队列 {queue_code}", field="queue")
    with transaction.atomic():
        ticket = _called_here(window, ticket_id)
        if target.id == ticket.queue_id:
            raise Invalid("小票已在该队列", field="queue")
        source = ticket.queue
        ticket.queue = target
        ticket.status = Ticket.Status.WAITING
        ticket.called_window = None
        ticket.called_at = None
        ticket.recalls = 0
        ticket.save(update_fields=["queue", "status", "called_window", "called_at", "recalls"])
        emit("ticket.transferred", hall=window.hall, window=window, queue=target, matter=ticket.matter,
             ticket=ticket, actor=actor, data={"number": ticket.number, "from": source.code, "to": target.code})  # fmt: skip
    return ticket


def is_paused(window: Window) -> bool:
    return WindowState.objects.filter(window=window, paused=True).exists()


def set_paused(*, window: Window, paused: bool, actor) -> None:
    with transaction.atomic():
        state, _ = WindowState.objects.select_for_update().get_or_create(window=window)
        if state.paused == paused:
            return
        state.paused, state.changed_at = paused, clock.now()
        state.save()
        emit("window.paused" if paused else "window.resumed", hall=window.hall, window=window, actor=actor,
             at=state.changed_at)  # fmt: skip


def estimated_wait_minutes(ticket: Ticket) -> int:
    """Tickets ahead × the queue's service time ÷ the open windows serving the queue (at least one)."""
    open_windows = ticket.queue.windows.filter(active=True).exclude(state__paused=True).count()
    return round(waiting_ahead(ticket) * ticket.queue.service_minutes / max(open_windows, 1))


def find_ticket(*, hall: Hall, code: str) -> Ticket:
    """A ticket by scanned token or by the printed number typed by hand (today's, in this hall)."""
    value = (code or "").strip().upper()
    if not value:
        raise Invalid("请扫描小票条码或输入票号", field="code")
    qs = Ticket.objects.select_related("queue", "matter", "person", "called_window").filter(hall=hall)
    if _NUMBER.fullmatch(value):
        ticket = qs.filter(service_day=clock.local_date(hall.timezone), number=value).first()
    else:
        ticket = qs.filter(token=value).first()
    if ticket is None:
        raise NotFound(f"未找到小票 {value}：请核对票号或重新扫描", field="code")
    return ticket


def issued_by(ticket: Ticket, actor) -> datetime | None:
    """When `actor` issued this ticket (from its ticket.issued event), or None when someone else did."""
    issued = (
        Event.objects.filter(type="ticket.issued", ticket=ticket.event_ref, actor=actor.username)
        .order_by("at")
        .first()
    )
    return issued.at if issued else None


def find_by_token(token: str) -> Ticket | None:
    return (
        Ticket.objects.select_related("queue", "matter", "hall").filter(token=(token or "").upper()).first()
    )


def claim_for_window(*, ticket: Ticket, window: Window) -> Ticket:
    """Lock a called ticket for acceptance at this window; anything else is a clear refusal."""
    locked = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if locked.status == Ticket.Status.SERVED:
        raise Conflict(f"小票 {locked.number} 已受理，不能重复使用", field="code")
    if locked.status == Ticket.Status.WAITING:
        raise Conflict(f"小票 {locked.number} 尚未叫号，请先叫号", field="code")
    if locked.status == Ticket.Status.NO_SHOW:
        raise Conflict(f"小票 {locked.number} 已过号：群众在本窗口时请先“重新叫到本窗口”", field="code")
    if locked.called_window_id != window.id:
        raise Conflict(f"小票 {locked.number} 已叫到其他窗口，不能在{window.name}受理", field="code")
    locked.status = Ticket.Status.SERVED
    locked.served_at = clock.now()
    locked.save(update_fields=["status", "served_at"])
    return locked


def called_at_window(window: Window) -> list[Ticket]:
    """Tickets called to this window today and not yet accepted."""
    return list(
        Ticket.objects.select_related("queue", "matter")
        .filter(
            called_window=window,
            status=Ticket.Status.CALLED,
            service_day=clock.local_date(window.hall.timezone),
        )
        .order_by("-called_at")
    )


def waiting_counts(hall: Hall, window: Window | None = None) -> list[tuple[Queue, int]]:
    """Waiting tickets per queue today, for the whole hall or the queues one window serves."""
    day = clock.local_date(hall.timezone)
    queues = Queue.objects.filter(hall=hall) if window is None else window.queues.all()
    waiting = Q(tickets__service_day=day, tickets__status=Ticket.Status.WAITING)
    return [
        (q, q.waiting) for q in queues.annotate(waiting=Count("tickets", filter=waiting)).order_by("prefix")
    ]


# ---- the hall display board -----------------------------------------------------------------------------------


def board(hall: Hall, *, latest: int = 8) -> dict:
    """What the display board shows: the latest call of each window (newest first), the waiting counts, today's
    过号 with the way back, and the windows paused now."""
    day = clock.local_date(hall.timezone)
    called = (
        Ticket.objects.select_related("called_window", "queue")
        .filter(hall=hall, service_day=day, called_window__isnull=False)
        .order_by("-called_at")
    )
    calls, seen = [], set()
    for t in called[:200]:
        if t.called_window_id in seen:
            continue
        seen.add(t.called_window_id)
        calls.append(
            {
                # A recall, or a call again after 过号, is a new call: the board speaks it again.
                "key": f"{t.pk}-{t.called_at.timestamp() * 1e6:.0f}-{t.recalls}",
                "number": t.number,
                "window": t.called_window.name,
                "at": t.called_at,
                "speech": f"请 {' '.join(t.number)} 号到{t.called_window.name}",
                "status": t.status,
            }
        )
        if len(calls) == latest:
            break
    paused = Window.objects.filter(hall=hall, active=True, state__paused=True).order_by("code")
    return {
        "calls": calls,
        "queues": waiting_counts(hall),
        "no_shows": [t.number for t in recent_no_shows(hall)],
        "no_show_rule": no_show_rule(),
        "paused": [w.name for w in paused],
    }


# ---- appointments ---------------------------------------------------------------------------------------------

CHECK_IN_EARLY = timedelta(minutes=30)  # check-in opens this long before the slot starts
CHECK_IN_GRACE = timedelta(
    minutes=15
)  # after the slot ends, a late arrival still checks in, as a normal ticket


def holidays() -> frozenset[date]:
    """The hall's public holidays (ONEVISIT_HOLIDAYS, else the built-in schedule): appointments and due dates."""
    return hours.parse_holidays(getattr(settings, "ONEVISIT_HOLIDAYS", None))


def add_working_days(start: date, days: int, tz_name: str | None = None) -> date:
    """`days` of the hall's working days after `start` (a due date such as "5个工作日内补交"); a moment (a task's
    time limit, a promised date) counts by its calendar date in the hall's zone and keeps its time of day."""
    if isinstance(start, datetime):
        start = clock.localtime(start, tz_name)
    return hours.add_working_days(start, days, holidays())


def _lunch() -> tuple[time, time]:
    return hours.parse_lunch(getattr(settings, "ONEVISIT_LUNCH_BREAK", None))


def is_bookable(day: date, start: time, end: time) -> bool:
    """A working day (no weekend, no public holiday) and not over the lunch break."""
    return hours.bookable(day, start, end, holidays=holidays(), lunch=_lunch())


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
            data={"first": first.isoformat(), "last": last.isoformat(), "created": created,
                  "queues": sorted({t.queue.code for ts in by_weekday.values() for t in ts})},
        )  # fmt: skip
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


# One answer for every refusal of a place: it must not tell a stranger whether an ID already holds a booking.
SLOT_REFUSED = "该时段已约满或不能再预约，请选择其他时段"


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
        active = slot.appointments.filter(
            status__in=[Appointment.Status.BOOKED, Appointment.Status.CHECKED_IN]
        )
        if active.filter(person=person).exists() or active.count() >= slot.capacity:
            raise Conflict(SLOT_REFUSED, field="slot")
        appointment = Appointment.objects.create(
            slot=slot, matter=matter, person=person, code=new_token()[:8], booked_at=clock.now()
        )
        emit("appointment.booked", hall=hall, queue=slot.queue, matter=matter,
             data={"slot": str(slot), "person": person.event_ref})  # fmt: skip
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
    emit("appointment.checked_in", hall=ticket.hall, queue=ticket.queue, matter=appointment.matter, ticket=ticket,
         actor=actor, data={"on_time": on_time, "number": ticket.number, **data})  # fmt: skip


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
