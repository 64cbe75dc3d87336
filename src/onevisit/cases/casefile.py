"""The case file (案卷) as the back office reads it before deciding: who applied (masked), the merged form, the
materials of its matters as the guide desk checked them, the pre-review's verdict and commitments, what other
systems returned (failed checks first), and the history of visits, returns and verifications.

Read-only: the task page and the API show it; the decisions stay in services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from onevisit.cases import hooks
from onevisit.cases.models import Case, CaseReturn, Commitment, Task, Verification, Visit
from onevisit.catalog.models import FieldDefinition
from onevisit.core import clock, people
from onevisit.core.durations import human_duration
from onevisit.core.ids import mask_birth_date, mask_name, mask_phone, mask_resident_id
from onevisit.intake import services as intake


def shown_value(
    definition: FieldDefinition | None, field: str, value: str, *, mask_names: bool = False
) -> str:
    """A form value as a page shows it: identity numbers and phones always masked, sensitive values to their last
    four characters, names masked where the reader does not serve the citizen face to face (the back office)."""
    if not value:
        return ""
    kind = definition.type if definition else ""
    if kind == FieldDefinition.Type.RESIDENT_ID or field == "resident_id":
        return mask_resident_id(value)
    if kind == FieldDefinition.Type.PHONE or field == "phone":
        return mask_phone(value)
    if field == "birth_date":  # the applicant's, which the ID holds: its year only (core.ids.mask_birth_date)
        return mask_birth_date(value)
    if mask_names and field == "name":
        return mask_name(value)
    if definition and definition.sensitivity == FieldDefinition.Sensitivity.SENSITIVE:
        return "*" * max(len(value) - 4, 4) + (value[-4:] if len(value) > 8 else "")
    return value


@dataclass(frozen=True)
class Applicant:
    name: str
    resident_id: str
    phone: str


@dataclass(frozen=True)
class MaterialState:
    name: str
    state: str  # 已收 | 免提交 | 容缺待补 | 已补交 | 本次不适用 | 未收
    note: str = ""
    missing: bool = False


@dataclass(frozen=True)
class HistoryItem:
    at: datetime
    kind: str  # visit | task | return | correction | verification | answer | completion | delivery
    text: str
    alert: bool = False


@dataclass
class CaseFile:
    case: Case
    applicant: Applicant | None
    matters: list[str]
    form: list[tuple[str, list[tuple[str, str, bool]]]]  # (page title, [(label, shown value, required)])
    verdict: str
    materials: list[MaterialState]
    commitments: list[Commitment]
    facts: list[hooks.FactSection]
    tasks: list[Task]
    returns: list[CaseReturn]
    verifications: list[Verification]
    history: list[HistoryItem] = field(default_factory=list)

    @property
    def failed_checks(self) -> list[tuple[str, str]]:
        """(source title, message) of every failed check: shown at the top of the task page."""
        return [(s.title, f.message) for s in self.facts for f in s.failed]


def build(case: Case, *, now: datetime | None = None) -> CaseFile:
    from onevisit.cases import services

    now = now or clock.now()
    cf = services.case_form(case)
    items = list(case.items.select_related("matter"))
    names = {i.matter.code: i.matter.name for i in items}
    pages = [("核心信息（各事项共用）", cf.form.core)] + [
        (names.get(code, code), fields) for code, fields in cf.form.pages.items() if fields
    ]
    form = [
        (
            title,
            [
                (
                    f.label,
                    shown_value(cf.definitions.get(f.field), f.field, cf.value(f.field), mask_names=True),
                    f.required,
                )
                for f in fields
            ],
        )
        for title, fields in pages
    ]
    visits = list(case.visits.select_related("ticket", "window").order_by("seq"))
    prereview = intake.prereview_of(visits[0].ticket) if visits and visits[0].ticket else None
    commitments = list(case.commitments.all())
    tasks = list(case.tasks.select_related("matter", "handled_by", "department"))
    returns = list(case.returns.select_related("task", "visit", "department"))
    verifications = list(
        Verification.objects.filter(task__case=case)
        .select_related("task__department", "to_department")
        .order_by("requested_at", "id")
    )
    return CaseFile(
        case=case,
        applicant=_applicant(case),
        matters=[i.matter.name for i in items],
        form=form,
        verdict=prereview.get_verdict_display() if prereview else "未经导引台预审",
        materials=_materials(prereview, commitments),
        commitments=commitments,
        facts=[section for facts in hooks.FACTS for section in facts(case)],
        tasks=tasks,
        returns=returns,
        verifications=verifications,
        history=history(
            case, visits=visits, tasks=tasks, returns=returns, verifications=verifications, now=now
        ),
    )


def _applicant(case: Case) -> Applicant | None:
    person = case.person
    if person is None:
        return None
    return Applicant(
        name=mask_name(people.name_at(person, case.accepted_at)),
        resident_id=person.id_masked,
        phone=person.phone_masked,
    )


def _materials(prereview, commitments: list[Commitment]) -> list[MaterialState]:
    """The merged checklist the guide desk reviewed, each item with what became of it."""
    if prereview is None:
        return []
    promised = {c.material: c for c in commitments}
    present, missing = set(prereview.present), set(prereview.missing)
    found = []
    for m in intake.materials_of(prereview):
        note, gap = "", False
        if m.code in prereview.not_applicable:
            state, note = "本次不适用", prereview.not_applicable[m.code]
        elif m.code in promised:
            c = promised[m.code]
            if c.status == Commitment.Status.SUPPLIED:
                state = "已补交"
            else:
                state, note, gap = "容缺待补", f"承诺 {c.due:%Y-%m-%d} 前补交", True
        elif m.shared:
            state = "免提交"
        elif m.code in present:
            state = "已收"
        elif m.code in missing:
            state, gap = "未收", True
        else:
            state = "已收"
        found.append(MaterialState(m.name, state, note, gap))
    return found


def case_history(case: Case) -> list[HistoryItem]:
    """The history alone, for the window's case page (which shows the rest of the case its own way)."""
    return history(
        case,
        visits=list(case.visits.select_related("ticket", "window").order_by("seq")),
        tasks=list(case.tasks.select_related("matter", "department")),
        returns=list(case.returns.select_related("task", "department")),
        verifications=list(
            Verification.objects.filter(task__case=case)
            .select_related("task__department", "to_department")
            .order_by("requested_at", "id")
        ),
        now=clock.now(),
    )


def history(
    case: Case,
    *,
    visits: list[Visit],
    tasks: list[Task],
    returns: list[CaseReturn],
    verifications: list[Verification],
    now: datetime,
) -> list[HistoryItem]:
    """What happened to the case, oldest first: visits, the back office's steps, returns and their correction,
    verification requests and answers, completion and delivery."""
    items = [
        HistoryItem(
            case.accepted_at,
            "visit",
            f"受理（第1次到访，{visits[0].window.name if visits and visits[0].window else '窗口'}）",
        )
    ]
    purposes = {
        "resubmit": "再次到访（凭新小票）",
        "supply": "到大厅补交容缺材料",
        "correct": "到大厅窗口补正",
    }
    for v in visits[1:]:
        where = f"，{v.window.name}" if v.window else ""
        items.append(
            HistoryItem(
                v.started_at, "visit", f"第{v.seq}次到访：{purposes.get(v.purpose, v.purpose)}{where}"
            )
        )
    for t in tasks:
        step = t.role or t.code
        if t.ready_at:
            items.append(HistoryItem(t.ready_at, "task", f"{t.department}开始办理「{step}」"))
        if t.status == Task.Status.DONE and t.done_at:
            took = human_duration((t.done_at - t.ready_at).total_seconds()) if t.ready_at else ""
            items.append(
                HistoryItem(
                    t.done_at,
                    "task",
                    f"{t.department}审批通过「{step}」"
                    + (f"，用时 {took}" if took else "")
                    + (f"：{t.note}" if t.note else ""),
                )
            )
    for r in returns:
        items.append(
            HistoryItem(
                r.returned_at,
                "return",
                f"{r.department}退件（{r.get_to_display()}）：{r.reasons}",
                alert=True,
            )
        )
        if r.corrected_at:
            paused = f"，时限顺延 {human_duration(r.paused_seconds)}" if r.paused_seconds else ""
            items.append(
                HistoryItem(
                    r.corrected_at, "correction", f"已补正（{r.get_corrected_via_display()}）{paused}"
                )
            )
    for v in verifications:
        due = f"，期限 {clock.localtime(v.due_at, case.hall.timezone):%m-%d %H:%M}" if v.due_at else ""
        items.append(
            HistoryItem(
                v.requested_at,
                "verification",
                f"{v.task.department}请{v.to_department}核验：{v.question}{due}",
            )
        )
        if v.answered_at:
            verdict = "核验属实" if v.confirmed else ("核验不符" if v.confirmed is False else "撤回")
            late = "（逾期答复）" if v.overdue(now) else ""
            items.append(
                HistoryItem(
                    v.answered_at,
                    "answer",
                    f"{v.to_department}答复：{verdict}{'：' + v.answer if v.answer else ''}，用时 {human_duration(v.seconds)}{late}",
                    alert=v.confirmed is False or bool(late),
                )
            )
        elif v.overdue(now):
            items.append(HistoryItem(now, "verification", f"{v.to_department}核验已超期未答复", alert=True))
    if case.completed_at:
        items.append(HistoryItem(case.completed_at, "completion", "办结"))
    if case.delivered_at:
        items.append(HistoryItem(case.delivered_at, "delivery", "出件"))
    return sorted(items, key=lambda i: i.at)
