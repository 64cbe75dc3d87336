"""Cases flagged as outliers (样本外的极端案例), listed apart by the metrics."""

from __future__ import annotations

from django.db import transaction

from onevisit.accounts.services import Actor
from onevisit.cases.common import get_case, refuse_delivered
from onevisit.cases.models import Case
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit
from onevisit.core.freetext import free_text
from onevisit.core.models import Event

OUTLIER_NOTE_MAX = 200


def flag_outlier(*, actor: Actor, case_id: int, note: str) -> Case:
    """样本外的极端案例: staff mark a case (a system failure, a citizen who left and came back hours later) so that
    the metrics list it apart, with this note, instead of counting it in the means. Once per case."""
    case = get_case(actor=actor, case_id=case_id)
    note = free_text(note, field="note", label="原因", max_length=OUTLIER_NOTE_MAX)
    if len(note) < 2:
        raise Invalid("请写明原因（至少 2 个字），例如“系统故障，等待 2 小时”", field="note")
    with transaction.atomic():
        case.status = (
            Case.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=case.pk)
        )
        refuse_delivered(case)
        if Event.objects.filter(
            type="case.outlier_flagged", hall=case.hall.code, case=case.event_ref
        ).exists():
            raise Conflict(f"办件 {case.number} 已标记为极端案例", field="case")
        emit(
            "case.outlier_flagged",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            bundle=case.bundle,
            case=case,
            actor=actor,
            data={"note": note},
        )
    return case
