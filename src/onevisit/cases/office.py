"""Back-office pages (后台): the department's work list, a task's page with its case file and the decisions,
verification requests and answers. Every page asks services for what the actor's department may open."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.cases import casefile, services
from onevisit.cases.forms import AnswerForm, NoteForm, ReturnForm, VerifyForm
from onevisit.cases.models import CaseReturn
from onevisit.core import access, clock
from onevisit.core.errors import DomainError


def _list_page(request, *, refused: dict | None = None, status: int = 200):
    return render(
        request,
        "cases/office.html",
        {
            "tasks": services.work_list(request.actor),
            "waiting_correction": services.returned_tasks(request.actor),
            "inbox": services.verification_inbox(request.actor),
            "now": clock.now(),
            "refused": refused or {},
        },
        status=status,
    )


def _task_page(request, task_id: int, *, refused: dict | None = None, status: int = 200):
    task = services.office_task(actor=request.actor, task_id=task_id)
    access.record_one(actor=request.actor, person=task.case.person_id, where=request.path, case=task.case)
    return render(
        request,
        "cases/office_task.html",
        {
            "task": task,
            "file": casefile.build(task.case),
            "asked": task.verifications.select_related("to_department").order_by("requested_at"),
            "departments": services.verification_departments(task),
            "verification_days": services.VERIFICATION_DAYS,
            "return_targets": CaseReturn.To.choices,
            "pauses": services.correction_pauses_clock(task),
            "now": clock.now(),
            "refused": refused or {},
        },
        status=status,
    )


@staff_page(roles.OFFICE)
def work_list(request):
    return _list_page(request)


@staff_page(roles.OFFICE)
def task_page(request, task_id: int):
    return _task_page(request, task_id)


def _act(request, inputs, action, done: str, *, form: str, pk: int, task_id: int | None = None):
    """Parse the POST with the `inputs` form, do it and go back to the list; a refusal (of the form or of the
    service) comes back on the page it came from (the task's page, or the list for an answer) with the form's
    fields marked and what was typed kept."""
    try:
        action(parse(inputs, request.POST))
    except DomainError as exc:
        refused = {
            "form": form,
            "pk": pk,
            "message": exc.message,
            "errors": exc.errors,
            "values": request.POST,
        }
        if task_id is not None:
            return _task_page(request, task_id, refused=refused, status=exc.status)
        return _list_page(request, refused=refused, status=exc.status)
    messages.success(request, done)
    return redirect("office:work-list")


@require_POST
@staff_page(roles.OFFICE)
def approve(request, task_id: int):
    return _act(
        request,
        NoteForm,
        lambda data: services.approve_task(actor=request.actor, task_id=task_id, note=data["note"]),
        "已审批通过",
        form="approve",
        pk=task_id,
        task_id=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def give_back(request, task_id: int):
    return _act(
        request,
        ReturnForm,
        lambda data: services.return_task(
            actor=request.actor, task_id=task_id, reasons=data["reasons"], to=data["to"]
        ),
        "已退件，理由已告知窗口和办事人",
        form="return",
        pk=task_id,
        task_id=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def verify(request, task_id: int):
    return _act(
        request,
        VerifyForm,
        lambda data: services.request_verification(actor=request.actor, task_id=task_id, **data),
        "已发起核验",
        form="verify",
        pk=task_id,
        task_id=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def answer(request, verification_id: int):
    return _act(
        request,
        AnswerForm,
        lambda data: services.answer_verification(
            actor=request.actor, verification_id=verification_id, **data
        ),
        "已答复核验，答复已送达发起的任务",
        form="answer",
        pk=verification_id,
    )
