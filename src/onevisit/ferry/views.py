"""Pages of the data ferry: the window's panel and manual entry, and the information centre's console."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.accounts.services import window_of
from onevisit.cases import services as cases
from onevisit.core import access
from onevisit.core.errors import DomainError
from onevisit.ferry import audit, services
from onevisit.ferry.forms import BreakerForm, ManualEntryForm
from onevisit.ferry.hooks import panel_context
from onevisit.ferry.models import AuditVerification, FieldSet
from onevisit.intake import printing


@staff_page(roles.CLERK)
def case_panel(request, code: str, case_id: int):
    """The panel alone, for htmx to refresh while replies are on their way: only for a case of this window."""
    window = window_of(request.actor, code)
    request.actor = request.actor.acting_at(window)
    case = cases.get_case(actor=request.actor, case_id=case_id)
    access.record_one(actor=request.actor, person=case.person_id, where=request.path, case=case)
    found = panel_context(case, window)
    if found is None:
        return render(request, "ferry/_empty.html")
    template, ctx = found
    return render(request, template, {"panel": ctx})


@require_POST
@staff_page(roles.CLERK)
def manual_entry(request, code: str, case_id: int, field_set: str):
    window = window_of(request.actor, code)
    request.actor = request.actor.acting_at(window)
    case = cases.get_case(actor=request.actor, case_id=case_id)
    cases.refuse_delivered(case)
    fs = services.field_set(field_set)
    values = parse(ManualEntryForm, request.POST, reply_fields=fs.reply_fields)
    try:
        services.manual_entry(actor=request.actor, case=case, field_set_code=field_set, values=values)
    except DomainError as exc:
        messages.error(request, f"手工录入未保存：{exc.message}")
    else:
        messages.success(request, f"「{fs.label}」已手工录入，系统恢复后自动补录并对账")
    return redirect("cases:case", code=window.code, case_id=case.pk)


@staff_page(roles.IT)
def console(request):
    return render(
        request,
        "ferry/console.html",
        {
            "health": services.health(),
            "field_sets": FieldSet.objects.order_by("code", "-version"),
            "entries": services.reconciliation(request.actor.hall),
            "verification": AuditVerification.objects.first(),
            "checkpoints": _recent_checkpoints(),
            "refusals": services.recent_refusals(),
            "print_failures": printing.recent_failures(request.actor.hall),
        },
    )


def _recent_checkpoints():
    try:
        return audit.checkpoints()[-5:]
    except ValueError:  # an unreadable checkpoint file is what verification reports; the page still opens
        return []


@require_POST
@staff_page(roles.IT)
def breaker(request, backend: str):
    sent = parse(BreakerForm, request.POST)
    try:
        b = services.switch_breaker(
            actor=request.actor, backend_code=backend, open_=sent["state"], reason=sent["reason"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{b.name}：{b.get_breaker_display()}")
    return redirect("ferry:console")


@require_POST
@staff_page(roles.IT)
def verify(request):
    verdict = audit.verify(by=request.actor.user.username)
    if verdict.ok:
        messages.success(
            request, f"审计链完整：已核验 {verdict.checked} 条记录、{verdict.checkpoints} 个签名检查点"
        )
    elif verdict.first_broken is None:  # no trusted key, or the checkpoints themselves are unusable
        messages.error(request, f"审计链未能校验：{verdict.reason}")
    else:
        messages.error(request, f"审计链被破坏：{verdict.reason}")
    return redirect("ferry:console")
