"""Window acceptance and completion."""

from __future__ import annotations

from django.db import transaction

from onevisit.accounts.models import Window
from onevisit.accounts.services import Actor
from onevisit.cases.models import Case, CaseItem, Visit
from onevisit.core import clock
from onevisit.core.errors import Conflict, NotFound
from onevisit.core.events import emit
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing


def accept(*, actor: Actor, window: Window, code: str) -> Case:
    """Accept the citizen's ticket at this window: open the case, its items, and the first visit."""
    ticket = queueing.find_ticket(hall=actor.hall, code=code)
    with transaction.atomic():
        ticket = queueing.claim_for_window(ticket=ticket, window=window)
        prereview = intake.prereview_of(ticket)
        now = clock.now()
        case = Case.objects.create(
            hall=actor.hall,
            matter=ticket.matter,
            person=ticket.person,
            window=window,
            accepted_by=actor.user,
            accepted_at=now,
        )
        CaseItem.objects.create(case=case, matter=ticket.matter)
        visit = Visit.objects.create(case=case, ticket=ticket, window=window, seq=1, started_at=now)
        emit(
            "case.accepted",
            hall=actor.hall,
            window=window,
            queue=ticket.queue,
            matter=ticket.matter,
            case=case,
            ticket=ticket,
            visit=visit,
            actor=actor,
            data={
                "number": ticket.number,
                "visit_seq": visit.seq,
                "verdict": prereview.verdict if prereview else None,
                "matters": [ticket.matter.code],
            },
            at=now,
        )
    return case


def get_case(*, actor: Actor, case_id: int) -> Case:
    case = (
        Case.objects.select_related("hall", "matter", "person", "window")
        .filter(hall=actor.hall, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(f"本大厅没有办件 {case_id}", field="case")
    return case


def complete(*, actor: Actor, case_id: int) -> Case:
    """Close the case at the window; a second completion is a conflict, not a silent success."""
    get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("hall", "window", "matter")
            .get(pk=case_id)
        )
        if case.status == Case.Status.COMPLETED:
            raise Conflict(
                f"办件 {case.number} 已于 {clock.localtime(case.completed_at):%H:%M} 办结", field="case"
            )
        now = clock.now()
        case.status = Case.Status.COMPLETED
        case.completed_at = now
        case.save(update_fields=["status", "completed_at"])
        visit = case.visits.select_related("ticket").order_by("-seq").first()
        emit(
            "case.completed",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            case=case,
            ticket=visit.ticket if visit else None,
            visit=visit,
            actor=actor,
            data={"visits": visit.seq if visit else 0},
            at=now,
        )
    return case


def open_cases_at(window: Window) -> list[Case]:
    return list(
        Case.objects.select_related("hall", "matter", "person")
        .filter(window=window, status=Case.Status.ACCEPTED)
        .order_by("-accepted_at")[:20]
    )
