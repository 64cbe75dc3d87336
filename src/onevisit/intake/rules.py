"""Pre-review verdict from the materials present. Pure: no Django, unit-tested alone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

# The verdict is declared once, in core, so the readers of the event log use the same enum.
from onevisit.core.verdicts import Verdict as Verdict

# A tolerance's due date ("5个工作日内补交") counts the hall's working days: the calendar appointments use.
from onevisit.queueing.hours import add_working_days as add_working_days


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


class Judged(StrEnum):
    """What the guide desk found for one material of the checklist (kept in the pre-review's snapshot)."""

    BROUGHT = "brought"  # 已带
    TOLERATED = "tolerated"  # 容缺: missing, tolerable, promised for later
    MISSING = "missing"  # 缺: the citizen must bring it (an incomplete verdict)
    NOT_APPLICABLE = "not_applicable"  # 不适用, with staff's reason
    SHARED = "shared"  # 免提交: the hall obtains it


def judged(
    code: str,
    *,
    shared: bool,
    present: Iterable[str],
    missing: Iterable[str],
    not_applicable: Iterable[str],
    verdict: Verdict,
) -> Judged:
    """The desk's state of one material, from the pre-review's ticks and its verdict."""
    if shared:
        return Judged.SHARED
    if code in set(not_applicable):
        return Judged.NOT_APPLICABLE
    if code in set(present):
        return Judged.BROUGHT
    if code in set(missing):
        return Judged.TOLERATED if verdict is Verdict.TOLERANCE else Judged.MISSING
    return Judged.BROUGHT  # neither ticked nor missing: nothing was asked of the citizen for it
