"""容缺: materials promised for later, and their supply."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from onevisit.accounts.models import Window
from onevisit.accounts.services import Actor
from onevisit.cases.common import case_scope, record_visit, refuse_delivered, tell_citizen
from onevisit.cases.models import Case, Commitment
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit


def add_commitment(
    *, case: Case, material_code: str, due, actor, materials: dict | None = None
) -> Commitment:
    """容缺: only a material the checklist marks tolerable may be promised for later."""
    if materials is None:
        materials = {
            m.code: m for c in case.items.select_related("matter") for m in catalog.materials_of(c.matter)
        }
    material = materials.get(material_code)
    if material is None:
        raise Invalid(f"办件的材料清单中没有 {material_code}", field="material")
    if not material.tolerable:
        raise Invalid(f"「{material.name}」不可容缺，须当场提交", field="material")
    commitment = Commitment.objects.create(case=case, material=material.code, name=material.name, due=due)
    emit(
        "commitment.made",
        hall=case.hall,
        matter=case.matter,
        case=case,
        actor=actor,
        data={"material": material.code, "due": due.isoformat()},
    )
    return commitment


def supply(
    *, actor: Actor, commitment_id: int, via: str, window: Window | None = None, case_id: int | None = None
) -> Commitment:
    """The promised material arrives online, by mail, or at the hall — only the hall is a round trip.

    The commitment must be one of a case the clerk acts on (and of `case_id`, the case page it was sent from):
    another window's, or one reached through another case's address, is not found."""
    if via not in ("online", "mail", "hall"):
        raise Invalid("补交方式须为网上、邮寄或大厅", field="via")
    with transaction.atomic():
        commitment = (
            Commitment.objects.select_for_update(of=("self",))
            .select_related("case__hall")
            .filter(pk=commitment_id, case__hall=actor.hall)
            .filter(case__in=Case.objects.filter(case_scope(actor)).values("pk"))
            .first()
        )
        if commitment is None or (case_id is not None and commitment.case_id != case_id):
            raise NotFound(f"本窗口的办件没有容缺承诺 {commitment_id}", field="commitment")
        refuse_delivered(Case.objects.select_for_update(of=("self",)).get(pk=commitment.case_id))
        if commitment.status == Commitment.Status.SUPPLIED:
            raise Conflict(f"「{commitment.name}」已补交", field="commitment")
        now = clock.now()
        commitment.status, commitment.supplied_via, commitment.supplied_at = (
            Commitment.Status.SUPPLIED,
            via,
            now,
        )
        commitment.save()
        case = commitment.case
        if via == "hall":
            record_visit(case, ticket=None, window=window, purpose="supply", actor=actor, now=now)
        emit(
            "commitment.supplied",
            hall=case.hall,
            matter=case.matter,
            case=case,
            actor=actor,
            data={
                "material": commitment.material,
                "via": via,
                "late": clock.local_date(case.hall.timezone) > commitment.due,
            },
        )
    return commitment


def overdue_commitments(hall) -> list[Commitment]:
    today = clock.local_date(hall.timezone)
    return list(
        Commitment.objects.select_related("case").filter(
            case__hall=hall, status=Commitment.Status.OPEN, due__lt=today
        )
    )


REMIND_DAYS_BEFORE = (
    1  # the reminder goes out from the day before the date (and on the date, if not yet sent)
)
REMIND = "onevisit.cases.tolerance.remind_due_commitments"


def remind_due_commitments() -> int:
    """The periodic job (core.jobs): an SMS to each citizen whose 容缺 material is due tomorrow or today and not
    yet supplied, once per commitment (claimed by a conditional update, so two runs never send it twice).
    Returns how many were sent or queued."""
    sent = 0
    candidates = Commitment.objects.select_related("case__hall", "case__person").filter(
        status=Commitment.Status.OPEN, reminded_at__isnull=True
    )
    for commitment in candidates.iterator():
        case = commitment.case
        today = clock.local_date(case.hall.timezone)
        if not today <= commitment.due <= today + timedelta(days=REMIND_DAYS_BEFORE):
            continue
        claimed = Commitment.objects.filter(pk=commitment.pk, reminded_at__isnull=True).update(
            reminded_at=clock.now()
        )
        if not claimed:
            continue
        when = "今天" if commitment.due == today else f"{commitment.due.month}月{commitment.due.day}日前"
        tell_citizen(
            case, "commitment", f"办件 {case.number} 的容缺材料「{commitment.name}」请于{when}补交。"
        )
        sent += 1
    return sent
