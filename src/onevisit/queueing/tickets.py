"""Tickets: issued once per request, numbered per queue and day, found by number or token, claimed by a window."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.models import Event, Person
from onevisit.queueing.idempotency import replayed_ticket, request_key, ticket_request
from onevisit.queueing.models import Queue, Ticket, TicketCounter

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
QUEUED = Coalesce("requeued_at", "issued_at")


def waiting_ahead(ticket: Ticket) -> int:
    """Tickets of the same queue and day that will be called before this one."""
    mine = ticket.requeued_at or ticket.issued_at
    return (
        Ticket.objects.filter(
            queue_id=ticket.queue_id, service_day=ticket.service_day, status=Ticket.Status.WAITING
        )
        .annotate(queued=QUEUED)
        .filter(
            Q(priority__gt=ticket.priority)
            | Q(priority=ticket.priority, queued__lt=mine)
            | Q(priority=ticket.priority, queued=mine, id__lt=ticket.id)
        )
        .count()
    )


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


def waiting_counts(hall: Hall, window: Window | None = None) -> list[tuple[Queue, int]]:
    """Waiting tickets per queue today, for the whole hall or the queues one window serves."""
    day = clock.local_date(hall.timezone)
    queues = Queue.objects.filter(hall=hall) if window is None else window.queues.all()
    waiting = Q(tickets__service_day=day, tickets__status=Ticket.Status.WAITING)
    return [
        (q, q.waiting) for q in queues.annotate(waiting=Count("tickets", filter=waiting)).order_by("prefix")
    ]
