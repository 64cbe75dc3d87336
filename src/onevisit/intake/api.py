import functools
from datetime import date
from typing import Any

from ninja import Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.core.schemas import InputSchema
from onevisit.intake import services
from onevisit.queueing.api import TicketOut, ticket_out

router = Router(tags=["intake"])


class PreReviewIn(InputSchema):
    matter: str | None = None
    bundle: str | None = None
    answers: dict[str, Any] = {}
    materials: list[str] = []
    name: str
    resident_id: str
    phone: str
    channel: str = "window"
    disability: bool = False
    commitment_signed: bool = False
    tolerance_due: date | None = None
    not_applicable: dict[str, str] = {}  # material code → why it does not apply this time (本次不适用)
    confirm_name: bool = False  # staff checked the ID document: change the name held for this resident ID
    join_waiting: bool = False  # add these matters to the citizen's waiting ticket instead of a 409
    idempotency_key: str = ""
    appointment: str = (
        ""  # 预约码: the desk checks a booking in through this pre-review, keeping its priority
    )


class MissingOut(Schema):
    code: str
    name: str
    tolerable: bool


class PreReviewOut(Schema):
    id: int
    verdict: str
    channel: str
    matters: list[str]
    missing: list[MissingOut]
    ticket: TicketOut | None


@router.post("/prereviews", response={201: PreReviewOut}, summary="导引台预审，材料齐全或可容缺时出号")
def submit_prereview(request, payload: PreReviewIn):
    actor = require(request.user, roles.GUIDE)
    submit = services.submit_prereview
    if payload.appointment:
        submit = functools.partial(services.check_in_at_desk, appointment_code=payload.appointment)
    prereview = submit(
        actor=actor,
        matter_code=payload.matter,
        bundle_code=payload.bundle,
        answers=payload.answers,
        present=payload.materials,
        name=payload.name,
        resident_id=payload.resident_id,
        phone=payload.phone,
        channel=payload.channel,
        disability=payload.disability,
        commitment_signed=payload.commitment_signed,
        tolerance_due=payload.tolerance_due,
        not_applicable=payload.not_applicable,
        confirm_name=payload.confirm_name,
        join_waiting=payload.join_waiting,
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201,
        PreReviewOut(
            id=prereview.pk,
            verdict=prereview.verdict,
            channel=prereview.channel,
            matters=prereview.matters,
            missing=[
                MissingOut(code=m.code, name=m.name, tolerable=m.tolerable)
                for m in services.missing_materials(prereview)
            ],
            ticket=ticket_out(prereview.ticket) if prereview.ticket else None,
        ),
    )


class ConsultationIn(InputSchema):
    matter: str | None = None
    bundle: str | None = None
    note: str = ""


@router.post("/consultations", response={201: None}, summary="记录一次咨询（不取号）")
def consultation(request, payload: ConsultationIn):
    actor = require(request.user, roles.GUIDE)
    services.record_consultation(
        actor=actor, matter_code=payload.matter, bundle_code=payload.bundle, note=payload.note
    )
    return Status(201, None)


class KioskIn(InputSchema):
    matter: str
    resident_id: str
    idempotency_key: str = ""


@router.post("/kiosk/tickets", response={201: TicketOut}, summary="自助机取号")
def kiosk_ticket(request, payload: KioskIn):
    actor = require(request.user, roles.KIOSK)
    ticket = services.issue_at_kiosk(
        actor=actor,
        matter_code=payload.matter,
        resident_id=payload.resident_id,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, ticket_out(ticket))


class CheckInIn(InputSchema):
    code: str


class CheckInOut(Schema):
    ticket: TicketOut
    on_time: bool


@router.post("/appointments/check-in", response=CheckInOut, summary="预约签到：时段内为优先号，迟到按普通号")
def check_in(request, payload: CheckInIn):
    actor = require(request.user, roles.GUIDE, roles.KIOSK)
    ticket, on_time = services.check_in_at_kiosk(actor=actor, code=payload.code)
    return CheckInOut(ticket=ticket_out(ticket), on_time=on_time)
