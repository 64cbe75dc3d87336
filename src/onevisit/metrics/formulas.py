"""Metric definitions over event records (DESIGN.md §5). Pure: no Django, checked against plain examples.

一次性办成率 (one-visit completion rate): of the cases first accepted in the period, the share completed on
the spot — completed in the same visit, on the same local day as that first acceptance.
平均办理时长 (average handling time): from the call of the ticket to the completion of the case at the
window, over the cases completed at the window in the period whose call is in the period (cases finished by
the back office are not window handling time).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo


@dataclass(frozen=True)
class EventRecord:
    type: str
    at: datetime
    window: str = ""
    matter: str = ""
    case: str = ""
    ticket: str = ""
    visit: str = ""
    at_window: bool = True  # case.completed: finished at the window, or by the back office


@dataclass
class Row:
    """Figures for one window, one matter, or the whole hall."""

    key: str
    accepted: int = 0
    completed_on_the_spot: int = 0
    handling_seconds: list[float] = field(default_factory=list)

    @property
    def one_visit_rate(self) -> float | None:
        return self.completed_on_the_spot / self.accepted if self.accepted else None

    @property
    def handled(self) -> int:
        return len(self.handling_seconds)

    @property
    def mean_handling_seconds(self) -> float | None:
        return sum(self.handling_seconds) / len(self.handling_seconds) if self.handling_seconds else None


@dataclass
class Summary:
    by_window: dict[str, Row]
    by_matter: dict[str, Row]
    total: Row

    @property
    def empty(self) -> bool:
        return self.total.accepted == 0 and self.total.handled == 0


def summarize(events: Iterable[EventRecord], tz: tzinfo) -> Summary:
    events = sorted(events, key=lambda e: e.at)
    first_acceptance: dict[str, EventRecord] = {}
    last_call: dict[str, EventRecord] = {}
    completions: list[tuple[EventRecord, EventRecord | None]] = []
    for e in events:
        if e.type == "ticket.called":
            last_call[e.ticket] = e
        elif e.type == "case.accepted":
            first_acceptance.setdefault(e.case, e)
        elif e.type == "case.completed":
            completions.append((e, last_call.get(e.ticket)))

    by_window: dict[str, Row] = defaultdict(lambda: Row(""))
    by_matter: dict[str, Row] = defaultdict(lambda: Row(""))
    total = Row("total")

    def rows(window: str, matter: str) -> tuple[Row, Row, Row]:
        w, m = by_window[window], by_matter[matter]
        w.key, m.key = window, matter
        return w, m, total

    completed_cases = {c.case: c for c, _ in completions}
    for case, accepted in first_acceptance.items():
        done = completed_cases.get(case)
        on_the_spot = (
            done is not None
            and done.visit == accepted.visit
            and done.at.astimezone(tz).date() == accepted.at.astimezone(tz).date()
        )
        for row in rows(accepted.window, accepted.matter):
            row.accepted += 1
            row.completed_on_the_spot += on_the_spot

    for done, call in completions:
        if call is None or call.at > done.at or not done.at_window:
            continue  # handling time is call → completion at the window; back-office time is reported apart
        for row in rows(done.window, done.matter):
            row.handling_seconds.append((done.at - call.at).total_seconds())

    return Summary(
        by_window=dict(sorted(by_window.items())), by_matter=dict(sorted(by_matter.items())), total=total
    )
