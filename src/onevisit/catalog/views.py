"""Public one-time notice pages and PDFs; the legal section's review and monthly-check pages."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.accounts.services import display_name
from onevisit.catalog import notice, services
from onevisit.catalog.forms import CardsForm, CheckForm, PublishForm, RejectForm, VersionsForm
from onevisit.core import clock
from onevisit.core.errors import DomainError, Invalid
from onevisit.core.links import public_url

ANSWER_PREFIX = services.ANSWER_PREFIX


def _situation(checklist) -> list[tuple[str, str]]:
    lines = []
    for q in checklist.asked:
        if q.code not in checklist.answers:
            continue
        value = checklist.answers[q.code]
        labels = {o.code: o.label for o in q.options}
        if q.kind == "yesno":
            shown = "是" if value else "否"
        elif q.kind == "multiple":
            shown = "、".join(labels[v] for v in value)
        elif q.kind == "single":
            shown = labels[value]
        else:
            shown = str(value)
        lines.append((q.text, shown))
    return lines


def _error_page(request, exc: DomainError, template="error.html"):
    return render(request, template, {"error": exc}, status=exc.status)


def index(request):
    return render(
        request,
        "catalog/index.html",
        {
            "bundles": services.list_bundles(),
            "matters": services.list_matters(published_only=True),
            "booking_places": services.booking_places(),
        },
    )


def _checklist(request, kind: str, code: str):
    if kind == "bundle":
        return services.checklist_for_bundle(code, services.answers_from_query(request.GET, code))
    extra = [k for k in request.GET if k.startswith(ANSWER_PREFIX)]
    if extra:
        raise Invalid(f"事项没有情形问题 {extra[0][len(ANSWER_PREFIX) :]}", field="answers")
    return services.checklist_for_matter(code)


def notice_page(request, code: str, kind: str):
    try:
        checklist = _checklist(request, kind, code)
    except DomainError as exc:
        return _error_page(request, exc)
    query = request.GET.urlencode()
    return render(
        request,
        "catalog/notice.html",
        {
            "checklist": checklist,
            "kind": kind,
            "situation": _situation(checklist),
            "matter_names": services.matter_names(),
            "pdf_url": reverse(f"catalog:{kind}-pdf", args=[code]) + (f"?{query}" if query else ""),
            "booking_places": services.booking_places({m.code for m in checklist.matters}),
        },
    )


def notice_pdf(request, code: str, kind: str):
    try:
        checklist = _checklist(request, kind, code)
    except DomainError as exc:
        return _error_page(request, exc)
    query = request.GET.urlencode()
    page_url = public_url(request, reverse(f"catalog:{kind}", args=[code]) + (f"?{query}" if query else ""))
    pdf = notice.render_notice(
        checklist,
        url=page_url,
        situation=_situation(checklist),
        today=clock.local_date(),
        matter_names=services.matter_names(),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{code}.pdf"'
    return response


def cards_pdf(request):
    """Notice-board cards for the matters named in ?matter=… (all matters when none is named)."""
    codes = parse(CardsForm, request.GET)["matter"] or None
    matters = services.list_matters(codes, published_only=True)
    if codes and len(matters) != len(set(codes)):
        missing = sorted(set(codes) - {m.code for m in matters})
        return _error_page(request, Invalid(f"未找到事项 {', '.join(missing)}", field="matter"))
    specs = services.matter_specs([m.code for m in matters])
    cards = []
    for m in matters:
        version = services.checklist_in_force(m)
        cards.append((m, specs[m.code].materials, version.number if version else None))
    pdf = notice.render_cards(
        cards, url_for=lambda m: public_url(request, reverse("catalog:matter", args=[m.code]))
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="notice-cards.pdf"'
    return response


# ---- the legal section ----------------------------------------------------------------------------------------


def _review_items(user, refused: dict) -> list[dict]:
    """Each submitted version with what changed against the standing version, and whether this user may publish."""
    items = []
    for v in services.submitted_versions():
        standing = services.published_checklist(v.matter)
        authors = {a.pk: a for a in v.authors.all()}
        for u in (v.created_by, v.submitted_by):
            if u is not None:
                authors.setdefault(u.pk, u)
        items.append(
            {
                "version": v,
                "standing": standing,
                "changes": services.diff(standing, v) if standing else None,
                "authors": [display_name(u) for u in authors.values()],
                "submitter": display_name(v.submitted_by) or "导入",
                "own": user.pk in authors,
                "refused": refused if refused.get("version") == v.pk else None,
            }
        )
    return items


@staff_page(roles.LEGAL)
def review(request, *, refused: dict | None = None, status: int = 200):
    """The legal section's page; a refused publication or return comes back here with its fields marked and kept."""
    return render(
        request,
        "catalog/review.html",
        {
            "items": _review_items(request.user, refused or {}),
            "temporary": services.temporary_changes(),
            "rejected": [(v, display_name(v.rejected_by)) for v in services.rejected_versions()],
            "due": services.checks_due(),
            "month": services.current_month(),
            "today": clock.local_date(),
        },
        status=status,
    )


def _refused(request, version, exc: DomainError, action: str):
    refused = {
        "version": version.pk,
        "action": action,
        "message": exc.message,
        "errors": exc.errors,
        "values": request.POST,
    }
    return review(request, refused=refused, status=exc.status)


@require_POST
@staff_page(roles.LEGAL)
def publish(request, pk: int):
    version = services.get_version(pk)
    try:
        sent = parse(PublishForm, request.POST)
        services.publish(version=version, user=request.user, **sent)
    except DomainError as exc:
        return _refused(request, version, exc, "publish")
    if sent["temporary"]:
        ends = sent["ends_on"].isoformat() if sent["ends_on"] else ""
        messages.success(request, f"已发布临时调整：{version.matter.name} 第{version.number}版，至 {ends} 止")
    else:
        messages.success(request, f"已发布：{version.matter.name} 第{version.number}版")
    return redirect("catalog:review")


@require_POST
@staff_page(roles.LEGAL)
def reject(request, pk: int):
    version = services.get_version(pk)
    try:
        reason = parse(RejectForm, request.POST)["rejection_reason"]
        services.reject(version=version, user=request.user, reason=reason)
    except DomainError as exc:
        if "reason" in exc.errors:
            exc.errors["rejection_reason"] = exc.errors.pop("reason")
        return _refused(request, version, exc, "reject")
    messages.success(request, f"已退回：{version.matter.name} 第{version.number}版，起草人修改后可再次提交")
    return redirect("catalog:review")


@require_POST
@staff_page(roles.LEGAL)
def record_check(request, code: str):
    try:
        services.record_check(
            matter=services.get_matter(code), user=request.user, **parse(CheckForm, request.POST)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:review")
    messages.success(request, "已记录本月核查")
    return redirect("catalog:review")


@staff_page(roles.LEGAL)
def versions(request, code: str):
    matter = services.get_matter(code)
    history = list(
        matter.checklists.select_related("published_by", "submitted_by", "rejected_by").order_by("-number")
    )
    by_number = {str(v.number): v for v in history}
    changes = None
    sent = parse(VersionsForm, request.GET)
    a, b = sent["a"], sent["b"]
    if a and b:
        try:
            old, new = by_number[a], by_number[b]
        except KeyError:
            return _error_page(request, Invalid("请选择该事项已有的两个版本", field="versions"))
        changes = services.diff(old, new)
    return render(
        request,
        "catalog/versions.html",
        {
            "matter": matter,
            "history": history,
            "rows": [(v, display_name(v.published_by)) for v in history],
            "changes": changes,
            "a": a,
            "b": b,
            "in_force": services.checklist_in_force(matter),
            "today": clock.local_date(),
        },
    )
