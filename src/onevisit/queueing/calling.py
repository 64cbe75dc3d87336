"""Calling at the window: next, recall, no-show (过号) and the way back, transfer, pause."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from onevisit.accounts.models import Hall, Window
from onevisit.core import clock, notify
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.models import Event
from onevisit.queueing.models import Queue, Ticket, WindowState
from onevisit.queueing.tickets import QUEUED, find_ticket, waiting_ahead


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
            .order_by("-priority", QUEUED, "id")
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
        _ticket_event(
            "ticket.called",
            ticket,
            window=window,
            actor=actor,
            data={"number": ticket.number, "waited_seconds": round((now - ticket.issued_at).total_seconds())},
            at=now,
        )
    _tell_the_queue(ticket, window, day)
    return ticket


def _tell_the_queue(ticket: Ticket, window: Window, day) -> None:
    """After a call, by SMS (core.notify, once the call is written): the citizen called, where to go; and in that
    queue the one who now has ONEVISIT_SMS_SOON_AHEAD people ahead, to come back to the board. Numbers and window
    names only: a message never names anyone."""
    hall = window.hall
    notify.tell(
        ticket.person,
        kind="called",
        text=f"【{hall.name}】请 {ticket.number} 号到{window.name}办理。",
        hall=hall.code,
    )
    ahead = settings.ONEVISIT_SMS_SOON_AHEAD
    if not ahead:
        return
    soon = (
        Ticket.objects.filter(queue_id=ticket.queue_id, service_day=day, status=Ticket.Status.WAITING)
        .select_related("person")
        .order_by("-priority", QUEUED, "id")[ahead : ahead + 1]
    )
    for waiting in soon:
        notify.tell(
            waiting.person,
            kind="soon",
            text=f"【{hall.name}】{waiting.number} 号前面还有 {ahead} 人，请回到叫号屏附近等候。",
            hall=hall.code,
        )


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
            _ticket_event(
                "ticket.no_show",
                ticket,
                window=window,
                actor=actor,
                data={"number": ticket.number, "recalls": ticket.recalls},
                at=now,
            )
            return ticket
        ticket.recalls += 1
        ticket.save(update_fields=["recalls"])
        _ticket_event(
            "ticket.recalled",
            ticket,
            window=window,
            actor=actor,
            data={"number": ticket.number, "recall": ticket.recalls},
            at=now,
        )
    return ticket


def mark_no_show(*, window: Window, ticket_id: int, actor) -> Ticket:
    with transaction.atomic():
        ticket = _called_here(window, ticket_id)
        ticket.status = Ticket.Status.NO_SHOW
        ticket.save(update_fields=["status"])
        _ticket_event(
            "ticket.no_show",
            ticket,
            window=window,
            actor=actor,
            data={"number": ticket.number, "recalls": ticket.recalls},
        )
    return ticket


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
        emit(
            "ticket.requeued",
            hall=hall,
            queue=ticket.queue,
            matter=ticket.matter,
            ticket=ticket,
            actor=actor,
            data={
                "number": ticket.number,
                "rule": rule,
                "absent_minutes": int(gone.total_seconds() // 60),
                "waiting_ahead": waiting_ahead(ticket),
            },
            at=now,
        )
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
        _ticket_event(
            "ticket.called",
            ticket,
            window=window,
            actor=actor,
            at=now,
            data={
                "number": ticket.number,
                "waited_seconds": round((now - ticket.issued_at).total_seconds()),
                "returned": True,
            },
        )
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
        emit(
            "ticket.transferred",
            hall=window.hall,
            window=window,
            queue=target,
            matter=ticket.matter,
            ticket=ticket,
            actor=actor,
            data={"number": ticket.number, "from": source.code, "to": target.code},
        )
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
        emit(
            "window.paused" if paused else "window.resumed",
            hall=window.hall,
            window=window,
            actor=actor,
            at=state.changed_at,
        )


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


def _ticket_event(kind: str, ticket: Ticket, *, window: Window, actor, **fields) -> Event:
    """An event of one ticket at one window, with the references every calling event carries named once."""
    return emit(
        kind,
        hall=window.hall,
        window=window,
        queue=ticket.queue,
        matter=ticket.matter,
        ticket=ticket,
        actor=actor,
        **fields,
    )
