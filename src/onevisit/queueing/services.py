"""Tickets and calling. Calling is exactly-once: two windows never get the same ticket."""

from __future__ import annotations

import re
import secrets

from django.db import transaction
from django.db.models import Count, Q

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.models import Person
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


def issue_ticket(*, hall: Hall, matter: Matter, person: Person | None, actor, priority: int = 0) -> Ticket:
    """Give the next number of the matter's queue for today and put the ticket in line."""
    queue = queue_for(hall, matter)
    with transaction.atomic():
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
            issued_at=clock.now(),
        )
        emit(
            "ticket.issued",
            hall=hall,
            queue=queue,
            matter=matter,
            ticket=ticket,
            actor=actor,
            data={"number": ticket.number, "priority": priority, "waiting_ahead": waiting_ahead(ticket)},
            at=ticket.issued_at,
        )
    return ticket


def waiting_ahead(ticket: Ticket) -> int:
    """Tickets of the same queue and day that will be called before this one."""
    return (
        Ticket.objects.filter(
            queue_id=ticket.queue_id, service_day=ticket.service_day, status=Ticket.Status.WAITING
        )
        .filter(
            Q(priority__gt=ticket.priority)
            | Q(priority=ticket.priority, issued_at__lt=ticket.issued_at)
            | Q(priority=ticket.priority, issued_at=ticket.issued_at, id__lt=ticket.id)
        )
        .count()
    )


def call_next(*, window: Window, actor) -> Ticket | None:
    """Call the first waiting ticket of the window's queues: priority first, then arrival.

    On PostgreSQL the candidate row is locked with SKIP LOCKED, so concurrent windows each take a
    different ticket without waiting on each other; SQLite serialises writers (BEGIN IMMEDIATE).
    """
    queue_ids = list(window.queues.values_list("id", flat=True))
    if not queue_ids:
        raise Invalid(f"{window.name}未分配任何队列", field="window")
    day = clock.local_date(window.hall.timezone)
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(queue_id__in=queue_ids, service_day=day, status=Ticket.Status.WAITING)
            .order_by("-priority", "issued_at", "id")
            .first()
        )
        if ticket is None:
            return None
        now = clock.now()
        ticket.status = Ticket.Status.CALLED
        ticket.called_at = now
        ticket.called_window = window
        ticket.called_by = getattr(actor, "user", None)
        ticket.save(update_fields=["status", "called_at", "called_window", "called_by"])
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
        raise Conflict(f"小票 {locked.number} 已过号，请重新取号", field="code")
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
