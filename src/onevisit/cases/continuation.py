"""接续受理: a single-matter case continued into its bundle, or joined by the matters of a further visit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction

from onevisit.accounts.services import Actor
from onevisit.cases.backoffice import create_tasks
from onevisit.cases.common import get_case, locked_case
from onevisit.cases.models import Case, CaseItem
from onevisit.cases.tolerance import add_commitment
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit
from onevisit.core.verdicts import Verdict
from onevisit.intake import rules as intake_rules
from onevisit.intake import services as intake


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
    checked = checked_materials(existing)
    added = [m for m in checklist.matters if m.code not in existing_codes]
    added_codes = {m.code for m in added}
    needed = [
        m
        for m in checklist.materials
        if set(m.matters) & added_codes and m.code not in checked and not m.shared
    ]
    return case, bundle, ContinuationCheck(checklist, added, needed)


def continue_into(
    *,
    actor: Actor,
    case_id: int,
    bundle_code: str,
    answers: dict | None = None,
    present: Iterable[str] = (),
    commitment_signed: bool = False,
    tolerance_due=None,
) -> Case:
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
            [needed[r.code] for r in review.missing],
            commitment_signed=commitment_signed,
            tolerance_due=tolerance_due,
            today=clock.local_date(case.hall.timezone),
        )
    with transaction.atomic():
        case = locked_case(actor, case_id)
        if case.bundle_id:
            raise Conflict(f"办件 {case.number} 已属于「{bundle.name}」", field="case")
        case.bundle = bundle
        case.save(update_fields=["bundle"])
        now = clock.now()
        join_matters(case, added=check.added, bundle=bundle, actor=actor, now=now)
        materials = {m.code: m for m in check.needed}
        for missing in review.missing:
            add_commitment(
                case=case, material_code=missing.code, due=tolerance_due, actor=actor, materials=materials
            )
        emit_continued(case, matters=check.checklist.matters, added=check.added, actor=actor, now=now)
    return case


def checked_materials(matters: Iterable) -> set[str]:
    """The materials the case was already checked for: those of the matters it has."""
    return {m.code for matter in matters for m in catalog.materials_of(matter)}


def join_matters(case: Case, *, added: list, bundle, actor, now) -> None:
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
    create_tasks(case, _added_steps(case, bundle, existing, added))
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


def emit_continued(case: Case, *, matters: list, added: list, actor, now) -> None:
    emit(
        "case.continued",
        hall=case.hall,
        window=case.window,
        matter=case.matter,
        bundle=case.bundle,
        case=case,
        actor=actor,
        data={
            "from": case.matter.code,
            "matters": [m.code for m in matters],
            "added": [m.code for m in added],
        },
        at=now,
    )
