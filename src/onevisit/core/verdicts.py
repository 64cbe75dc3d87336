"""The verdict of a pre-review (预审结论): the one enum the guide desk, the stored pre-review, continuation at the
window, the events and every reader of the event log (metrics, planning, the synthetic history) use.

Declared here, the lowest layer, because metric computation may read nothing above core. The values are what the
database and the event log hold: never change them. Pure: no Django.
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    COMPLETE = "complete"  # 齐全
    TOLERANCE = "tolerance"  # 容缺: only tolerable items missing, promised later
    INCOMPLETE = "incomplete"  # 不齐: one-time notice of what is missing, no window ticket

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a model field's choices."""
        return [(v.value, v.label) for v in cls]


_LABELS = {Verdict.COMPLETE: "材料齐全", Verdict.TOLERANCE: "容缺受理", Verdict.INCOMPLETE: "材料不齐"}
