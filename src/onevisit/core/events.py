"""The event log's one way in: emit() appends a fact inside the caller's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from onevisit.core import clock, event_types
from onevisit.core.models import Event

# The vocabulary of the log, declared with each type's payload in core.event_types.
EVENT_TYPES = event_types.EVENT_TYPES


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
) -> Event:
    """Append one event. Must run inside the service's transaction so the fact and the change land together.

    The event must match its type's declaration (core.event_types): a declared type, only the references it
    carries, exactly its payload's fields and types. Anything else is refused and nothing is written."""
    declared = event_types.get(type)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("emit() must run inside the service's transaction.atomic()")
    payload = data or {}
    refs = {
        "hall": _ref(hall),
        "window": _ref(window),
        "queue": _ref(queue),
        "matter": _ref(matter),
        "bundle": _ref(bundle),
        "case": _ref(case),
        "ticket": _ref(ticket),
        "visit": _ref(visit),
        "actor": _ref(getattr(actor, "username", actor)),
    }
    declared.check(payload, [name for name, value in refs.items() if value])
    event: Event = Event.objects.create(at=at or clock.now(), type=type, data=payload, **refs)
    return event
