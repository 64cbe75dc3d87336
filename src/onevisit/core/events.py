"""The event log's one way in: emit() appends a fact inside the caller's transaction."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import transaction

from onevisit.core import clock, known
from onevisit.core.ids import RESIDENT_ID_IN_TEXT, contains_personal_number
from onevisit.core.models import Event

# The vocabulary of the log (DESIGN.md §4); later domains add theirs here.
EVENT_TYPES = frozenset(
    {
        "prereview.completed",
        "ticket.issued",
        "ticket.called",
        "ticket.no_show",
        "ticket.recalled",
        "ticket.transferred",
        "ticket.requeued",
        "triage.routed",
        "consultation.recorded",
        "appointment.booked",
        "appointment.checked_in",
        "appointment.slots_generated",  # issue 14: slots from the weekly templates for a date range
        "window.paused",
        "window.resumed",
        "window.signed_in",  # a clerk posted to the window signs in or out: staffed time for the metrics
        "window.signed_out",
        "print.sent",
        "print.failed",
        "contingency.on",
        "contingency.off",
        "ferry.sent",
        "ferry.failed",
        "ferry.backfilled",
        "case.accepted",
        "case.completed",
        "case.returned",
        "case.corrected",
        "case.continued",
        "case.outlier_flagged",
        "visit.recorded",
        "field.entered",
        "field.cleared",
        "commitment.made",
        "commitment.supplied",
        "case.delivered",
        "task.started",
        "task.finished",
        "verification.started",
        "verification.finished",
        "checklist.published",
        "checklist.checked",
        "checklist.rejected",  # issue 14: the legal section sends a submitted version back with its reason
        # guide desk (issue 13): a material marked not applicable, matters added to a waiting ticket, a rename
        "material.not_applicable",
        "prereview.matters_added",
        "person.renamed",
    }
)


def _ref(value: Any) -> str:
    if value is None:
        return ""
    ref = getattr(value, "event_ref", None)
    return str(ref if ref is not None else value)


def emit(
    type: str,
    *,
    hall: Any = None,
    window: Any = None,
    queue: Any = None,
    matter: Any = None,
    bundle: Any = None,
    case: Any = None,
    ticket: Any = None,
    visit: Any = None,
    actor: Any = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    public_data: bool = False,
) -> Event:
    """Append one event. Must run inside the service's transaction so the fact and the change land together."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the service's transaction.atomic()")
    payload = data or {}
    if type == "field.entered" and payload.get("known_from", "") not in ("", *known.SOURCES):
        raise ValueError(f"field.entered from an undeclared source {payload['known_from']!r} (core.known)")
    text = json.dumps(payload, ensure_ascii=False, default=str)
    # Catalog facts (public_data) may mention hotlines or filing numbers; resident IDs are refused everywhere.
    if RESIDENT_ID_IN_TEXT.search(text) or (not public_data and contains_personal_number(text)):
        raise ValueError(f"event {type} carries a full resident ID or phone number; store a masked value")
    return Event.objects.create(
        at=at or clock.now(),
        type=type,
        hall=_ref(hall),
        window=_ref(window),
        queue=_ref(queue),
        matter=_ref(matter),
        bundle=_ref(bundle),
        case=_ref(case),
        ticket=_ref(ticket),
        visit=_ref(visit),
        actor=_ref(getattr(actor, "username", actor)),
        data=payload,
    )
