"""Metric definitions over event records (DESIGN.md §5). Pure: no Django, checked against plain examples.

一次性办成率 (one-visit completion rate): of the cases first accepted in the period, the share completed on
the spot — completed in the same visit, on the same local day as that first acceptance.
平均办理时长 (average handling time): from the call of the ticket to the completion of the case at the
window, over the cases completed at the window in the period whose call is in the period (cases finished by
the back office are not window handling time).
重复录入条次 (duplicate entries): window entries of a field whose value was already known.
群众往返次数 (round trips): visits per case, over the cases completed in the period.
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
    duplicate: bool = False  # field.entered: the value was already known
    visits: int = 0  # case.completed: visits the case took


@dataclass
class Row:
    """Figures for one window, one matter, or the whole hall."""

    key: str
    accepted: int = 0
    completed_on_the_spot: int = 0
    handling_seconds: list[float] = field(default_factory=list)
    duplicate_entries: int = 0
    visits_per_completed_case: list[int] = field(default_factory=list)

    @property
    def mean_round_trips(self) -> float | None:
        trips = self.visits_per_completed_case
        return sum(trips) / len(trips) if trips else None

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
        return self.total.accepted == 0 and self.total.handled == 0 and not self.total.duplicate_entries


def summarize(events: Iterable[EventRecord], tz: tzinfo) -> Summary:
    events = sorted(events, key=lambda e: e.at)
    first_acceptance: dict[str, EventRecord] = {}
    last_call: dict[str, EventRecord] = {}
    completions: list[tuple[EventRecord, EventRecord | None]] = []
    duplicates: list[EventRecord] = []
    for e in events:
        if e.type == "ticket.called":
            last_call[e.ticket] = e
        elif e.type == "case.accepted":
            first_acceptance.setdefault(e.case, e)
        elif e.type == "case.completed":
            completions.append((e, last_call.get(e.ticket)))
        elif e.type == "field.entered" and e.duplicate:
            duplicates.append(e)

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

    for e in duplicates:
        for row in rows(e.window, e.matter):
            row.duplicate_entries += 1

    for done, _ in completions:
        if done.visits:
            for row in rows(done.window, done.matter):
                row.visits_per_completed_case.append(done.visits)

    for done, call in completions:
        if call is None or call.at > done.at or not done.at_window:
            continue  # handling time is call → completion at the window; back-office time is reported apart
        for row in rows(done.window, done.matter):
            row.handling_seconds.append((done.at - call.at).total_seconds())

    return Summary(
        by_window=dict(sorted(by_window.items())), by_matter=dict(sorted(by_matter.items())), total=total
    )
