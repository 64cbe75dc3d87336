from datetime import datetime

from ninja import Field, Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.services import require, window_of
from onevisit.cases import casefile, services
from onevisit.core import access, clock
from onevisit.core.errors import NotFound
from onevisit.core.schemas import InputSchema
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


class ScanIn(InputSchema):
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
    if not services.applicant_shown_at(ticket, actor.staff.window_id):
        raise NotFound(f"本窗口没有叫到小票 {ticket.number}", field="code")
    prereview = intake.prereview_of(ticket)
    # the scanned code is a ticket's token: the record names the API, not the token
    access.record_one(actor=actor, person=ticket.person_id, where="GET /api/cases/tickets/{code}")
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


@router.post("/{case_id}/hand-over", response=CaseOut, summary="移交后台（表单须填齐必填项）")
def hand_over(request, case_id: int):
    actor = require(request.user, roles.CLERK)
    return case_out(services.hand_over(actor=actor, case_id=case_id))


class FormIn(InputSchema):
    """field → value; a multiple choice (参保险种) as a list of choices or one string joined by 、"""

    values: dict[str, str | list[str]]


class FormOut(Schema):
    saved: list[str]
    missing: dict[str, str]


@router.post(
    "/{case_id}/form", response=FormOut, summary="保存一表（草稿可暂缺必填项；填写有误的字段逐项说明）"
)
def save_form(request, case_id: int, payload: FormIn):
    actor = require(request.user, roles.CLERK)
    saved = services.save_form(actor=actor, case_id=case_id, submitted=payload.values)
    case = services.get_case(actor=actor, case_id=case_id)
    return FormOut(saved=[e.field for e in saved], missing=services.form_problems(case))


class TaskOut(Schema):
    id: int
    case: str
    code: str
    department: str
    department_code: str
    role: str
    status: str
    due_at: datetime | None


def task_out(t) -> TaskOut:
    return TaskOut(
        id=t.pk,
        case=t.case.number,
        code=t.code,
        department=t.department.name,
        department_code=t.department.code,
        role=t.role,
        status=t.status,
        due_at=t.due_at,
    )


class NoteIn(InputSchema):
    note: str = ""


class ReturnIn(InputSchema):
    reasons: str
    to: str = "window"


class VerifyIn(InputSchema):
    department: str = Field(description="核验部门的代码（部门表中的 code）")
    question: str
    due_days: int = 1


class LabelValue(Schema):
    label: str
    value: str


class FormPageOut(Schema):
    title: str
    fields: list[LabelValue]


class MaterialOut(Schema):
    name: str
    state: str
    note: str


class FindingOut(Schema):
    level: str
    message: str


class FactsOut(Schema):
    title: str
    source: str
    state: str
    values: list[LabelValue]
    findings: list[FindingOut]


class ReturnOut(Schema):
    department: str
    department_code: str
    reasons: str
    to: str
    returned_at: datetime
    pauses_clock: bool
    corrected_at: datetime | None
    corrected_via: str


class VerificationOut(Schema):
    id: int
    task: str
    to_department: str
    to_department_code: str
    question: str
    requested_at: datetime
    due_at: datetime | None
    overdue: bool
    answered_at: datetime | None
    confirmed: bool | None
    answer: str
    seconds: float | None


class HistoryOut(Schema):
    at: datetime
    kind: str
    text: str


class CaseFileOut(Schema):
    task: TaskOut
    case: CaseOut
    applicant: ApplicantOut | None
    matters: list[str]
    verdict: str
    materials: list[MaterialOut]
    form: list[FormPageOut]
    checks: list[FactsOut]
    failed_checks: list[str]
    returns: list[ReturnOut]
    verifications: list[VerificationOut]
    history: list[HistoryOut]


def case_file_out(task) -> CaseFileOut:
    f, now = casefile.build(task.case), clock.now()
    return CaseFileOut(
        task=task_out(task),
        case=case_out(task.case),
        applicant=ApplicantOut(
            name=f.applicant.name, resident_id_masked=f.applicant.resident_id, phone_masked=f.applicant.phone
        )
        if f.applicant
        else None,
        matters=f.matters,
        verdict=f.verdict,
        materials=[MaterialOut(name=m.name, state=m.state, note=m.note) for m in f.materials],
        form=[
            FormPageOut(title=t, fields=[LabelValue(label=lb, value=v) for lb, v, _ in rows])
            for t, rows in f.form
        ],
        checks=[
            FactsOut(
                title=s.title,
                source=s.source,
                state=s.state,
                values=[LabelValue(label=lb, value=v) for lb, v in s.values],
                findings=[FindingOut(level=x.level, message=x.message) for x in s.findings],
            )
            for s in f.facts
        ],
        failed_checks=[f"{source}：{message}" for source, message in f.failed_checks],
        returns=[
            ReturnOut(
                department=r.department.name,
                department_code=r.department.code,
                reasons=r.reasons,
                to=r.to,
                returned_at=r.returned_at,
                pauses_clock=r.pauses_clock,
                corrected_at=r.corrected_at,
                corrected_via=r.corrected_via,
            )
            for r in f.returns
        ],
        verifications=[
            VerificationOut(
                id=v.pk,
                task=v.task.code,
                to_department=v.to_department.name,
                to_department_code=v.to_department.code,
                question=v.question,
                requested_at=v.requested_at,
                due_at=v.due_at,
                overdue=v.overdue(now),
                answered_at=v.answered_at,
                confirmed=v.confirmed,
                answer=v.answer,
                seconds=v.seconds,
            )
            for v in f.verifications
        ],
        history=[HistoryOut(at=h.at, kind=h.kind, text=h.text) for h in f.history],
    )


class AnswerIn(InputSchema):
    confirmed: bool
    answer: str = ""


class DeliverIn(InputSchema):
    method: str
    tracking_number: str = ""


@router.get("/office/tasks", response=list[TaskOut], summary="本部门后台工作清单（超期在前）")
def office_tasks(request):
    actor = require(request.user, roles.OFFICE)
    return [task_out(t) for t in services.work_list(actor)]


@router.get(
    "/office/tasks/{task_id}",
    response=CaseFileOut,
    summary="任务的案卷：申请人(脱敏)、一表、材料、预审、核验结果、办理经过",
)
def office_task(request, task_id: int):
    actor = require(request.user, roles.OFFICE)
    task = services.office_task(actor=actor, task_id=task_id)
    access.record_one(actor=actor, person=task.case.person_id, where=request.path, case=task.case)
    return case_file_out(task)


@router.post("/office/tasks/{task_id}/approve", response=TaskOut, summary="审批通过")
def approve_task(request, task_id: int, payload: NoteIn):
    actor = require(request.user, roles.OFFICE)
    return task_out(services.approve_task(actor=actor, task_id=task_id, note=payload.note))


@router.post("/office/tasks/{task_id}/return", response=TaskOut, summary="退件（写明理由）")
def return_task(request, task_id: int, payload: ReturnIn):
    actor = require(request.user, roles.OFFICE)
    return task_out(
        services.return_task(actor=actor, task_id=task_id, reasons=payload.reasons, to=payload.to)
    )


@router.post("/office/tasks/{task_id}/verify", response={201: None}, summary="发起跨部门核验")
def verify_task(request, task_id: int, payload: VerifyIn):
    actor = require(request.user, roles.OFFICE)
    services.request_verification(
        actor=actor,
        task_id=task_id,
        department=payload.department,
        question=payload.question,
        due_days=payload.due_days,
    )
    return Status(201, None)


@router.post("/office/verifications/{verification_id}/answer", response={204: None}, summary="答复核验")
def answer_verification(request, verification_id: int, payload: AnswerIn):
    actor = require(request.user, roles.OFFICE)
    services.answer_verification(
        actor=actor, verification_id=verification_id, confirmed=payload.confirmed, answer=payload.answer
    )
    return Status(204, None)


class CorrectIn(InputSchema):
    via: str


@router.post(
    "/{case_id}/correct", response=CaseOut, summary="补正：到大厅(计一次到访)、网上、邮寄或窗口自行更正"
)
def correct(request, case_id: int, payload: CorrectIn):
    actor = require(request.user, roles.CLERK)
    return case_out(
        services.correct(actor=actor, case_id=case_id, via=payload.via, window=actor.staff.window)
    )


@router.post("/{case_id}/deliver", response=CaseOut, summary="出件：窗口领取、邮寄或电子证照")
def deliver(request, case_id: int, payload: DeliverIn):
    actor = require(request.user, roles.CLERK)
    return case_out(
        services.deliver(
            actor=actor, case_id=case_id, method=payload.method, tracking_number=payload.tracking_number
        )
    )
