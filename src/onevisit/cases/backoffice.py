"""The back office: tasks handed over, approved or returned (退件, 补正), and verification between departments."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Prefetch

from onevisit.accounts.models import Department, Window
from onevisit.accounts.services import Actor, department_scope
from onevisit.cases.caseform import require_complete_form
from onevisit.cases.common import (
    close_case,
    get_case,
    locked_case,
    record_visit,
    refuse_delivered,
    tell_citizen,
)
from onevisit.cases.models import Case, CaseReturn, Task, Verification, Visit
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.freetext import free_text
from onevisit.queueing import services as queueing


def create_tasks(case: Case, specs) -> None:
    """Create the case's tasks, all waiting: they start when the window hands the case over (移交后台), those
    with no prerequisite at once and in parallel."""
    if not specs:
        return
    matters = {m.code: m for m in catalog.list_matters([t.matter for t in specs if t.matter])}
    departments = Department.objects.in_bulk({t.department for t in specs}, field_name="code")
    Task.objects.bulk_create(
        Task(
            case=case,
            code=t.code,
            department=departments[t.department],
            matter=matters.get(t.matter),
            role=t.role or (matters[t.matter].name if t.matter in matters else "后台审核"),
            after=list(t.after),
            time_limit_days=t.time_limit_days,
        )
        for t in specs
    )


def awaits_hand_over(case: Case) -> bool:
    """Accepted, with back-office work that has not been handed over yet."""
    return case.status == Case.Status.ACCEPTED and case.tasks.exists()


def hand_over(*, actor: Actor, case_id: int) -> Case:
    """移交后台: the case leaves the window for the departments once its form is complete; their first tasks start."""
    with transaction.atomic():
        case = locked_case(actor, case_id)
        if case.status != Case.Status.ACCEPTED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，不能再移交后台", field="case")
        if not case.tasks.exists():
            raise Conflict(f"办件 {case.number} 没有后台任务，请在窗口办结", field="case")
        require_complete_form(case, doing="移交后台")
        case.status = Case.Status.IN_PROGRESS
        case.save(update_fields=["status"])
        _start_ready(case, actor=actor, now=clock.now())
    return case


def _start_ready(case: Case, *, actor, now) -> list[Task]:
    """Start every waiting task whose prerequisites are done — never while the case is at the window (ACCEPTED):
    what was not handed over yet (a case continued after its hand-over) waits for the next 移交后台."""
    if case.status == Case.Status.ACCEPTED:
        return []
    tasks = list(case.tasks.select_related("department"))
    done = {t.code for t in tasks if t.status == Task.Status.DONE}
    started = []
    for t in tasks:
        if t.status == Task.Status.WAITING and set(t.after) <= done:
            t.status, t.ready_at = Task.Status.READY, now
            t.due_at = queueing.add_working_days(now, t.time_limit_days, case.hall.timezone)
            t.save(update_fields=["status", "ready_at", "due_at"])
            emit(
                "task.started",
                hall=case.hall,
                matter=t.matter,
                case=case,
                actor=actor,
                data={"task": t.code, "department": t.department.code, "due": t.due_at.isoformat()},
                at=now,
            )
            started.append(t)
    return started


def _in_scope(actor: Actor):
    """The tasks of the actor's hall that their department scope lets them open and decide."""
    return Task.objects.filter(department_scope(actor), case__hall=actor.hall)


def office_task(*, actor: Actor, task_id: int) -> Task:
    """A task of the actor's own department (any state), for its page: another department's is not found."""
    task = (
        _in_scope(actor)
        .select_related(
            "case__hall",
            "case__window",
            "case__matter",
            "case__bundle",
            "case__person",
            "matter",
            "department",
        )
        .filter(pk=task_id)
        .first()
    )
    if task is None:
        raise NotFound(f"本部门没有后台任务 {task_id}", field="task")
    return task


def _office_task(actor: Actor, task_id: int) -> Task:
    case_id = _in_scope(actor).filter(pk=task_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(f"本部门没有后台任务 {task_id}", field="task")
    # One decision per case at a time, always locking the case before its tasks: parallel approvals each see
    # the other's result, and no two paths take the same locks in opposite orders.
    refuse_delivered(Case.objects.select_for_update(of=("self",)).select_related("hall").get(pk=case_id))
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("case__hall", "case__window", "matter", "department")
        .get(pk=task_id)
    )
    return task


def approve_task(*, actor: Actor, task_id: int, note: str = "") -> Task:
    """Approve a ready task; its dependants become ready; the case completes with its last task."""
    with transaction.atomic():
        task = _office_task(actor, task_id)
        if task.status == Task.Status.WAITING:
            raise Conflict(f"任务「{task.role or task.code}」的前置任务尚未完成，不能审批", field="task")
        if task.status != Task.Status.READY:
            raise Conflict(
                f"任务「{task.role or task.code}」{task.get_status_display()}，不能审批", field="task"
            )
        now = clock.now()
        task.status, task.done_at, task.handled_by, task.note = (
            Task.Status.DONE,
            now,
            actor.user,
            note.strip(),
        )
        task.save(update_fields=["status", "done_at", "handled_by", "note"])
        case = task.case
        emit(
            "task.finished",
            hall=case.hall,
            matter=task.matter,
            case=case,
            actor=actor,
            data={
                "task": task.code,
                "department": task.department.code,
                "seconds": round((now - task.ready_at).total_seconds()) if task.ready_at else None,
                "overdue": bool(task.due_at and now > task.due_at),
            },
            at=now,
        )
        _start_ready(case, actor=actor, now=now)
        if not case.tasks.exclude(status=Task.Status.DONE).exists():
            close_case(case, actor=actor, now=now, at_window=False)
    return task


RETURN_REASONS_MAX = 500


def return_task(*, actor: Actor, task_id: int, reasons: str, to: str = "window") -> Task:
    """退件: the task goes back with its reasons, to the window or to the citizen, who correct it (补正).

    The reasons are kept on the return (resident IDs and phones masked), never in an event. Whether the promised
    time limit stops meanwhile is the task's matter's catalog rule, taken now."""
    reasons = free_text(
        reasons,
        field="reasons",
        label="退件理由",
        max_length=RETURN_REASONS_MAX,
        required="退件须写明理由",
        mask=True,
    )
    if to not in CaseReturn.To.values:
        raise Invalid("退回对象须为窗口或办事人", field="to")
    with transaction.atomic():
        task = _office_task(actor, task_id)
        if task.status not in (Task.Status.READY, Task.Status.ON_HOLD):
            raise Conflict(
                f"任务「{task.role or task.code}」{task.get_status_display()}，不能退件", field="task"
            )
        now = clock.now()
        task.status, task.note, task.handled_by = Task.Status.RETURNED, reasons, actor.user
        task.save(update_fields=["status", "note", "handled_by"])
        task.verifications.filter(answered_at__isnull=True).update(
            answered_at=now, answer="因退件撤回", answered_by=actor.user
        )
        case = task.case
        case.status = Case.Status.RETURNED
        case.save(update_fields=["status"])
        pauses = correction_pauses_clock(task)
        CaseReturn.objects.create(
            case=case,
            task=task,
            department=task.department,
            reasons=reasons,
            to=to,
            returned_by=actor.user,
            returned_at=now,
            pauses_clock=pauses,
        )
        # The reasons stay on the return, not in the event: free text may hold numbers.
        emit(
            "case.returned",
            hall=case.hall,
            matter=task.matter,
            case=case,
            actor=actor,
            data={"task": task.code, "department": task.department.code, "to": to, "pauses_clock": pauses},
            at=now,
        )
        if to == CaseReturn.To.CITIZEN:  # the reasons stay off the phone: free text may name someone
            tell_citizen(
                case,
                "returned",
                f"办件 {case.number} 需要补正，请联系{case.window.name}或到大厅查看需补正的内容。",
            )
    return task


def correction_pauses_clock(task: Task) -> bool:
    """Whether the task's promised time limit stops during 补正: its matter's catalog rule (the case's main
    matter's for a step of a bundle that names none)."""
    return (task.matter or task.case.matter).correction_pauses_clock


def open_returns(case: Case) -> list[CaseReturn]:
    """The returns of the case still waiting for 补正."""
    return list(case.returns.filter(corrected_at__isnull=True).select_related("task"))


def correct(*, actor: Actor, case_id: int, via: str, window: Window | None = None) -> Case:
    """补正: what the returns asked for has arrived — at a hall window (a visit: the citizen came), online or by
    mail (no visit, as with tolerance supply), or the window fixed its own error. No new ticket is needed; the
    returned tasks go back to their departments, their time limits extended by the time 补正 took where the
    matter's rule stops the clock."""
    if via not in CaseReturn.Via.values:
        raise Invalid("补正方式须为到大厅、网上、邮寄或窗口自行更正", field="via")
    get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("hall", "window", "matter")
            .get(pk=case_id)
        )
        refuse_delivered(case)
        if case.status != Case.Status.RETURNED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，没有待补正的退件", field="case")
        now = clock.now()
        visit = None
        if via == CaseReturn.Via.HALL:
            visit = record_visit(case, ticket=None, window=window, purpose="correct", actor=actor, now=now)
        corrected_returns(case, via=via, visit=visit, actor=actor, now=now, window=window)
    return case


def corrected_returns(case: Case, *, via: str, visit: Visit | None, actor, now, window=None) -> None:
    """The open returns are corrected: their tasks are ready again, deadlines moved on by the paused time."""
    returns = open_returns(case)
    paused = max((round((now - r.returned_at).total_seconds()) for r in returns if r.pauses_clock), default=0)
    for r in returns:
        r.corrected_at, r.corrected_via, r.corrected_by, r.visit = now, via, actor.user, visit
        r.paused_seconds = paused if r.pauses_clock else 0
        r.save(update_fields=["corrected_at", "corrected_via", "corrected_by", "visit", "paused_seconds"])
    if paused:
        for t in case.tasks.exclude(status=Task.Status.DONE).exclude(due_at__isnull=True):
            t.due_at += timedelta(seconds=paused)
            t.save(update_fields=["due_at"])
    case.tasks.filter(status=Task.Status.RETURNED).update(status=Task.Status.READY)
    case.status = Case.Status.IN_PROGRESS
    case.save(update_fields=["status"])
    emit(
        "case.corrected",
        hall=case.hall,
        window=window or (visit.window if visit else None),
        matter=case.matter,
        case=case,
        visit=visit,
        actor=actor,
        at=now,
        data={
            "via": via,
            "visit": visit is not None,
            "tasks": sorted({r.task.code for r in returns}),
            "paused_seconds": paused,
        },
    )


def returned_cases_at(window: Window) -> list[tuple[Case, list[CaseReturn]]]:
    """退回待补正: the window's returned cases, oldest return first, each with the reasons still open."""
    cases = list(
        Case.objects.select_related("hall", "matter", "bundle", "person")
        .filter(window=window, status=Case.Status.RETURNED)
        .order_by("accepted_at")[:50]
    )
    by_case: dict[int, list[CaseReturn]] = {c.pk: [] for c in cases}
    returns = CaseReturn.objects.select_related("department").filter(
        case__in=cases, corrected_at__isnull=True
    )
    for r in returns.order_by("returned_at"):
        by_case[r.case_id].append(r)
    return sorted(
        ((c, by_case[c.pk]) for c in cases),
        key=lambda pair: pair[1][0].returned_at if pair[1] else pair[0].accepted_at,
    )


def verification_departments(task: Task) -> list[Department]:
    """The departments a task may ask to verify something: every other one."""
    return list(Department.objects.exclude(pk=task.department_id))


VERIFICATION_DAYS = (1, 2, 3, 5)  # the answer's deadline in working days, as the asking department chooses


def request_verification(
    *, actor: Actor, task_id: int, department: str, question: str, due_days: int = 1
) -> Verification:
    """核验: put the task on hold and ask another department, in the system, timed, with a deadline."""
    to = Department.objects.filter(code=department).first()
    if to is None:
        raise Invalid(f"没有部门「{department}」，请从列表中选择", field="department")
    question = free_text(
        question, field="question", label="核验事项", max_length=300, required="核验事项须填写"
    )
    if due_days not in VERIFICATION_DAYS:
        raise Invalid(f"答复期限须为 {'、'.join(map(str, VERIFICATION_DAYS))} 个工作日之一", field="due_days")
    with transaction.atomic():
        task = _office_task(actor, task_id)
        if task.status != Task.Status.READY:
            raise Conflict(
                f"任务「{task.role or task.code}」{task.get_status_display()}，不能发起核验", field="task"
            )
        now = clock.now()
        task.status = Task.Status.ON_HOLD
        task.save(update_fields=["status"])
        verification = Verification.objects.create(
            task=task,
            to_department=to,
            question=question,
            requested_by=actor.user,
            requested_at=now,
            due_at=queueing.add_working_days(now, due_days, task.case.hall.timezone),
        )
        emit(
            "verification.started",
            hall=task.case.hall,
            matter=task.matter,
            case=task.case,
            actor=actor,
            data={
                "task": task.code,
                "verification": verification.pk,
                "to": to.code,
                "due": verification.due_at.isoformat(),
            },
            at=now,
        )
    return verification


ANSWER_MAX = 300


def answer_verification(
    *, actor: Actor, verification_id: int, confirmed: bool, answer: str = ""
) -> Verification:
    """The answer (属实 / 不符, with its text) goes back to the asking task, which is ready again. 不符 needs its
    reason; personal numbers in the text are masked."""
    answer = free_text(answer, field="answer", label="答复", max_length=ANSWER_MAX, mask=True)
    if not confirmed and not answer:
        raise Invalid("核验不符须写明不符的情况", field="answer")
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update(of=("self",))
            .select_related("task__case__hall", "task__matter")
            .filter(department_scope(actor, "to_department"), pk=verification_id, task__case__hall=actor.hall)
            .first()
        )
        if verification is None:
            raise NotFound(f"本部门没有待答复的核验请求 {verification_id}", field="verification")
        if verification.answered_at:
            raise Conflict("该核验请求已答复", field="verification")
        refuse_delivered(
            Case.objects.select_for_update(of=("self",))
            .select_related("hall")
            .get(pk=verification.task.case_id)
        )
        if Task.objects.get(pk=verification.task_id).status != Task.Status.ON_HOLD:
            raise Conflict("该任务已不在核验中", field="verification")
        now = clock.now()
        verification.confirmed, verification.answer = confirmed, answer
        verification.answered_by, verification.answered_at = actor.user, now
        verification.save()
        task = verification.task
        task.status = Task.Status.READY
        task.save(update_fields=["status"])
        emit(
            "verification.finished",
            hall=task.case.hall,
            matter=task.matter,
            case=task.case,
            actor=actor,
            data={
                "task": task.code,
                "verification": verification.pk,
                "confirmed": confirmed,
                "seconds": round((now - verification.requested_at).total_seconds()),
                "overdue": verification.overdue(now),
            },
            at=now,
        )
    return verification


def work_list(actor: Actor) -> list[Task]:
    """The department's open tasks, overdue first, then by due date."""
    qs = (
        _in_scope(actor)
        .select_related("case", "matter", "department")
        .prefetch_related(Prefetch("verifications", Verification.objects.select_related("to_department")))
        .filter(status__in=[Task.Status.READY, Task.Status.ON_HOLD])
    )
    return list(qs.order_by("due_at", "id"))


def returned_tasks(actor: Actor) -> list[Task]:
    """The department's returned tasks still waiting for 补正, oldest case first."""
    qs = _in_scope(actor).select_related("case", "matter", "department").filter(status=Task.Status.RETURNED)
    return list(qs.order_by("case__accepted_at", "id"))


def verification_inbox(actor: Actor) -> list[Verification]:
    qs = Verification.objects.select_related("task__case", "task__matter", "task__department").filter(
        department_scope(actor, "to_department"), task__case__hall=actor.hall, answered_at__isnull=True
    )
    return list(qs.order_by("due_at", "requested_at"))
