"""一端出件: the result of a completed case leaves by one pickup point, by mail or electronically."""

from __future__ import annotations

from django.db import transaction

from onevisit.accounts.models import Window
from onevisit.accounts.services import Actor
from onevisit.cases.common import locked_case, tell_citizen
from onevisit.cases.models import Case
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit


def to_deliver_at(window: Window) -> list[Case]:
    """Cases accepted at this window whose result is ready to leave (一端出件)."""
    return list(
        Case.objects.select_related("hall", "matter", "bundle", "person")
        .filter(window=window, status=Case.Status.COMPLETED)
        .order_by("completed_at")[:20]
    )


TRACKING_NUMBER_MAX = Case._meta.get_field("tracking_number").max_length or 40
DELIVERY_METHODS = {"pickup": "窗口领取", "mail": "邮寄", "electronic": "电子证照"}


def deliver(*, actor: Actor, case_id: int, method: str, tracking_number: str = "") -> Case:
    """一端出件: the result leaves by one pickup point, by mail (with tracking) or as an electronic certificate."""
    if method not in DELIVERY_METHODS:
        raise Invalid(f"出件方式须为 {'/'.join(DELIVERY_METHODS.values())}", field="method")
    if method == "mail" and not tracking_number.strip():
        raise Invalid("邮寄须填写运单号", field="tracking_number")
    if len(tracking_number.strip()) > TRACKING_NUMBER_MAX:  # the column's width: PostgreSQL would refuse it
        raise Invalid(f"运单号不超过 {TRACKING_NUMBER_MAX} 个字符", field="tracking_number")
    with transaction.atomic():
        case = locked_case(actor, case_id)
        if case.status != Case.Status.COMPLETED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，办结后才能出件", field="case")
        now = clock.now()
        case.status, case.delivered_at = Case.Status.DELIVERED, now
        case.delivery_method, case.tracking_number = method, tracking_number.strip()
        case.save(update_fields=["status", "delivered_at", "delivery_method", "tracking_number"])
        emit(
            "case.delivered",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            case=case,
            actor=actor,
            data={"method": method},
            at=now,
        )
        # the way it left, not the tracking number a clerk typed (it could read as a phone number)
        tell_citizen(case, "delivered", f"办件 {case.number} 已出件（{DELIVERY_METHODS[method]}）。")
    return case
