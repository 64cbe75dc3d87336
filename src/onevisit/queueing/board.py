"""The hall display board."""

from __future__ import annotations

from onevisit.accounts.models import Hall, Window
from onevisit.core import clock
from onevisit.queueing.calling import no_show_rule, recent_no_shows
from onevisit.queueing.models import Ticket
from onevisit.queueing.tickets import waiting_counts


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
