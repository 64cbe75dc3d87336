"""Window acceptance and completion."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, Prefetch

from onevisit.accounts.models import Department, Window
from onevisit.accounts.services import Actor, department_scope
from onevisit.cases import hooks
from onevisit.cases.known import known_values
from onevisit.cases.models import (
    Case,
    CaseItem,
    CaseReturn,
    Commitment,
    FieldEntry,
    Task,
    Verification,
    Visit,
)
from onevisit.catalog import services as catalog
from onevisit.catalog.fields import FieldValueError, check_value
from onevisit.catalog.merge import FormField, MergedForm
from onevisit.catalog.models import FieldDefinition
from onevisit.core import clock, crypto
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.ids import contains_personal_number, redact
from onevisit.core.models import Event
from onevisit.core.verdicts import Verdict
from onevisit.intake import rules as intake_rules
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing


def accept(*, actor: Actor, window: Window, code: str) -> Case:
    """Accept the citizen's ticket at this window: open the case, its items, and the first visit.

    A returning citizen (same resident ID, same matter, case still open) joins that case as a further visit.
    """
    ticket = queueing.find_ticket(hall=actor.hall, code=code)
    with transaction.atomic():
        ticket = queueing.claim_for_window(ticket=ticket, window=window)
        prereview = intake.prereview_of(ticket)
        now = clock.now()
        # The ticket's own matter, or any the pre-review covers: a bundle taken at the desk may queue for its key
        # matter while the citizen's open case is for another of its matters (接续 at the desk).
        covered = [ticket.matter, *(_prereview_matters(prereview) if prereview else [])]
        existing = open_case_for(hall=actor.hall, person=ticket.person, matters=covered)
        if existing is not None:
            return _rejoin(existing, ticket=ticket, prereview=prereview, window=window, actor=actor, now=now)
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
        _open_tasks(case, catalog.tasks_for(case.bundle, matters))
        for hook in hooks.ON_ACCEPTED:
            hook(case, actor)
        if prereview and prereview.verdict == Verdict.TOLERANCE:
            # The missing items as the desk judged them, not as the catalog says today.
            judged = intake.missing_materials(prereview)
            for material in judged:
                add_commitment(case=case, material_code=material.code, due=prereview.tolerance_due, actor=actor,
                               materials={m.code: m for m in judged})  # fmt: skip
        emit(
            "case.accepted",
            hall=actor.hall,
            window=window,
            queue=ticket.queue,
            matter=ticket.matter,
            bundle=case.bundle,
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


def _rejoin(case: Case, *, ticket, prereview, window: Window, actor, now) -> Case:
    """A further visit for an open case; a returned case goes back to the departments that returned it.

    The matters the visit's pre-review adds (a bundle taken at the desk, matters added to the waiting ticket) join
    the case as a continuation does (_join_matters), with commitments for the tolerable materials they still lack,
    as an acceptance makes them; one the citizen must show and did not bring refuses the visit, naming it.
    """
    # Another window's visit of the same citizen waits for this one, then sees what it added.
    Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    existing = [i.matter for i in case.items.select_related("matter")]
    have = {m.code for m in existing}
    added = [m for m in _prereview_matters(prereview) if m.code not in have]
    promised = []
    if added and prereview.verdict == Verdict.TOLERANCE:
        checked = _checked_materials(existing) | set(case.commitments.values_list("material", flat=True))
        promised = [m for m in intake.missing_materials(prereview) if m.code not in checked]
        essential = [m.name for m in promised if not m.tolerable]
        if essential or prereview.tolerance_due is None:
            raise Invalid(
                f"小票 {ticket.number} 新增的事项缺少须当场提交的材料（{'、'.join(essential) or '未约定补交日期'}），"
                f"不能并入办件 {case.number}：请办事人带齐后再办理",
                field="materials",
            )
    visit = _record_visit(case, ticket=ticket, window=window, purpose="resubmit", actor=actor, now=now)
    if case.status == Case.Status.RETURNED:
        _corrected(case, via=CaseReturn.Via.HALL, visit=visit, actor=actor, now=now, window=window)
    if not added:
        return case
    continued = (
        not case.bundle_id
        and prereview.bundle_id
        and prereview.bundle.matters.filter(pk=case.matter_id).exists()
    )
    if continued:  # the desk took the whole bundle: the case continues into it (接续受理 at the desk)
        case.bundle = prereview.bundle
        case.save(update_fields=["bundle"])
    _join_matters(case, added=added, bundle=prereview.bundle or case.bundle, actor=actor, now=now)
    materials = {m.code: m for m in promised}
    for material in promised:
        add_commitment(case=case, material_code=material.code, due=prereview.tolerance_due, actor=actor,
                       materials=materials)  # fmt: skip
    if continued:
        _emit_continued(case, matters=_prereview_matters(prereview), added=added, actor=actor, now=now)
    return case


def judged_versions(case: Case) -> dict[str, int]:
    """Matter code → the checklist version (id) the case's pre-review judged; empty without one."""
    first = case.visits.filter(seq=1).exclude(ticket=None).select_related("ticket").first()
    prereview = intake.prereview_of(first.ticket) if first else None
    return {c: v for c, v in prereview.checklists.items() if v} if prereview else {}


def _prereview_matters(prereview) -> list:
    """The matters a pre-review covers, in its own order (a ticket with none, from the kiosk, covers its own)."""
    if prereview is None or not prereview.matters:
        return []
    by_code = {m.code: m for m in catalog.list_matters(prereview.matters)}
    return [by_code[c] for c in prereview.matters if c in by_code]


def get_case(*, actor: Actor, case_id: int) -> Case:
    case = (
        Case.objects.select_related("hall", "matter", "person", "window")
        .filter(hall=actor.hall, pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(f"本大厅没有办件 {case_id}", field="case")
    return case


def _locked_case(actor: Actor, case_id: int) -> Case:
    """Inside the caller's transaction: the hall's case (else NotFound), locked against a concurrent change."""
    get_case(actor=actor, case_id=case_id)
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("hall", "window", "matter")
        .get(pk=case_id)
    )


def complete(*, actor: Actor, case_id: int) -> Case:
    """Close the case at the window; a second completion is a conflict, not a silent success."""
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        open_tasks = case.tasks.exclude(status=Task.Status.DONE).count()
        if open_tasks and case.status == Case.Status.ACCEPTED:
            raise Conflict(f"办件 {case.number} 有后台任务，请填齐表单后移交后台，由后台办结", field="case")
        if open_tasks:
            raise Conflict(f"办件 {case.number} 尚有 {open_tasks} 个后台任务未完成，不能办结", field="case")
        if case.status in (Case.Status.COMPLETED, Case.Status.DELIVERED):
            raise Conflict(
                f"办件 {case.number} 已于 {clock.localtime(case.completed_at):%H:%M} 办结", field="case"
            )
        require_complete_form(case, doing="办结")
        _complete(case, actor=actor, now=clock.now(), at_window=True)
    return case


def _complete(case: Case, *, actor, now, at_window: bool) -> None:
    """Close the case and record it with its last visit; at_window tells window handling from back office."""
    case.status, case.completed_at = Case.Status.COMPLETED, now
    case.save(update_fields=["status", "completed_at"])
    visit = case.visits.select_related("ticket").order_by("-seq").first()
    emit("case.completed", hall=case.hall, window=case.window, matter=case.matter, case=case,
         ticket=visit.ticket if visit else None, visit=visit, actor=actor,
         data={"visits": visit.seq if visit else 0, "at_window": at_window}, at=now)  # fmt: skip


def to_deliver_at(window: Window) -> list[Case]:
    """Cases accepted at this window whose result is ready to leave (一端出件)."""
    return list(
        Case.objects.select_related("hall", "matter", "person")
        .filter(window=window, status=Case.Status.COMPLETED)
        .order_by("completed_at")[:20]
    )


def promised_by(case: Case) -> str:
    """What the receipt promises: on the spot, or when the last task of the back office's chain is due.

    Along the task graph: a started task (done or not) finishes when it is due, a waiting one its own working days
    after the last of its prerequisites (those with none count from acceptance, 受理之日起). A done task counts by
    its due date, not the day it was done: a receipt printed again after approval repeats the promise (the walk's
    reprint said the acceptance day, since every task had been done that day).
    """
    tasks = list(case.tasks.all())
    if not tasks:
        return "当场办结"
    by_code = {t.code: t for t in tasks}
    finish: dict[str, datetime] = {}

    def finish_of(t: Task) -> datetime:
        if t.code not in finish:
            if t.due_at:
                finish[t.code] = t.due_at
            else:
                start = max([case.accepted_at, *(finish_of(by_code[d]) for d in t.after if d in by_code)])
                finish[t.code] = queueing.add_working_days(start, t.time_limit_days, case.hall.timezone)
        return finish[t.code]

    limit = max(finish_of(t) for t in tasks)
    return f"{clock.localtime(limit, case.hall.timezone):%Y年%m月%d日}前"


def open_cases_at(window: Window) -> list[Case]:
    return list(
        Case.objects.select_related("hall", "matter", "person")
        .filter(
            window=window, status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS]
        )  # returned ones are listed apart, as work to do (returned_cases_at)
        .order_by("-accepted_at")[:20]
    )


# ---- the back office -------------------------------------------------------------------------------------------


def _open_tasks(case: Case, specs) -> None:
    """Create the case's tasks, all waiting: they start when the window hands the case over (移交后台), those
    with no prerequisite at once and in parallel."""
    if not specs:
        return
    matters = {m.code: m for m in catalog.list_matters([t.matter for t in specs if t.matter])}
    departments = Department.objects.in_bulk({t.department for t in specs}, field_name="code")
    Task.objects.bulk_create(
        Task(case=case, code=t.code, department=departments[t.department], matter=matters.get(t.matter),
             role=t.role or (matters[t.matter].name if t.matter in matters else "后台审核"),
             after=list(t.after), time_limit_days=t.time_limit_days)
        for t in specs
    )  # fmt: skip


def awaits_hand_over(case: Case) -> bool:
    """Accepted, with back-office work that has not been handed over yet."""
    return case.status == Case.Status.ACCEPTED and case.tasks.exists()


def hand_over(*, actor: Actor, case_id: int) -> Case:
    """移交后台: the case leaves the window for the departments once its form is complete; their first tasks start."""
    with transaction.atomic():
        case = _locked_case(actor, case_id)
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
            emit("task.started", hall=case.hall, matter=t.matter, case=case, actor=actor,
                 data={"task": t.code, "department": t.department.code, "due": t.due_at.isoformat()}, at=now)  # fmt: skip
            started.append(t)
    return started


def _in_scope(actor: Actor):
    """The tasks of the actor's hall that their department scope lets them open and decide."""
    return Task.objects.filter(department_scope(actor), case__hall=actor.hall)


def office_task(*, actor: Actor, task_id: int) -> Task:
    """A task of the actor's own department (any state), for its page: another department's is not found."""
    task = _in_scope(actor).select_related("case__hall", "case__window", "case__matter", "case__bundle",
                                           "case__person", "matter", "department").filter(pk=task_id).first()  # fmt: skip
    if task is None:
        raise NotFound(f"本部门没有后台任务 {task_id}", field="task")
    return task


def _office_task(actor: Actor, task_id: int) -> Task:
    case_id = _in_scope(actor).filter(pk=task_id).values_list("case_id", flat=True).first()
    if case_id is None:
        raise NotFound(f"本部门没有后台任务 {task_id}", field="task")
    # One decision per case at a time, always locking the case before its tasks: parallel approvals each see
    # the other's result, and no two paths take the same locks in opposite orders.
    Case.objects.select_for_update(of=("self",)).get(pk=case_id)
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
        emit("task.finished", hall=case.hall, matter=task.matter, case=case, actor=actor,
             data={"task": task.code, "department": task.department.code,
                   "seconds": round((now - task.ready_at).total_seconds()) if task.ready_at else None,
                   "overdue": bool(task.due_at and now > task.due_at)}, at=now)  # fmt: skip
        _start_ready(case, actor=actor, now=now)
        if not case.tasks.exclude(status=Task.Status.DONE).exists():
            _complete(case, actor=actor, now=now, at_window=False)
    return task


RETURN_REASONS_MAX = 500


def return_task(*, actor: Actor, task_id: int, reasons: str, to: str = "window") -> Task:
    """退件: the task goes back with its reasons, to the window or to the citizen, who correct it (补正).

    The reasons are kept on the return (resident IDs and phones masked), never in an event. Whether the promised
    time limit stops meanwhile is the task's matter's catalog rule, taken now."""
    reasons = " ".join((reasons or "").split())
    if not reasons:
        raise Invalid("退件须写明理由", field="reasons")
    if len(reasons) > RETURN_REASONS_MAX:
        raise Invalid(f"退件理由不能超过 {RETURN_REASONS_MAX} 字", field="reasons")
    if to not in CaseReturn.To.values:
        raise Invalid("退回对象须为窗口或办事人", field="to")
    with transaction.atomic():
        task = _office_task(actor, task_id)
        if task.status not in (Task.Status.READY, Task.Status.ON_HOLD):
            raise Conflict(
                f"任务「{task.role or task.code}」{task.get_status_display()}，不能退件", field="task"
            )
        now, reasons = clock.now(), redact(reasons)
        task.status, task.note, task.handled_by = Task.Status.RETURNED, reasons, actor.user
        task.save(update_fields=["status", "note", "handled_by"])
        task.verifications.filter(answered_at__isnull=True).update(
            answered_at=now, answer="因退件撤回", answered_by=actor.user
        )
        case = task.case
        case.status = Case.Status.RETURNED
        case.save(update_fields=["status"])
        pauses = correction_pauses_clock(task)
        CaseReturn.objects.create(case=case, task=task, department=task.department, reasons=reasons, to=to,
                                  returned_by=actor.user, returned_at=now, pauses_clock=pauses)  # fmt: skip
        emit(
            "case.returned",
            hall=case.hall,
            matter=task.matter,
            case=case,
            actor=actor,
            data={"task": task.code, "department": task.department.code, "to": to, "pauses_clock": pauses},
            at=now,
        )  # fmt: skip  (the reasons stay on the return: free text may hold numbers)
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
        if case.status != Case.Status.RETURNED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，没有待补正的退件", field="case")
        now = clock.now()
        visit = None
        if via == CaseReturn.Via.HALL:
            visit = _record_visit(case, ticket=None, window=window, purpose="correct", actor=actor, now=now)
        _corrected(case, via=via, visit=visit, actor=actor, now=now, window=window)
    return case


def _corrected(case: Case, *, via: str, visit: Visit | None, actor, now, window=None) -> None:
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
    emit("case.corrected", hall=case.hall, window=window or (visit.window if visit else None), matter=case.matter,
         case=case, visit=visit, actor=actor, at=now,
         data={"via": via, "visit": visit is not None, "tasks": sorted({r.task.code for r in returns}),
               "paused_seconds": paused})  # fmt: skip


def returned_cases_at(window: Window) -> list[tuple[Case, list[CaseReturn]]]:
    """退回待补正: the window's returned cases, oldest return first, each with the reasons still open."""
    cases = list(
        Case.objects.select_related("hall", "matter", "person")
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
    if not question.strip() or len(question) > 300:
        raise Invalid("核验事项须填写，且不超过300字", field="question")
    if contains_personal_number(question):
        raise Invalid("核验事项中不能写身份证号或手机号（对方部门可在案卷中看到脱敏信息）", field="question")
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
            question=question.strip(),
            requested_by=actor.user,
            requested_at=now,
            due_at=queueing.add_working_days(now, due_days, task.case.hall.timezone),
        )
        emit("verification.started", hall=task.case.hall, matter=task.matter, case=task.case, actor=actor,
             data={"task": task.code, "verification": verification.pk, "to": to.code,
                   "due": verification.due_at.isoformat()}, at=now)  # fmt: skip
    return verification


ANSWER_MAX = 300


def answer_verification(
    *, actor: Actor, verification_id: int, confirmed: bool, answer: str = ""
) -> Verification:
    """The answer (属实 / 不符, with its text) goes back to the asking task, which is ready again. 不符 needs its
    reason; personal numbers in the text are masked."""
    answer = " ".join((answer or "").split())
    if not confirmed and not answer:
        raise Invalid("核验不符须写明不符的情况", field="answer")
    if len(answer) > ANSWER_MAX:
        raise Invalid(f"答复不能超过 {ANSWER_MAX} 字", field="answer")
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
        Case.objects.select_for_update(of=("self",)).get(pk=verification.task.case_id)
        if Task.objects.get(pk=verification.task_id).status != Task.Status.ON_HOLD:
            raise Conflict("该任务已不在核验中", field="verification")
        now = clock.now()
        verification.confirmed, verification.answer = confirmed, redact(answer)
        verification.answered_by, verification.answered_at = actor.user, now
        verification.save()
        task = verification.task
        task.status = Task.Status.READY
        task.save(update_fields=["status"])
        emit("verification.finished", hall=task.case.hall, matter=task.matter, case=task.case, actor=actor,
             data={"task": task.code, "verification": verification.pk, "confirmed": confirmed,
                   "seconds": round((now - verification.requested_at).total_seconds()),
                   "overdue": verification.overdue(now)}, at=now)  # fmt: skip
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


DELIVERY_METHODS = {"pickup": "窗口领取", "mail": "邮寄", "electronic": "电子证照"}


def deliver(*, actor: Actor, case_id: int, method: str, tracking_number: str = "") -> Case:
    """一端出件: the result leaves by one pickup point, by mail (with tracking) or as an electronic certificate."""
    if method not in DELIVERY_METHODS:
        raise Invalid(f"出件方式须为 {'/'.join(DELIVERY_METHODS.values())}", field="method")
    if method == "mail" and not tracking_number.strip():
        raise Invalid("邮寄须填写运单号", field="tracking_number")
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        if case.status != Case.Status.COMPLETED:
            raise Conflict(f"办件 {case.number} {case.get_status_display()}，办结后才能出件", field="case")
        now = clock.now()
        case.status, case.delivered_at = Case.Status.DELIVERED, now
        case.delivery_method, case.tracking_number = method, tracking_number.strip()
        case.save(update_fields=["status", "delivered_at", "delivery_method", "tracking_number"])
        emit("case.delivered", hall=case.hall, window=case.window, matter=case.matter, case=case, actor=actor,
             data={"method": method}, at=now)  # fmt: skip
    return case


# ---- one form, never typed twice ---------------------------------------------------------------------------


@dataclass
class CaseForm:
    form: MergedForm
    definitions: dict[str, FieldDefinition]
    known: dict[str, tuple[str, str]]  # field → (value, source)
    entered: dict[str, str]  # every stored value of the case's form, typed or taken from what was known
    typed: set[str] = dc_field(default_factory=set)  # the fields the clerk typed or changed

    @property
    def fields(self) -> dict[str, FormField]:
        """Every field of the merged form once: the core page first, then the matters' pages."""
        found: dict[str, FormField] = {}
        for f in [*self.form.core, *(f for page in self.form.pages.values() for f in page)]:
            found.setdefault(f.field, f)
        return found

    def value(self, field: str) -> str:
        return self.entered.get(field) or self.known.get(field, ("", ""))[0]

    def prefilled(self, field: str) -> bool:
        """The form shows a value the system brought (not one the clerk typed)."""
        return field not in self.typed and bool(self.value(field))

    def readonly(self, field: str) -> bool:
        """Known personal values are shown masked and never retyped."""
        d = self.definitions.get(field)
        return field in self.known and d is not None and d.sensitivity != FieldDefinition.Sensitivity.PUBLIC

    def problems(self, today) -> dict[str, str]:
        """What stops the case from leaving the window: a required field empty, or a value that fails its rule."""
        found = {}
        for code, use in self.fields.items():
            value, d = self.value(code), self.definitions.get(code)
            if not value:
                if use.required:
                    found[code] = f"请填写{use.label}"
                continue
            if d is not None:
                try:
                    check_value(d.type, d.validation, value, label=use.label, today=today)
                except FieldValueError as exc:
                    found[code] = exc.reason
        return found


def case_form(case: Case) -> CaseForm:
    codes = list(case.items.values_list("matter__code", flat=True))
    form = catalog.merged_form(codes)
    fields = [f.field for f in form.core] + [f.field for page in form.pages.values() for f in page]
    entries = list(FieldEntry.objects.filter(case=case))
    definitions = {d.code: d for d in FieldDefinition.objects.filter(code__in=fields)}
    today = clock.local_date(case.hall.timezone)
    return CaseForm(
        form=form,
        definitions=definitions,
        # Each source's spelling of a value made the stored one ("医疗,养老" → "养老、医疗"), so what is shown,
        # prefilled and compared for the duplicate-entry figure is the value the case would store.
        known={
            code: (_normalised(definitions.get(code), value, today), source)
            for code, (value, source) in known_values(case).items()
        },
        entered={e.field: crypto.unseal(e.value) if e.sealed else e.value for e in entries},
        typed={e.field for e in entries if e.source == FieldEntry.Source.TYPED},
    )


def form_problems(case: Case) -> dict[str, str]:
    """field → what is still wrong with it before the case may leave the window."""
    return case_form(case).problems(clock.local_date(case.hall.timezone))


def require_complete_form(case: Case, *, doing: str) -> None:
    """Refuse to let a case leave the window (办结, 移交后台) while its form lacks a required or valid field."""
    cf = case_form(case)
    problems = cf.problems(clock.local_date(case.hall.timezone))
    if problems:
        names = "、".join(cf.fields[f].label for f in problems)
        raise Invalid(f"表单尚未填写完整，不能{doing}。请先填写：{names}", errors=problems)


Submitted = Mapping[str, str | Sequence[str]]  # field → the typed value, or a group's ticked choices


def save_form(
    *, actor: Actor, case_id: int, submitted: Submitted, prefilled: Iterable[str] = ()
) -> list[FieldEntry]:
    """Save the merged form as it stands, all or nothing (the API): required fields may still be empty; a value
    that fails its rule is refused, naming the field, and nothing is written.

    `prefilled` names the fields the page showed filled in by the system: such a value sent back unchanged was not
    typed and is no entry. A typed value the system already knew is a duplicate entry (DESIGN §5)."""
    return _save(actor, case_id, submitted, prefilled, keep_valid=False).saved


@dataclass
class Draft:
    case: Case
    saved: list[FieldEntry]  # the entries written now
    valid: set[str]  # the fields sent with a valid value (written now, or stored already)
    errors: dict[str, str]  # field → why its value was left out
    labels: dict[str, str]  # field → its label on this case's form

    @property
    def names(self) -> str:
        """The fields left out, by their labels."""
        return "、".join(self.labels[f] for f in self.errors)


def save_draft(*, actor: Actor, case_id: int, submitted: Submitted, prefilled: Iterable[str] = ()) -> Draft:
    """A draft always saves (the window's F8): every valid value is stored; a value that fails its rule is left
    out (not stored, no event) and comes back with its reason, so nothing typed correctly is lost."""
    return _save(actor, case_id, submitted, prefilled, keep_valid=True)


FORM_OPEN = (Case.Status.ACCEPTED, Case.Status.RETURNED)  # at the window: accepted, or back for 补正


def form_editable(case: Case) -> bool:
    """The window may change the form only while the case is at the window: once handed over the departments
    decide on what they were given, and a finished or delivered case changes no more."""
    return case.status in FORM_OPEN


def _save(actor, case_id, submitted, prefilled, *, keep_valid: bool) -> Draft:
    case = get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        # a double submit waits, then sees the first; a case handed over meanwhile is seen as such
        case.status = (
            Case.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=case.pk)
        )
        if not form_editable(case):
            raise Conflict(
                f"办件 {case.number} {case.get_status_display()}，表单不能再修改；需要改正时由后台退回补正",
                field="case",
            )
        return _save_form(actor, case, submitted, set(prefilled), keep_valid=keep_valid)


def _blank(raw: str | Sequence[str] | None) -> bool:
    if raw is None or isinstance(raw, str):
        return not (raw or "").strip()
    return not any(v and v.strip() for v in raw)


def _normalised(d: FieldDefinition | None, value: str, today) -> str:
    if d is None or not value:
        return value
    try:
        return check_value(d.type, d.validation, value, label=d.label, today=today)
    except FieldValueError:
        return value


def _save_form(
    actor: Actor, case: Case, submitted: Submitted, prefilled: set[str], *, keep_valid: bool
) -> Draft:
    cf = case_form(case)
    all_fields = cf.fields
    unknown = sorted(set(submitted) - set(all_fields))
    if unknown:
        raise Invalid(f"表单没有字段 {', '.join(unknown)}", field=unknown[0])
    today = clock.local_date(case.hall.timezone)
    values, errors = {}, {}
    for code, use in all_fields.items():
        raw = submitted.get(code)
        if _blank(raw):
            continue  # a draft: what is still empty is asked for at completion
        d = cf.definitions[code]
        try:
            values[code] = check_value(d.type, d.validation, raw, label=use.label, today=today)
        except FieldValueError as exc:
            errors[code] = exc.reason
    if errors and not keep_valid:
        names = "、".join(all_fields[c].label for c in errors)
        raise Invalid(f"以下字段填写有误，表单未保存：{names}", errors=errors)
    now, saved = clock.now(), []
    for code in all_fields:
        if code in errors:
            continue  # left out: what is stored stays as it was
        if code in submitted and _blank(submitted[code]) and code in cf.typed:
            # The clerk emptied a value they had typed (every box unticked): the form holds nothing there again.
            FieldEntry.objects.filter(case=case, field=code, source=FieldEntry.Source.TYPED).delete()
            emit("field.cleared", hall=case.hall, window=case.window, matter=case.matter, case=case, actor=actor,
                 data={"field": code}, at=now)  # fmt: skip
            continue
        d = cf.definitions[code]
        sealed = d.sensitivity != FieldDefinition.Sensitivity.PUBLIC
        known_value, known_from = cf.known.get(code, ("", ""))
        value = values.get(code)
        if value is not None and cf.entered.get(code) == value:
            continue  # sent back unchanged: no new entry
        untouched = code in prefilled and code not in cf.typed and value == known_value
        if value is None or untouched:
            if known_value and code not in cf.entered and not errors:
                # What the case used of the known values, kept with it: not an entry, nobody typed it. (Not
                # with a value left out: such a save writes only what was typed correctly; the next one keeps it.)
                FieldEntry.objects.create(
                    case=case, field=code, value=crypto.seal(known_value) if sealed else known_value,
                    sealed=sealed, source=FieldEntry.Source.KNOWN, entered_by=actor.user, entered_at=now,
                )  # fmt: skip
            continue
        duplicate = value == known_value
        entry, _ = FieldEntry.objects.update_or_create(
            case=case, field=code,
            defaults={"value": crypto.seal(value) if sealed else value, "sealed": sealed,
                      "source": FieldEntry.Source.TYPED, "duplicate": duplicate,
                      "entered_by": actor.user, "entered_at": now},
        )  # fmt: skip
        emit("field.entered", hall=case.hall, window=case.window, matter=case.matter, case=case, actor=actor,
             data={"field": code, "duplicate": duplicate, "known_from": known_from if known_value else ""},
             at=now)  # fmt: skip
        saved.append(entry)
    labels = {code: use.label for code, use in all_fields.items()}
    return Draft(case=case, saved=saved, valid=set(values), errors=errors, labels=labels)


# ---- tolerance, visits, continuation -------------------------------------------------------------------------


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
    emit("commitment.made", hall=case.hall, matter=case.matter, case=case, actor=actor,
         data={"material": material.code, "due": due.isoformat()})  # fmt: skip
    return commitment


def supply(*, actor: Actor, commitment_id: int, via: str, window: Window | None = None) -> Commitment:
    """The promised material arrives online, by mail, or at the hall — only the hall is a round trip."""
    if via not in ("online", "mail", "hall"):
        raise Invalid("补交方式须为网上、邮寄或大厅", field="via")
    with transaction.atomic():
        commitment = (
            Commitment.objects.select_for_update(of=("self",)).select_related("case__hall")
            .filter(pk=commitment_id, case__hall=actor.hall).first()
        )  # fmt: skip
        if commitment is None:
            raise NotFound(f"本大厅没有容缺承诺 {commitment_id}", field="commitment")
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
            _record_visit(case, ticket=None, window=window, purpose="supply", actor=actor, now=now)
        emit("commitment.supplied", hall=case.hall, matter=case.matter, case=case, actor=actor,
             data={"material": commitment.material, "via": via, "late": clock.local_date(case.hall.timezone) > commitment.due})  # fmt: skip
    return commitment


def overdue_commitments(hall) -> list[Commitment]:
    today = clock.local_date(hall.timezone)
    return list(
        Commitment.objects.select_related("case").filter(
            case__hall=hall, status=Commitment.Status.OPEN, due__lt=today
        )
    )


def _record_visit(case: Case, *, ticket, window, purpose: str, actor, now) -> Visit:
    seq = (case.visits.aggregate(n=Max("seq"))["n"] or 0) + 1
    visit = Visit.objects.create(
        case=case, ticket=ticket, window=window, seq=seq, started_at=now, purpose=purpose
    )
    emit("visit.recorded", hall=case.hall, window=window, matter=case.matter, case=case, ticket=ticket, visit=visit,
         actor=actor, data={"visit_seq": seq, "purpose": purpose}, at=now)  # fmt: skip
    return visit


def open_case_for(*, hall, person, matters: Iterable) -> Case | None:
    """A returning citizen's open case for one of these matters (recognised by the keyed digest of the ID)."""
    if person is None:
        return None
    return (
        Case.objects.filter(hall=hall, person=person, items__matter__in=list(matters))
        .filter(status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS, Case.Status.RETURNED])
        .order_by("-accepted_at")
        .distinct()
        .first()
    )


def continuation_offers(case: Case) -> list:
    """接续受理: the bundles that contain the case's matter, offered after a single matter is accepted."""
    if case.bundle_id:
        return []
    return catalog.bundles_containing(case.matter)


@dataclass
class ContinuationCheck:
    """What continuation adds, and what the citizen must show for it: the added matters' materials, reviewed as
    the guide desk reviews them (免提交 items the hall obtains itself; tolerable ones may be promised)."""

    checklist: Any
    added: list
    needed: list  # merged materials the added matters need that the case has not already been checked for

    @property
    def codes(self) -> set[str]:
        return {m.code for m in self.needed}


def continuation_check(*, actor: Actor, case_id: int, bundle_code: str, answers: dict | None = None):
    """The checklist a continuation would add, checked before anything is written."""
    case = get_case(actor=actor, case_id=case_id)
    bundle = catalog.get_bundle(bundle_code)
    if not bundle.matters.filter(pk=case.matter_id).exists():
        raise Invalid(f"「{bundle.name}」不包含事项「{case.matter.name}」，不能接续", field="bundle")
    if case.bundle_id:
        raise Conflict(f"办件 {case.number} 已属于「{case.bundle.name}」", field="case")
    if case.status not in (Case.Status.ACCEPTED, Case.Status.IN_PROGRESS):
        raise Conflict(f"办件 {case.number} {case.get_status_display()}，不能接续受理", field="case")
    checklist = intake.checklist(bundle_code=bundle_code, answers=answers or {})
    existing = {i.matter for i in case.items.select_related("matter")}
    existing_codes = {m.code for m in existing}
    checked = _checked_materials(existing)
    added = [m for m in checklist.matters if m.code not in existing_codes]
    added_codes = {m.code for m in added}
    needed = [
        m for m in checklist.materials
        if set(m.matters) & added_codes and m.code not in checked and not m.shared
    ]  # fmt: skip
    return case, bundle, ContinuationCheck(checklist, added, needed)


def continue_into(*, actor: Actor, case_id: int, bundle_code: str, answers: dict | None = None,
                  present: Iterable[str] = (), commitment_signed: bool = False, tolerance_due=None) -> Case:  # fmt: skip
    """Turn a single-matter case into its bundle, keeping every value, material and task already taken.

    The added matters' materials are reviewed as at the guide desk: an essential one missing refuses the
    continuation, naming it; tolerable ones missing need the citizen's signed commitment and a due date. The
    bundle's task graph is kept whole: a step for a matter the case already has is that matter's existing task
    (done counts as done), so later steps wait for it instead of starting beside it."""
    case, bundle, check = continuation_check(
        actor=actor, case_id=case_id, bundle_code=bundle_code, answers=answers
    )
    present = set(present)
    unknown = sorted(present - {m.code for m in check.checklist.materials})
    if unknown:
        raise Invalid(f"「{bundle.name}」的清单中没有材料 {', '.join(unknown)}", field="materials")
    review = intake_rules.review(
        [intake_rules.Requirement(m.code, m.name, m.tolerable) for m in check.needed], present
    )
    if review.verdict is Verdict.INCOMPLETE:
        essential = "、".join(r.name for r in review.missing if not r.tolerable)
        raise Invalid(f"新增事项缺少必须当场提交的材料，不能接续受理：{essential}", field="materials")
    if review.verdict is Verdict.TOLERANCE:
        needed = {m.code: m for m in check.needed}
        intake.check_tolerance(
            [needed[r.code] for r in review.missing], commitment_signed=commitment_signed,
            tolerance_due=tolerance_due, today=clock.local_date(case.hall.timezone),
        )  # fmt: skip
    with transaction.atomic():
        case = _locked_case(actor, case_id)
        if case.bundle_id:
            raise Conflict(f"办件 {case.number} 已属于「{bundle.name}」", field="case")
        case.bundle = bundle
        case.save(update_fields=["bundle"])
        now = clock.now()
        _join_matters(case, added=check.added, bundle=bundle, actor=actor, now=now)
        materials = {m.code: m for m in check.needed}
        for missing in review.missing:
            add_commitment(
                case=case, material_code=missing.code, due=tolerance_due, actor=actor, materials=materials
            )
        _emit_continued(case, matters=check.checklist.matters, added=check.added, actor=actor, now=now)
    return case


def _checked_materials(matters: Iterable) -> set[str]:
    """The materials the case was already checked for: those of the matters it has."""
    return {m.code for matter in matters for m in catalog.materials_of(matter)}


def _join_matters(case: Case, *, added: list, bundle, actor, now) -> None:
    """Add matters to an open case (continuation, or a returning citizen's pre-review): one item each, and their
    back-office steps in `bundle`'s task graph.

    The graph is kept whole: the step of a matter the case already has is that matter's existing task (later
    steps wait for it by its code, and a done one counts as done; a matter finished at the window has no task,
    and waiting for it is waiting for nothing); a matter outside the graph gets its own task. A case that had
    already left the window comes back to it (ACCEPTED): nothing added starts before the clerk hands it over
    (移交后台), which needs the added matters' required fields; what the departments already have goes on.
    """
    existing = [i.matter for i in case.items.select_related("matter")]
    CaseItem.objects.bulk_create(CaseItem(case=case, matter=m) for m in added)
    _open_tasks(case, _added_steps(case, bundle, existing, added))
    if case.status == Case.Status.IN_PROGRESS:
        case.status = Case.Status.ACCEPTED
        case.save(update_fields=["status"])


def _added_steps(case: Case, bundle, existing: list, added: list) -> list:
    """The task specs the added matters bring, their prerequisites pointing at the case's existing tasks."""
    have = {m.code for m in existing}
    in_graph = set(bundle.matters.values_list("code", flat=True)) if bundle else {m.code for m in added}
    graph = catalog.tasks_for(bundle, [*existing, *(m for m in added if m.code in in_graph)])
    graph += catalog.tasks_for(None, [m for m in added if m.code not in in_graph])
    tasks = list(case.tasks.select_related("matter"))
    current = {t.matter.code: t.code for t in tasks if t.matter_id}
    stands_for = {t.code: current[t.matter] for t in graph if t.matter in have and t.matter in current}
    dropped = {t.code for t in graph if t.matter in have}
    known = {t.code: t.matter.code if t.matter_id else "" for t in tasks}
    steps = []
    for t in graph:
        if t.code in dropped or known.get(t.code) == t.matter:
            continue  # the step of a matter the case has, or a step of no matter it has already
        if t.code in known:
            names = "、".join(m.name for m in added if m.code == t.matter) or "新增事项"
            raise Conflict(
                f"「{names}」的后台任务与办件 {case.number} 已有的任务冲突，不能并入", field="case"
            )
        after = (stands_for.get(a, a) for a in t.after if a in stands_for or a not in dropped)
        steps.append(replace(t, after=tuple(dict.fromkeys(after))))
    return steps


def _emit_continued(case: Case, *, matters: list, added: list, actor, now) -> None:
    emit("case.continued", hall=case.hall, window=case.window, matter=case.matter, bundle=case.bundle, case=case,
         actor=actor, data={"from": case.matter.code, "matters": [m.code for m in matters],
                            "added": [m.code for m in added]}, at=now)  # fmt: skip


OUTLIER_NOTE_MAX = 200


def flag_outlier(*, actor: Actor, case_id: int, note: str) -> Case:
    """样本外的极端案例: staff mark a case (a system failure, a citizen who left and came back hours later) so that
    the metrics list it apart, with this note, instead of counting it in the means. Once per case."""
    case = get_case(actor=actor, case_id=case_id)
    note = " ".join((note or "").split())
    if len(note) < 2:
        raise Invalid("请写明原因（至少 2 个字），例如“系统故障，等待 2 小时”", field="note")
    if len(note) > OUTLIER_NOTE_MAX:
        raise Invalid(f"原因不能超过 {OUTLIER_NOTE_MAX} 个字", field="note")
    if contains_personal_number(note):
        raise Invalid("原因中不能写身份证号或手机号", field="note")
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        if Event.objects.filter(
            type="case.outlier_flagged", hall=case.hall.code, case=case.event_ref
        ).exists():
            raise Conflict(f"办件 {case.number} 已标记为极端案例", field="case")
        emit("case.outlier_flagged", hall=case.hall, window=case.window, matter=case.matter, bundle=case.bundle,
             case=case, actor=actor, data={"note": note})  # fmt: skip
    return case


def open_cases_of(hall, person) -> list[str]:
    """The citizen's open cases in words, for the guide desk (plugged into intake.services.OPEN_CASES)."""
    cases = (
        Case.objects.filter(hall=hall, person=person)
        .filter(status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS, Case.Status.RETURNED])
        .select_related("matter", "bundle")
        .order_by("accepted_at")
    )
    return [
        f"办件 {c.number}（{c.bundle.name if c.bundle_id else c.matter.name}，{c.get_status_display()}）"
        for c in cases
    ]
