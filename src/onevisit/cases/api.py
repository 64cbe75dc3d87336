from datetime import datetime

from ninja import Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.services import require, window_of
from onevisit.cases import services
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing
from onevisit.queueing.api import TicketOut, ticket_out

router = Router(tags=["cases"])


class ApplicantOut(Schema):
    name: str
    resident_id_masked: str
    phone_masked: str


class TicketDetailOut(Schema):
    ticket: TicketOut
    verdict: str | None
    present: list[str]
    missing: list[str]
    applicant: ApplicantOut | None


class CaseOut(Schema):
    id: int
    number: str
    status: str
    matter: str
    window: str
    accepted_at: datetime
    completed_at: datetime | None


class ScanIn(Schema):
    code: str


def applicant_out(person) -> ApplicantOut | None:
    if person is None:
        return None
    return ApplicantOut(
        name=person.name, resident_id_masked=person.id_masked, phone_masked=person.phone_masked
    )


def case_out(case) -> CaseOut:
    return CaseOut(
        id=case.pk,
        number=case.number,
        status=case.status,
        matter=case.matter.code,
        window=case.window.code,
        accepted_at=case.accepted_at,
        completed_at=case.completed_at,
    )


@router.get("/tickets/{code}", response=TicketDetailOut, summary="扫码或输入票号：小票与预审结果")
def ticket_detail(request, code: str):
    actor = require(request.user, roles.CLERK)
    ticket = queueing.find_ticket(hall=actor.hall, code=code)
    prereview = intake.prereview_of(ticket)
    return TicketDetailOut(
        ticket=ticket_out(ticket),
        verdict=prereview.verdict if prereview else None,
        present=prereview.present if prereview else [],
        missing=prereview.missing if prereview else [],
        applicant=applicant_out(ticket.person),
    )


@router.post(
    "/windows/{window}/accept", response={201: CaseOut}, summary="受理：凭已叫到本窗口的小票建立办件"
)
def accept(request, window: str, payload: ScanIn):
    actor = require(request.user, roles.CLERK)
    case = services.accept(actor=actor, window=window_of(actor, window), code=payload.code)
    return Status(201, case_out(case))


@router.post("/{case_id}/complete", response=CaseOut, summary="办结")
def complete(request, case_id: int):
    actor = require(request.user, roles.CLERK)
    return case_out(services.complete(actor=actor, case_id=case_id))
