"""Window acceptance and completion."""

from __future__ import annotations

from django.db import transaction

from onevisit.accounts.models import Window
from onevisit.accounts.services import Actor
from onevisit.cases.models import Case, CaseItem, Task, Verification, Visit
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing


def accept(*, actor: Actor, window: Window, code: str) -> Case:
    """Accept the citizen's ticket at this window: open the case, its items, and the first visit."""
    ticket = queueing.find_ticket(hall=actor.hall, code=code)
    with transaction.atomic():
        ticket = queueing.claim_for_window(ticket=ticket, window=window)
        prereview = intake.prereview_of(ticket)
        now = clock.now()
        case = Case.objects.create(
            hall=actor.hall,
            matter=ticket.matter,
            bundle=prereview.bundle if prereview else None,
            person=ticket.person,
            window=window,
            accepted_by=actor.user,
            accepted_at=now,
        )
        matters = (
            catalog.list_matters(prereview.matters) if prereview and prereview.matters else [ticket.matter]
        )
        CaseItem.objects.bulk_create(CaseItem(case=case, matter=m) for m in matters)
        visit = Visit.objects.create(case=case, ticket=ticket, window=window, seq=1, started_at=now)
        _open_tasks(case, catalog.tasks_for(case.bundle, matters), actor=actor, now=now)
        emit(
            "case.accepted",
            hall=actor.hall,
            window=window,
            queue=ticket.queue,
            matter=ticket.matter,
            case=case,
            ticket=ticket,
            visit=visit,
            actor=actor,
            data={
                "number": ticket.number,
                "visit_seq": visit.seq,
                "verdict": prereview.verdict if prereview else None,
                "matters": [m.code for m in matters],
                "tasks": case.tasks.count(),
            },
            at=now,
        )
    return case


def get_case(*, actor: Actor, case_id: int) -> Case:
    case = (
        Case.objects.select_related("hall", "matter", "person", "window")
        .filter(hall=actor.hall, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(f"本大厅没有办件 {case_id}", field="case")
    return case


def complete(*, actor: Actor, case_id: int) -> Case:
    """Close the case at the window; a second completion is a conflict, not a silent success."""
    get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("hall", "window", "matter")
            .get(pk=case_id)
        )
        open_tasks = case.tasks.exclude(status=Task.Status.DONE).count()
        if open_tasks:
            raise Conflict(f"办件 {case.number} 尚有 {open_tasks} 个后台任务未完成，不能办结", field="case")
        if case.status in (Case.Status.COMPLETED, Case.Status.DELIVERED):
            raise Conflict(
                f"办件 {case.number} 已于 {clock.localtime(case.completed_at):%H:%M} 办结", field="case"
            )
        now = clock.now()
        case.status = Case.Status.COMPLETED
        case.completed_at = now
        case.save(update_fields=["status", "completed_at"])
        visit = case.visits.select_related("ticket").order_by("-seq").first()
        emit(
            "case.completed",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            case=case,
            ticket=visit.ticket if visit else None,
            visit=visit,
            actor=actor,
            data={"visits": visit.seq if visit else 0, "at_window": True},
            at=now,
        )
    return case


def to_deliver_at(window: Window) -> list[Case]:
    """Cases accepted at this window whose result is ready to leave (一端出件)."""
    return list(
        Case.objects.select_related("hall", "matter", "person")
        .filter(window=window, status=Case.Status.COMPLETED)
        .order_by("completed_at")[:20]
    )


def open_cases_at(window: Window) -> list[Case]:
    return list(
        Case.objects.select_related("hall", "matter", "person")
        .filter(
            window=window, status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS, Case.Status.RETURNED]
        )
        .order_by("-accepted_at")[:20]
    )


# ---- the back office -------------------------------------------------------------------------------------------


def _open_tasks(case: Case, specs, *, actor, now) -> None:
    """Create the case's tasks; those with no prerequisite are ready at once, in parallel."""
    if not specs:
        return
    matters = {m.code: m for m in catalog.list_matters([t.matter for t in specs if t.matter])}
    Task.objects.bulk_create(
        Task(case=case, code=t.code, department=t.department, matter=matters.get(t.matter), role=t.role,
             after=list(t.after), time_limit_days=t.time_limit_days)
        for t in specs
    )  # fmt: skip
    case.status = Case.Status.IN_PROGRESS
    case.save(update_fields=["status"])
    _start_ready(case, actor=actor, now=now)


def _start_ready(case: Case, *, actor, now) -> list[Task]:
    tasks = list(case.tasks.all())
    done = {t.code for t in tasks if t.status == Task.Status.DONE}
    started = []
    for t in tasks:
        if t.status == Task.Status.WAITING and set(t.after) <= done:
            t.status, t.ready_at = Task.Status.READY, now
            t.due_at = clock.add_working_days(now, t.time_limit_days)
            t.save(update_fields=["status", "ready_at", "due_at"])
            emit("task.started", hall=case.hall, matter=t.matter, case=case, actor=actor,
                 data={"task": t.code, "department": t.department, "due": t.due_at.isoformat()}, at=now)  # fmt: skip
            started.append(t)
    return started


def _office_task(actor: Actor, task_id: int) -> Task:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("case__hall", "case__window", "matter")
        .filter(pk=task_id, case__hall=actor.hall)
        .first()
    )
    if task is None:
        raise NotFound(f"本大厅没有后台任务 {task_id}", field="task")
    dept = actor.staff.department
    if dept and task.department != dept:
        raise Conflict(f"该任务属于{task.department}，不在本部门工作清单中", field="task")
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
        emit("task.finished", hall=case.hall, matter=task.matter, case=case, actor=actor,
             data={"task": task.code, "department": task.department,
                   "seconds": round((now - task.ready_at).total_seconds()) if task.ready_at else None,
                   "overdue": bool(task.due_at and now > task.due_at)}, at=now)  # fmt: skip
        _start_ready(case, actor=actor, now=now)
        if not case.tasks.exclude(status=Task.Status.DONE).exists():
            case.status, case.completed_at = Case.Status.COMPLETED, now
            case.save(update_fields=["status", "completed_at"])
            visit = case.visits.select_related("ticket").order_by("-seq").first()
            emit("case.completed", hall=case.hall, window=case.window, matter=case.matter, case=case,
                 ticket=visit.ticket if visit else None, visit=visit, actor=actor,
                 data={"visits": visit.seq if visit else 0, "at_window": False}, at=now)  # fmt: skip
    return task


def return_task(*, actor: Actor, task_id: int, reasons: str, to: str = "window") -> Task:
    """退件: the task goes back with its reasons, to the window or to the citizen."""
    if not reasons.strip():
        raise Invalid("退件须写明理由", field="reasons")
    if to not in ("window", "citizen"):
        raise Invalid("退回对象须为窗口或办事人", field="to")
    with transaction.atomic():
        task = _office_task(actor, task_id)
        if task.status not in (Task.Status.READY, Task.Status.ON_HOLD):
            raise Conflict(
                f"任务「{task.role or task.code}」{task.get_status_display()}，不能退件", field="task"
            )
        task.status, task.note, task.handled_by = Task.Status.RETURNED, reasons.strip(), actor.user
        task.save(update_fields=["status", "note", "handled_by"])
        case = task.case
        case.status = Case.Status.RETURNED
        case.save(update_fields=["status"])
        emit("case.returned", hall=case.hall, matter=task.matter, case=case, actor=actor,
             data={"task": task.code, "department": task.department, "to": to, "reasons": reasons.strip()[:200]})  # fmt: skip
    return task


def request_verification(*, actor: Actor, task_id: int, department: str, question: str) -> Verification:
    """核验: put the task on hold and ask another department, in the system and timed."""
    if department not in catalog.departments():
        raise Invalid(f"没有部门「{department}」", field="department")
    if not question.strip() or len(question) > 300:
        raise Invalid("核验事项须填写，且不超过300字", field="question")
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
            to_department=department,
            question=question.strip(),
            requested_by=actor.user,
            requested_at=now,
        )
        emit("verification.started", hall=task.case.hall, matter=task.matter, case=task.case, actor=actor,
             data={"task": task.code, "verification": verification.pk, "to": department}, at=now)  # fmt: skip
    return verification


def answer_verification(
    *, actor: Actor, verification_id: int, confirmed: bool, answer: str = ""
) -> Verification:
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update(of=("self",))
            .select_related("task__case__hall", "task__matter")
            .filter(pk=verification_id, task__case__hall=actor.hall)
            .first()
        )
        if verification is None:
            raise NotFound(f"本大厅没有核验请求 {verification_id}", field="verification")
        if actor.staff.department and verification.to_department != actor.staff.department:
            raise Conflict(f"该核验请求发给{verification.to_department}", field="verification")
        if verification.answered_at:
            raise Conflict("该核验请求已答复", field="verification")
        now = clock.now()
        verification.confirmed, verification.answer = confirmed, answer.strip()[:300]
        verification.answered_by, verification.answered_at = actor.user, now
        verification.save()
        task = verification.task
        task.status = Task.Status.READY
        task.save(update_fields=["status"])
        emit("verification.finished", hall=task.case.hall, matter=task.matter, case=task.case, actor=actor,
             data={"task": task.code, "verification": verification.pk, "confirmed": confirmed,
                   "seconds": round((now - verification.requested_at).total_seconds())}, at=now)  # fmt: skip
    return verification


def work_list(actor: Actor) -> list[Task]:
    """The department's open tasks, overdue first, then by due date."""
    qs = Task.objects.select_related("case", "matter").filter(
        case__hall=actor.hall, status__in=[Task.Status.READY, Task.Status.ON_HOLD]
    )
    if actor.staff.department:
        qs = qs.filter(department=actor.staff.department)
    return list(qs.order_by("due_at", "id"))


def verification_inbox(actor: Actor) -> list[Verification]:
    qs = Verification.objects.select_related("task__case", "task__matter").filter(
        task__case__hall=actor.hall, answered_at__isnull=True
    )
    if actor.staff.department:
        qs = qs.filter(to_department=actor.staff.department)
    return list(qs.order_by("requested_at"))


DELIVERY_METHODS = {"pickup": "窗口领取", "mail": "邮寄", "electronic": "电子证照"}


def deliver(*, actor: Actor, case_id: int, method: str, tracking_number: str = "") -> Case:
    """一端出件: the result leaves by one pickup point, by mail (with tracking) or as an electronic certificate."""
    if method not in DELIVERY_METHODS:
        raise Invalid(f"出件方式须为 {'/'.join(DELIVERY_METHODS.values())}", field="method")
    if method == "mail" and not tracking_number.strip():
        raise Invalid("邮寄须填写运单号", field="tracking_number")
    get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("hall", "window", "matter")
            .get(pk=case_id)
        )
        if case.status != Case.Status.COMPLETED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，办结后才能出件", field="case")
        now = clock.now()
        case.status, case.delivered_at = Case.Status.DELIVERED, now
        case.delivery_method, case.tracking_number = method, tracking_number.strip()
        case.save(update_fields=["status", "delivered_at", "delivery_method", "tracking_number"])
        emit("case.delivered", hall=case.hall, window=case.window, matter=case.matter, case=case, actor=actor,
             data={"method": method}, at=now)  # fmt: skip
    return case
