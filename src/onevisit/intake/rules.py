"""Pre-review verdict from the materials present. Pure: no Django, unit-tested alone."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    COMPLETE = "complete"  # 齐全
    TOLERANCE = "tolerance"  # 容缺: only tolerable items missing, promised later
    INCOMPLETE = "incomplete"  # 不齐: one-time notice of what is missing, no window ticket


VERDICT_LABELS = {Verdict.COMPLETE: "材料齐全", Verdict.TOLERANCE: "容缺受理", Verdict.INCOMPLETE: "材料不齐"}


@dataclass(frozen=True)
class Requirement:
    code: str
    name: str
    tolerable: bool


@dataclass(frozen=True)
class Review:
    verdict: Verdict
    missing: tuple[Requirement, ...]

    @property
    def gets_ticket(self) -> bool:
        return self.verdict is not Verdict.INCOMPLETE


def review(requirements: Iterable[Requirement], present: Iterable[str]) -> Review:
    have = set(present)
    missing = tuple(r for r in requirements if r.code not in have)
    if not missing:
        return Review(Verdict.COMPLETE, ())
    if all(r.tolerable for r in missing):
        return Review(Verdict.TOLERANCE, missing)
    return Review(Verdict.INCOMPLETE, missing)


def add_working_days(start: date, days: int, holidays: Collection[date] = frozenset()) -> date:
    """The date `days` working days after `start`: weekends and the given public holidays do not count."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day
