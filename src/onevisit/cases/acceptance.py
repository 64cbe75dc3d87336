"""Window acceptance (a new case, or a returning citizen's further visit) and completion at the window."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from onevisit.accounts.models import Window
from onevisit.accounts.services import Actor
from onevisit.cases import hooks
from onevisit.cases.backoffice import corrected_returns, create_tasks
from onevisit.cases.caseform import require_complete_form
from onevisit.cases.common import close_case, locked_case, open_case_for, record_visit
from onevisit.cases.continuation import checked_materials, emit_continued, join_matters
from onevisit.cases.models import Case, CaseItem, CaseReturn, Task, Visit
from onevisit.cases.tolerance import add_commitment
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit
from onevisit.core.verdicts import Verdict
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
        create_tasks(case, catalog.tasks_for(case.bundle, matters))
        for hook in hooks.ON_ACCEPTED:
            hook(case, actor)
        if prereview and prereview.verdict == Verdict.TOLERANCE:
            # The missing items as the desk judged them, not as the catalog says today.
            judged = intake.missing_materials(prereview)
            for material in judged:
                add_commitment(
                    case=case,
                    material_code=material.code,
                    due=prereview.tolerance_due,
                    actor=actor,
                    materials={m.code: m for m in judged},
                )
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
    the case as a continuation does (join_matters), with commitments for the tolerable materials they still lack,
    as an acceptance makes them; one the citizen must show and did not bring refuses the visit, naming it.
    """
    # Another window's visit of the same citizen waits for this one, then sees what it added.
    Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    existing = [i.matter for i in case.items.select_related("matter")]
    have = {m.code for m in existing}
    added = [m for m in _prereview_matters(prereview) if m.code not in have]
    promised = []
    if added and prereview.verdict == Verdict.TOLERANCE:
        checked = checked_materials(existing) | set(case.commitments.values_list("material", flat=True))
        promised = [m for m in intake.missing_materials(prereview) if m.code not in checked]
        essential = [m.name for m in promised if not m.tolerable]
        if essential or prereview.tolerance_due is None:
            raise Invalid(
                f"小票 {ticket.number} 新增的事项缺少须当场提交的材料（{'、'.join(essential) or '未约定补交日期'}），"
                f"不能并入办件 {case.number}：请办事人带齐后再办理",
                field="materials",
            )
    visit = record_visit(case, ticket=ticket, window=window, purpose="resubmit", actor=actor, now=now)
    if case.status == Case.Status.RETURNED:
        corrected_returns(case, via=CaseReturn.Via.HALL, visit=visit, actor=actor, now=now, window=window)
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
    join_matters(case, added=added, bundle=prereview.bundle or case.bundle, actor=actor, now=now)
    materials = {m.code: m for m in promised}
    for material in promised:
        add_commitment(
            case=case,
            material_code=material.code,
            due=prereview.tolerance_due,
            actor=actor,
            materials=materials,
        )
    if continued:
        emit_continued(case, matters=_prereview_matters(prereview), added=added, actor=actor, now=now)
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


def complete(*, actor: Actor, case_id: int) -> Case:
    """Close the case at the window; a second completion is a conflict, not a silent success."""
    with transaction.atomic():
        case = locked_case(actor, case_id)
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
        close_case(case, actor=actor, now=clock.now(), at_window=True)
    return case


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
        Case.objects.select_related("hall", "matter", "bundle", "person")
        .filter(
            window=window, status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS]
        )  # returned ones are listed apart, as work to do (returned_cases_at)
        .order_by("-accepted_at")[:20]
    )


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
