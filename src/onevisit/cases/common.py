"""What several of the case's use cases share: finding and locking a case, recording a visit, closing it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max

from onevisit.accounts.services import Actor
from onevisit.cases.models import Case, Visit
from onevisit.core.errors import NotFound
from onevisit.core.events import emit


def get_case(*, actor: Actor, case_id: int) -> Case:
    case = (
        Case.objects.select_related("hall", "matter", "person", "window")
        .filter(hall=actor.hall, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(f"本大厅没有办件 {case_id}", field="case")
    return case


def locked_case(actor: Actor, case_id: int) -> Case:
    """Inside the caller's transaction: the hall's case (else NotFound), locked against a concurrent change."""
    get_case(actor=actor, case_id=case_id)
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("hall", "window", "matter")
        .get(pk=case_id)
    )


def close_case(case: Case, *, actor, now, at_window: bool) -> None:
    """Close the case and record it with its last visit; at_window tells window handling from back office."""
    case.status, case.completed_at = Case.Status.COMPLETED, now
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
        data={"visits": visit.seq if visit else 0, "at_window": at_window},
        at=now,
    )


def record_visit(case: Case, *, ticket, window, purpose: str, actor, now) -> Visit:
    seq = (case.visits.aggregate(n=Max("seq"))["n"] or 0) + 1
    visit = Visit.objects.create(
        case=case, ticket=ticket, window=window, seq=seq, started_at=now, purpose=purpose
    )
    emit(
        "visit.recorded",
        hall=case.hall,
        window=window,
        matter=case.matter,
        case=case,
        ticket=ticket,
        visit=visit,
        actor=actor,
        data={"visit_seq": seq, "purpose": purpose},
        at=now,
    )
    return visit


def open_case_for(*, hall, person, matters: Iterable) -> Case | None:
    """A returning citizen's open case for one of these matters (recognised by the keyed digest of the ID)."""
    if person is None:
        return None
    return (
        Case.objects.filter(hall=hall, person=person, items__matter__in=list(matters))
        .filter(status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS, Case.Status.RETURNED])
        .order_by("-accepted_at")
        .distinct()
        .first()
    )
