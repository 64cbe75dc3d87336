"""The catalog's use cases: read what applies, resolve situations, and the legal section's version workflow."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet
from pypinyin import lazy_pinyin

from onevisit.accounts import roles
from onevisit.accounts.services import require_role
from onevisit.catalog import diff as diffing
from onevisit.catalog import merge, tasks
from onevisit.catalog.models import (
    Bundle,
    ChecklistCheck,
    ChecklistVersion,
    Clause,
    FieldDefinition,
    Material,
    Matter,
    MatterField,
)
from onevisit.catalog.situations import (
    AddMaterial,
    AnswerError,
    BundleMatter,
    BundleSpec,
    DropMaterial,
    MaterialSpec,
    MatterSpec,
    Option,
    Question,
    resolve,
)
from onevisit.core import clock
from onevisit.core.errors import Conflict, Forbidden, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.freetext import free_text

# ---- reading ------------------------------------------------------------------------------------------------


# Where matters can be booked online (网上预约): the queueing domain adds its lookup at start-up (queueing.apps),
# the catalog knowing nothing of halls' queues. Each gives [(hall name, address)] for any of the matter codes
# (None: for any matter).
BOOKING_PLACES: list[Callable[[set[str] | None], list[tuple[str, str]]]] = []


def booking_places(codes: set[str] | None = None) -> list[tuple[str, str]]:
    return [place for lookup in BOOKING_PLACES for place in lookup(codes)]


def get_matter(code: str) -> Matter:
    matter = Matter.objects.filter(code=code).first()
    if matter is None:
        raise NotFound(f"未找到事项 {code}", field="matter")
    return matter


def get_bundle(code: str) -> Bundle:
    bundle = Bundle.objects.select_related("key_matter").filter(code=code).first()
    if bundle is None:
        raise NotFound(f"未找到一件事 {code}", field="bundle")
    return bundle


def list_matters(codes: list[str] | None = None, *, published_only: bool = False) -> list[Matter]:
    qs = Matter.objects.select_related("department")
    if published_only:
        qs = qs.filter(checklists__in=in_force())
    if codes is not None:
        qs = qs.filter(code__in=codes)
    return list(qs)


def list_bundles() -> list[Bundle]:
    return list(Bundle.objects.select_related("key_matter").prefetch_related("matters"))


def bundles_containing(matter: Matter) -> list[Bundle]:
    return list(Bundle.objects.filter(members__matter=matter).order_by("code"))


def in_force(day: date | None = None) -> QuerySet[ChecklistVersion]:
    """The versions in force on `day` (default today), one per matter: a temporary change up to and including its
    end date, else the standing published version. Computed from dates, so the standing version returns the day
    after the end date without anything having to run."""
    day = day or clock.local_date()
    Status = ChecklistVersion.Status
    running = Q(status=Status.TEMPORARY, ends_on__gte=day)
    covered = ChecklistVersion.objects.filter(running, matter=OuterRef("matter"))
    return ChecklistVersion.objects.filter(running | (Q(status=Status.PUBLISHED) & ~Exists(covered)))


def checklist_in_force(matter: Matter, day: date | None = None) -> ChecklistVersion | None:
    return in_force(day).filter(matter=matter).first()


def published_checklist(matter: Matter) -> ChecklistVersion | None:
    """The standing version (已发布): what applies when no temporary change runs, and what a new draft starts from."""
    return matter.checklists.filter(status=ChecklistVersion.Status.PUBLISHED).first()


def temporary_checklist(matter: Matter) -> ChecklistVersion | None:
    """The matter's temporary change, running or already past its end date (then kept until the next publication)."""
    return matter.checklists.filter(status=ChecklistVersion.Status.TEMPORARY).first()


def materials_of(matter: Matter, *, version: int | None = None) -> list[Material]:
    """The materials of the matter's checklist in force today, in order; or of the version given (its id), as a
    pre-review judged it."""
    qs = Material.objects.select_related("clause").filter(matter=matter)
    return list(qs.filter(checklist=version) if version else qs.filter(checklist__in=in_force()))


def search_text(name: str, code: str = "") -> str:
    """What a guide types to find an item: the name, its code, full pinyin and initials (参保登记 → cbdj)."""
    syllables = lazy_pinyin(name, errors="ignore")
    return " ".join([name, code, "".join(syllables), "".join(s[0] for s in syllables if s)]).lower()


def matter_names() -> dict[str, str]:
    return dict(Matter.objects.values_list("code", "name"))


def clause_titles(refs) -> dict[str, str]:
    """Clause references (code@YYYY-MM) to what staff and citizens read: the title and its version."""
    wanted = {r for r in refs if r}
    codes = {r.partition("@")[0] for r in wanted}
    return {c.ref: str(c) for c in Clause.objects.filter(code__in=codes) if c.ref in wanted}


def bundle_names() -> dict[str, str]:
    return dict(Bundle.objects.values_list("code", "name"))


def matter_specs(codes: list[str] | None = None, *, standing: bool = False) -> dict[str, MatterSpec]:
    """Pure specs of matters (the materials in force today, or of the standing version, and form fields) for the
    situation and merge rules."""
    versions = (
        ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED) if standing else in_force()
    )
    published = Material.objects.select_related("clause").filter(checklist__in=versions)
    qs = Matter.objects.prefetch_related(
        Prefetch("materials", queryset=published, to_attr="published_materials"),
        Prefetch("form_fields", queryset=MatterField.objects.select_related("field")),
    )
    if codes is not None:
        qs = qs.filter(code__in=codes)
    return {
        m.code: MatterSpec(
            code=m.code,
            name=m.name,
            materials=tuple(x.spec() for x in m.published_materials),
            fields=tuple(f.spec() for f in m.form_fields.all()),
            version=m.published_materials[0].checklist_id if m.published_materials else None,
        )
        for m in qs
    }


def bundle_spec(bundle: Bundle) -> BundleSpec:
    """The stored situation rules as the pure module's types (validated on import)."""
    return spec_from_data(bundle.code, bundle.name, bundle.key_matter.code, bundle.spec)


def spec_from_data(code: str, name: str, key_matter: str, data: dict[str, Any]) -> BundleSpec:
    def material(d: dict) -> MaterialSpec:
        return MaterialSpec(
            code=d["code"],
            name=d["name"],
            original=bool(d.get("original", False)),
            electronic=bool(d.get("electronic", False)),
            stamp=d.get("stamp") or "",
            copies=int(d.get("copies", 1)),
            tolerable=bool(d.get("tolerable", False)),
            shared=bool(d.get("shared", False)),
            clause=d.get("clause") or "",
            note=d.get("note") or "",
            exempt_if=d.get("exempt_if") or "",
            due_working_days=d.get("due_working_days"),
        )

    return BundleSpec(
        code=code,
        name=name,
        key_matter=key_matter,
        questions=tuple(
            Question(
                code=q["code"],
                text=q.get("text", ""),
                kind=q.get("kind", ""),
                options=tuple(Option(o["code"], o.get("label", o["code"])) for o in q.get("options", [])),
                min=q.get("min"),
                max=q.get("max"),
                when=q.get("when"),
                field=q.get("field") or "",
            )
            for q in data.get("questions", [])
        ),
        matters=tuple(
            BundleMatter(m, None) if isinstance(m, str) else BundleMatter(m["matter"], m.get("when"))
            for m in data.get("matters", [])
        ),
        add_materials=tuple(
            AddMaterial(a["matter"], material(a["material"]), a.get("when"))
            for a in data.get("add_materials", [])
        ),
        drop_materials=tuple(
            DropMaterial(d["matter"], d["material"], d.get("when")) for d in data.get("drop_materials", [])
        ),
    )


ANSWER_PREFIX = "q-"


def answers_from_query(query, bundle_code: str | None) -> dict[str, Any]:
    """Answers from a page's query or form data: q-<question>=<value>, repeated for multiple choice."""
    if not bundle_code:
        return {}
    spec = bundle_spec(get_bundle(bundle_code))
    raw: dict[str, Any] = {}
    for key in query:
        if key.startswith(ANSWER_PREFIX):
            code = key[len(ANSWER_PREFIX) :]
            q = spec.question(code)
            raw[code] = query.getlist(key) if q is not None and q.kind == "multiple" else query.get(key)
    return raw


# ---- back-office task graphs -----------------------------------------------------------------------------------


def _task(d: dict) -> tasks.TaskSpec:
    return tasks.TaskSpec(
        code=d["code"],
        department=d["department"],
        matter=d.get("matter", ""),
        time_limit_days=d.get("time_limit_days", 1),
        after=tuple(d.get("after") or ()),
        role=d.get("role", ""),
    )


def task_problems(data: list, bundle_matters: list[str]) -> list[str]:
    """What is wrong with a bundle's task list, in words; empty when it can be used."""
    if not isinstance(data, list):
        return ["tasks 须为列表"]
    problems = []
    for i, d in enumerate(data):
        if not isinstance(d, dict) or not all(
            isinstance(d.get(k), str) and d.get(k) for k in ("code", "department")
        ):
            problems.append(f"任务[{i}] 须有文字的 code 和 department")
        elif d.get("matter") and d["matter"] not in bundle_matters:
            problems.append(f"任务 {d['code']} 的事项 {d['matter']} 不在本一件事中")
        elif not isinstance(d.get("after", []), list) or not isinstance(d.get("time_limit_days", 1), int):
            problems.append(f"任务 {d['code']}: after 须为列表，time_limit_days 须为整数")
    if problems:
        return problems
    try:
        tasks.validate([_task(d) for d in data])
    except tasks.GraphError as exc:
        return [exc.reason]
    return []


def tasks_for(bundle: Bundle | None, matters: list[Matter]) -> list[tasks.TaskSpec]:
    """The back-office tasks for the matters that apply; a prerequisite that does not apply is no longer waited for."""
    declared = [_task(d) for d in (bundle.spec.get("tasks") or [])] if bundle else []
    if not declared:
        # 即办 matters (time limit 0) are finished at the window; the others get one back-office task each.
        timed = [m for m in matters if m.time_limit_days]
        codes = dict(
            Matter.objects.filter(pk__in=[m.pk for m in timed]).values_list("pk", "department__code")
        )
        return tasks.default_tasks([(m.code, codes[m.pk], m.time_limit_days) for m in timed])
    return tasks.applying(declared, [m.code for m in matters])


# ---- resolving a checklist and the merged form ----------------------------------------------------------------


@dataclass
class Checklist:
    """What a citizen needs for a bundle or matter in their situation: one set of materials, one form."""

    kind: str  # bundle | matter
    code: str
    name: str
    answers: dict[str, Any]
    asked: list[Question]
    matters: list[Matter]
    materials: list[merge.MergedMaterial]
    form: merge.MergedForm
    versions: dict[str, int | None] = field(default_factory=dict)  # matter code → checklist version id

    @property
    def questions(self) -> list[Question]:
        return self.asked


def _form_for(specs: dict[str, MatterSpec], codes: list[str]) -> merge.MergedForm:
    used = {u.field for c in codes for u in specs[c].fields}
    defs = {f.code: f for f in FieldDefinition.objects.filter(code__in=used)}
    return merge.merge_form(
        {c: specs[c].fields for c in codes},
        core_fields={code for code, f in defs.items() if f.core},
        labels={code: f.label for code, f in defs.items()},
    )


def checklist_for_bundle(code: str, answers: dict[str, Any] | None = None) -> Checklist:
    bundle = get_bundle(code)
    spec = bundle_spec(bundle)
    specs = matter_specs([bm.matter for bm in spec.matters])
    try:
        result = resolve(spec, specs, answers or {})
    except AnswerError as exc:
        raise Invalid(exc.reason, field=f"answers.{exc.question}") from None
    except OverflowError:
        raise Invalid("数字超出范围", field="answers") from None
    _require_published(specs, result.matters)
    by_code = {m.code: m for m in list_matters(result.matters)}
    return Checklist(
        kind="bundle",
        code=bundle.code,
        name=bundle.name,
        answers=result.answers,
        asked=[q for q in spec.questions if q.code in result.asked],
        matters=[by_code[c] for c in result.matters],
        materials=merge.merge_materials(result.materials),
        form=_form_for(specs, result.matters),
        versions={c: specs[c].version for c in result.matters},
    )


def _require_published(specs: dict[str, MatterSpec], codes: list[str]) -> None:
    """A matter whose checklist the legal section has not published yet cannot be noticed or reviewed against."""
    pending = [c for c in codes if not specs[c].materials]
    if pending:
        names = "、".join(specs[c].name for c in pending)
        raise NotFound(f"「{names}」的材料清单尚未发布", field="matter")


def checklist_for_matter(code: str, answers: dict[str, Any] | None = None) -> Checklist:
    matter = get_matter(code)
    if answers:
        unknown = sorted(answers)[0]
        raise Invalid(f"事项「{matter.name}」没有情形问题 {unknown}", field=f"answers.{unknown}")
    specs = matter_specs([code])
    _require_published(specs, [code])
    return Checklist(
        kind="matter",
        code=matter.code,
        name=matter.name,
        answers={},
        asked=[],
        matters=[matter],
        materials=merge.merge_materials({code: specs[code].materials}),
        form=_form_for(specs, [code]),
        versions={code: specs[code].version},
    )


def merged_form(codes: list[str]) -> merge.MergedForm:
    if not codes:
        raise Invalid("请至少选择一个事项", field="matters")
    codes = list(dict.fromkeys(codes))
    specs = matter_specs(codes)
    missing = sorted(set(codes) - set(specs))
    if missing:
        raise NotFound(f"未找到事项 {', '.join(missing)}", field="matters")
    return _form_for(specs, codes)


# ---- the legal section's workflow ----------------------------------------------------------------------------


_LATER_DEFAULTS = {
    "exempt_if": "",
    "due_working_days": None,
}  # attributes added after versions were published


def content_hash(specs: list[MaterialSpec]) -> str:
    """Left unchanged by attributes added later while they keep their default, so no version is republished."""
    rows = [
        {k: v for k, v in asdict(s).items() if k not in _LATER_DEFAULTS or v != _LATER_DEFAULTS[k]}
        for s in specs
    ]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


def get_version(pk: int) -> ChecklistVersion:
    version = ChecklistVersion.objects.select_related("matter").filter(pk=pk).first()
    if version is None:
        raise NotFound(f"没有第 {pk} 号材料清单版本", field="version")
    return version


def submitted_versions() -> list[ChecklistVersion]:
    """What waits for the legal section, oldest submission first."""
    return list(
        ChecklistVersion.objects.filter(status=ChecklistVersion.Status.SUBMITTED)
        .select_related("matter", "submitted_by", "created_by")
        .prefetch_related("authors")
        .order_by("submitted_at", "pk")
    )


def _add_author(version: ChecklistVersion, user) -> None:
    if user is not None and getattr(user, "pk", None):
        version.authors.add(user)


def open_draft(*, matter: Matter, user) -> ChecklistVersion:
    """The matter's editable draft (or the version the legal section returned), started from the standing version
    when there is none yet."""
    with transaction.atomic():
        Matter.objects.select_for_update().get(pk=matter.pk)  # one draft per matter, even under concurrency
        draft = matter.checklists.filter(status__in=ChecklistVersion.EDITABLE).first()
        if draft:
            _add_author(draft, user)
            return draft
        if matter.checklists.filter(status=ChecklistVersion.Status.SUBMITTED).exists():
            raise Conflict(f"事项「{matter.name}」已有待审核的版本，审核后才能再起草", field="matter")
        base = published_checklist(matter)
        number = (matter.checklists.aggregate(n=Max("number"))["n"] or 0) + 1
        draft = ChecklistVersion.objects.create(
            matter=matter, number=number, created_by=user, created_at=clock.now()
        )
        _add_author(draft, user)
        if base:
            for m in base.materials.all():
                m.pk, m.checklist = None, draft
                m.save()
        return draft


def note_edit(*, version: ChecklistVersion, user) -> None:
    """Whoever changes a draft (in the admin) becomes one of its authors, who may not publish it."""
    _add_author(version, user)


def submit(*, version: ChecklistVersion, user) -> ChecklistVersion:
    with transaction.atomic():
        version = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
        if version.status not in ChecklistVersion.EDITABLE:
            raise Conflict(f"只有草稿可以提交审核，该版本{version.get_status_display()}", field="status")
        if not version.materials.exists():
            raise Invalid("材料清单为空，不能提交", field="materials")
        version.status = ChecklistVersion.Status.SUBMITTED
        version.submitted_by, version.submitted_at = user, clock.now()
        version.content_hash = content_hash(version.specs())
        version.save(update_fields=["status", "submitted_by", "submitted_at", "content_hash"])
        _add_author(version, user)
    return version


def _submitted(version: ChecklistVersion, verb: str) -> ChecklistVersion:
    version = ChecklistVersion.objects.select_for_update().select_related("matter").get(pk=version.pk)
    if version.status != ChecklistVersion.Status.SUBMITTED:
        raise Conflict(
            f"只有已提交审核的版本可以{verb}，该版本{version.get_status_display()}", field="status"
        )
    return version


def reject(*, version: ChecklistVersion, user, reason: str) -> ChecklistVersion:
    """The legal section sends a submitted version back with its reason; the drafters edit it and submit again."""
    require_role(user, roles.LEGAL)
    reason = free_text(
        reason, field="reason", label="退回理由", max_length=1000, required="退回须说明理由", lines=True
    )
    with transaction.atomic():
        version = _submitted(version, "退回")
        now = clock.now()
        version.status = ChecklistVersion.Status.REJECTED
        version.rejected_by, version.rejected_at, version.rejection_reason = user, now, reason
        version.save(update_fields=["status", "rejected_by", "rejected_at", "rejection_reason"])
        emit(
            "checklist.rejected",
            matter=version.matter,
            actor=user,
            data={"version": version.number, "reason": reason, "content_hash": version.content_hash},
            at=now,
        )
    return version


def publish(
    *,
    version: ChecklistVersion,
    user,
    temporary: bool = False,
    filing_number: str = "",
    reason: str = "",
    ends_on: date | None = None,
) -> ChecklistVersion:
    """Approve and publish a submitted version (legal role, and never one's own draft: four eyes).

    A standing version supersedes the previous standing one and ends a running temporary change; a temporary one
    leaves the standing version to return the day after `ends_on`."""
    require_role(user, roles.LEGAL)
    filing_number, reason = filing_number.strip(), reason.strip()
    if temporary:
        errors = {}
        if not filing_number:
            errors["filing_number"] = "临时调整须填写备案号"
        if not reason:
            errors["reason"] = "临时调整须说明理由"
        if ends_on is None:
            errors["ends_on"] = "临时调整须填写截止日期"
        elif ends_on < clock.local_date():
            errors["ends_on"] = f"截止日期 {ends_on:%Y-%m-%d} 已过，须为今天或以后"
        if errors:
            raise Invalid("；".join(errors.values()), errors=errors)
    with transaction.atomic():
        version = _submitted(version, "发布")
        if version.authors.filter(pk=user.pk).exists() or user.pk in (
            version.created_by_id,
            version.submitted_by_id,
        ):
            raise Forbidden(
                "您起草或提交了这个版本，须由法制科的另一位同事审核发布（四眼原则）", field="version"
            )
        if temporary and published_checklist(version.matter) is None:
            raise Conflict(
                "该事项还没有现行版本，临时调整到期后无版本可恢复；请作为正式版本发布", field="temporary"
            )
        return _make_published(
            version,
            user=user,
            temporary=temporary,
            filing_number=filing_number,
            reason=reason,
            ends_on=ends_on,
        )


def publish_imported(*, version: ChecklistVersion, user=None) -> ChecklistVersion:
    """Seed and reviewed-catalog imports publish directly; the version records that it came from an import."""
    return _make_published(version, user=user)


def _make_published(
    version: ChecklistVersion, *, user, temporary=False, filing_number="", reason="", ends_on=None
):
    now = clock.now()
    Status = ChecklistVersion.Status
    previous = published_checklist(version.matter)
    replaced = [] if temporary or previous is None else [previous]
    # Any earlier temporary change (running or past its end) makes way: one temporary change per matter.
    replaced += list(version.matter.checklists.filter(status=Status.TEMPORARY))
    ended_early = [
        v.number for v in replaced if v.status == Status.TEMPORARY and v.ends_on >= clock.local_date()
    ]
    for old in replaced:
        old.status, old.superseded_at = Status.SUPERSEDED, now
        old.save(update_fields=["status", "superseded_at"])
    version.status = Status.TEMPORARY if temporary else Status.PUBLISHED
    version.published_by, version.published_at = user, now
    version.temporary, version.filing_number, version.reason = temporary, filing_number, reason
    version.ends_on = ends_on if temporary else None
    version.content_hash = content_hash(version.specs())
    version.save()
    emit(
        "checklist.published",
        matter=version.matter,
        actor=user,
        data={
            "version": version.number,
            "previous": previous.number if previous else None,
            "temporary": temporary,
            "ends_on": ends_on.isoformat() if temporary and ends_on else None,
            "ended_temporary": ended_early,
            "filing_number": version.filing_number,
            "source": version.source,
            "changes": [
                c.sentence
                for c in diffing.diff_materials(previous.specs() if previous else [], version.specs())
            ],
        },
        at=now,
    )
    return version


def temporary_changes(day: date | None = None) -> list[dict]:
    """The legal section's watch list: every temporary change, with the days it has left and what returns after."""
    day = day or clock.local_date()
    rows = []
    qs = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.TEMPORARY).select_related("matter")
    for v in qs.order_by("ends_on", "matter__code"):
        standing = published_checklist(v.matter)
        rows.append(
            {
                "version": v,
                "running": v.ends_on >= day,
                "days_left": (v.ends_on - day).days,
                "returns": standing,
            }
        )
    return rows


def rejected_versions() -> list[ChecklistVersion]:
    """Versions the legal section sent back, waiting for their drafters."""
    return list(
        ChecklistVersion.objects.filter(status=ChecklistVersion.Status.REJECTED)
        .select_related("matter", "rejected_by")
        .order_by("-rejected_at")
    )


def diff(old: ChecklistVersion, new: ChecklistVersion) -> list[diffing.Change]:
    if old.matter_id != new.matter_id:
        raise Invalid("只能比较同一事项的两个版本", field="versions")
    return diffing.diff_materials(old.specs(), new.specs())


def latest_check(matter: Matter) -> ChecklistCheck | None:
    """The legal section's latest monthly note on the matter, shown beside it at the window."""
    return matter.checks.order_by("-month").first()


def current_month() -> str:
    return f"{clock.local_date():%Y-%m}"


def checks_due(month: str | None = None) -> list[Matter]:
    """Matters with a published checklist that the legal section has not checked this month."""
    month = month or current_month()
    checked = ChecklistCheck.objects.filter(month=month).values("matter")
    return list(Matter.objects.filter(checklists__in=in_force()).exclude(pk__in=checked).distinct())


def record_check(*, matter: Matter, user, result: str, note: str = "") -> ChecklistCheck:
    require_role(user, roles.LEGAL)
    if result not in ChecklistCheck.Result.values:
        raise Invalid(f"核查结果须为 {'/'.join(ChecklistCheck.Result.values)}", field="result")
    published = checklist_in_force(matter)
    if published is None:
        raise Conflict(f"事项「{matter.name}」没有已发布的材料清单", field="matter")
    month = current_month()
    with transaction.atomic():
        if ChecklistCheck.objects.filter(matter=matter, month=month).exists():
            raise Conflict(f"事项「{matter.name}」{month} 已核查", field="matter")
        check = ChecklistCheck.objects.create(
            matter=matter,
            month=month,
            checklist=published,
            result=result,
            note=note.strip(),
            checked_by=user,
            checked_at=clock.now(),
        )
        emit(
            "checklist.checked",
            matter=matter,
            actor=user,
            data={"month": month, "version": published.number, "result": result},
            at=check.checked_at,
        )
    return check
