"""A circuit breaker per back end, kept in the back end's row so every worker and web process sees it.

Closed: envelopes flow. After ONEVISIT_FERRY_BREAKER_THRESHOLD consecutive transport failures it opens: the
worker stops sending to that back end and the window types the fields by hand (a contingency event). After the
cool-down (ONEVISIT_FERRY_BREAKER_COOLDOWN) a worker probes the back end's health; a healthy answer closes the
breaker and the held envelopes (back-fills first among them, in creation order) flow again. A breaker opened by
hand stays open until closed by hand.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q

from onevisit.core.events import emit
from onevisit.ferry import audit
from onevisit.ferry.models import Backend


def threshold() -> int:
    """Consecutive transport failures that open a breaker (read at each use, so tests override the setting)."""
    return settings.ONEVISIT_FERRY_BREAKER_THRESHOLD


def cooldown() -> timedelta:
    """How long an open breaker waits before a worker probes the back end again."""
    return timedelta(seconds=settings.ONEVISIT_FERRY_BREAKER_COOLDOWN)


def trip(backend: Backend, *, reason: str, actor: str = "", now: datetime, held: bool | None = None) -> None:
    """Open the breaker (inside a transaction). Re-tripping an open breaker only restarts its cool-down."""
    row = Backend.objects.select_for_update().get(pk=backend.pk)
    held = bool(actor) if held is None else held
    if row.breaker == Backend.Breaker.OPEN:
        Backend.objects.filter(pk=row.pk).update(opened_at=now, held=row.held or held)
        return
    Backend.objects.filter(pk=row.pk).update(
        breaker=Backend.Breaker.OPEN, opened_at=now, held=held, last_error=reason[:255], last_error_at=now
    )
    audit.append("breaker", backend=row.code, actor=actor, detail={"state": "open", "reason": reason[:200]})
    emit(
        "contingency.on",
        actor=actor or None,
        data={"mode": "ferry_breaker", "backend": row.code, "reason": reason[:200], "manual": held},
    )


def close(backend: Backend, *, actor: str = "", now: datetime, automatic: bool = False) -> None:
    """Close the breaker (inside a transaction). A probe (automatic) never closes one held open by hand,
    even if the hold was set while the probe was in flight."""
    row = Backend.objects.select_for_update().get(pk=backend.pk)
    if automatic and row.held:
        return
    if row.breaker == Backend.Breaker.CLOSED and not row.failures:
        return
    was_open = row.breaker != Backend.Breaker.CLOSED
    Backend.objects.filter(pk=row.pk).update(
        breaker=Backend.Breaker.CLOSED, failures=0, held=False, opened_at=None, last_ok_at=now
    )
    if was_open:
        audit.append("breaker", backend=row.code, actor=actor, detail={"state": "closed"})
        emit("contingency.off", actor=actor or None, data={"mode": "ferry_breaker", "backend": row.code})


def record_failures(backend: Backend, count: int, *, reason: str, now: datetime) -> None:
    Backend.objects.filter(pk=backend.pk).update(
        failures=F("failures") + count, last_error=reason[:255], last_error_at=now
    )
    if Backend.objects.get(pk=backend.pk).failures >= threshold():
        trip(backend, reason=reason, now=now, held=False)


def record_success(backend: Backend, *, now: datetime) -> None:
    """Reset the failure count; refresh 'last ok' at most every few seconds, so busy workers do not queue on
    the back end's row for a timestamp."""
    stale = Q(failures__gt=0) | Q(last_ok_at__isnull=True) | Q(last_ok_at__lt=now - timedelta(seconds=5))
    Backend.objects.filter(stale, pk=backend.pk).update(failures=0, last_ok_at=now)


def due_for_probe(backend: Backend, now: datetime) -> bool:
    return (
        backend.breaker == Backend.Breaker.OPEN
        and not backend.held
        and (backend.opened_at is None or backend.opened_at + cooldown() <= now)
    )
