"""Catalog API: public reading (the catalog is public information) and checklist resolution."""

from datetime import date, datetime
from typing import Any

from ninja import Router, Schema
from ninja.security import django_auth

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.catalog import services
from onevisit.core.schemas import InputSchema

router = Router(tags=["catalog"], auth=None)  # the catalog is public; the legal section's review below is not


class MaterialOut(Schema):
    code: str
    name: str
    original_required: bool
    tolerable: bool


class MatterOut(Schema):
    code: str
    name: str
    department: str
    department_code: str
    level: str
    legal_basis: str
    time_limit_days: int
    channels: list[str]
    materials: list[MaterialOut]


class OptionOut(Schema):
    code: str
    label: str


class QuestionOut(Schema):
    code: str
    text: str
    kind: str
    options: list[OptionOut]
    min: float | None
    max: float | None


class BundleOut(Schema):
    code: str
    name: str
    key_matter: str
    audience: str
    description: str
    matters: list[str]
    questions: list[QuestionOut]


class AnswersIn(InputSchema):
    answers: dict[str, Any] = {}


class ChecklistMaterialOut(Schema):
    code: str
    name: str
    matters: list[str]
    original: bool
    electronic: bool
    stamp: str
    copies: int
    tolerable: bool
    shared: bool
    clause: str
    note: str


class FormFieldOut(Schema):
    field: str
    label: str
    required: bool
    matters: list[str]


class MergedFormOut(Schema):
    core: list[FormFieldOut]
    pages: dict[str, list[FormFieldOut]]
    entries_separately: int
    entries_merged: int
    entries_saved: int


class ChecklistOut(Schema):
    kind: str
    code: str
    name: str
    answers: dict[str, Any]
    questions: list[QuestionOut]
    matters: list[str]
    materials: list[ChecklistMaterialOut]
    form: MergedFormOut


def matter_out(matter) -> MatterOut:
    return MatterOut(
        code=matter.code,
        name=matter.name,
        department=matter.department.name,
        department_code=matter.department.code,
        level=matter.level,
        legal_basis=matter.legal_basis,
        time_limit_days=matter.time_limit_days,
        channels=matter.channels,
        materials=[
            MaterialOut.model_validate(m, from_attributes=True) for m in services.materials_of(matter)
        ],
    )


def question_out(q) -> QuestionOut:
    return QuestionOut(
        code=q.code,
        text=q.text,
        kind=q.kind,
        options=[OptionOut(code=o.code, label=o.label) for o in q.options],
        min=q.min,
        max=q.max,
    )


def checklist_out(c: services.Checklist) -> ChecklistOut:
    return ChecklistOut(
        kind=c.kind,
        code=c.code,
        name=c.name,
        answers=c.answers,
        questions=[question_out(q) for q in c.asked],
        matters=[m.code for m in c.matters],
        materials=[ChecklistMaterialOut.model_validate(m, from_attributes=True) for m in c.materials],
        form=form_out(c.form),
    )


@router.get("/matters", response=list[MatterOut], summary="事项及其现行材料清单")
def list_matters(request):
    return [matter_out(m) for m in services.list_matters(published_only=True)]


@router.get("/matters/{code}", response=MatterOut, summary="单个事项")
def get_matter(request, code: str):
    return matter_out(services.get_matter(code))


@router.post("/matters/{code}/checklist", response=ChecklistOut, summary="单个事项的材料清单与表单")
def matter_checklist(request, code: str, payload: AnswersIn):
    return checklist_out(services.checklist_for_matter(code, payload.answers))


@router.get("/bundles", response=list[BundleOut], summary="一件事列表")
def list_bundles(request):
    return [bundle_out(b) for b in services.list_bundles()]


@router.get("/bundles/{code}", response=BundleOut, summary="一件事及其情形问题")
def get_bundle(request, code: str):
    return bundle_out(services.get_bundle(code))


@router.post(
    "/bundles/{code}/checklist", response=ChecklistOut, summary="回答情形问题，得到个性化材料清单与一表"
)
def bundle_checklist(request, code: str, payload: AnswersIn):
    return checklist_out(services.checklist_for_bundle(code, payload.answers))


class FormIn(InputSchema):
    matters: list[str]


@router.post("/forms", response=MergedFormOut, summary="任意一组事项的一表：核心页 + 各事项附页，及少填项数")
def merged_form(request, payload: FormIn):
    return form_out(services.merged_form(payload.matters))


def form_out(form) -> MergedFormOut:
    return MergedFormOut(
        core=[FormFieldOut.model_validate(f, from_attributes=True) for f in form.core],
        pages={
            k: [FormFieldOut.model_validate(f, from_attributes=True) for f in v]
            for k, v in form.pages.items()
        },
        entries_separately=form.entries_separately,
        entries_merged=form.entries_merged,
        entries_saved=form.entries_saved,
    )


def bundle_out(bundle) -> BundleOut:
    spec = services.bundle_spec(bundle)
    return BundleOut(
        code=bundle.code,
        name=bundle.name,
        key_matter=bundle.key_matter.code,
        audience=bundle.audience,
        description=bundle.description,
        matters=[bm.matter for bm in spec.matters],
        questions=[question_out(q) for q in spec.questions],
    )


# ---- the legal section's review (signed in, legal role; never one's own draft) ----------------------------------


class VersionOut(Schema):
    id: int
    matter: str
    number: int
    status: str
    temporary: bool
    ends_on: date | None
    filing_number: str
    reason: str
    rejection_reason: str
    submitted_at: datetime | None
    published_at: datetime | None


class PublishIn(InputSchema):
    temporary: bool = False
    filing_number: str = ""
    reason: str = ""
    ends_on: date | None = None


class RejectIn(InputSchema):
    reason: str


def version_out(v) -> VersionOut:
    return VersionOut(
        id=v.pk,
        matter=v.matter.code,
        number=v.number,
        status=v.status,
        temporary=v.temporary,
        ends_on=v.ends_on,
        filing_number=v.filing_number,
        reason=v.reason,
        rejection_reason=v.rejection_reason,
        submitted_at=v.submitted_at,
        published_at=v.published_at,
    )


@router.get(
    "/review/versions", response=list[VersionOut], auth=django_auth, summary="待法制审核的材料清单版本"
)
def review_versions(request):
    require(request.user, roles.LEGAL)
    return [version_out(v) for v in services.submitted_versions()]


@router.post(
    "/review/versions/{pk}/publish",
    response=VersionOut,
    auth=django_auth,
    summary="审核通过并发布（法制审核角色；起草人不能发布自己的版本）",
)
def publish_version(request, pk: int, payload: PublishIn):
    version = services.publish(
        version=services.get_version(pk),
        user=request.user,
        temporary=payload.temporary,
        filing_number=payload.filing_number,
        reason=payload.reason,
        ends_on=payload.ends_on,
    )
    return version_out(version)


@router.post(
    "/review/versions/{pk}/reject", response=VersionOut, auth=django_auth, summary="退回修改（须说明理由）"
)
def reject_version(request, pk: int, payload: RejectIn):
    return version_out(
        services.reject(version=services.get_version(pk), user=request.user, reason=payload.reason)
    )
