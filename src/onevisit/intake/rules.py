"""Pre-review verdict from the materials present. Pure: no Django, unit-tested alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# A tolerance's due date ("5个工作日内补交") counts the hall's working days: the calendar appointments use.
from onevisit.queueing.hours import add_working_days as add_working_days


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
