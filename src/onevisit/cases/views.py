from datetime import date, timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.accounts.services import window_of, windows_of
from onevisit.cases import hooks, services
from onevisit.catalog import fields as fields_rules
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import DomainError, Invalid
from onevisit.core.ids import mask_phone, mask_resident_id
from onevisit.core.links import public_url
from onevisit.intake import printing
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing

app_name = "cases"


@staff_page(roles.CLERK)
def window_home(request):
    own = request.actor.staff.window
    if own is not None:
        return redirect("cases:window", code=own.code)
    return render(request, "cases/choose_window.html", {"windows": windows_of(request.actor.hall)})


def _window_page(request, window, *, scanned=None, scan_error=None, action_error=None, code="", status=200):
    """The window's page; a refused scan is shown at the scan field, any other refusal as an alert on top."""
    context = {
        "window": window,
        "paused": queueing.is_paused(window),
        "hall_queues": [q for q, _ in queueing.waiting_counts(window.hall)],
        "queues": queueing.waiting_counts(window.hall, window),
        "called": queueing.called_at_window(window),
        "no_shows": queueing.recent_no_shows(window.hall, window=window, latest=5),
        "no_show_rule": queueing.no_show_rule(),
        "open_cases": services.open_cases_at(window),
        "to_deliver": services.to_deliver_at(window),
        "overdue": services.overdue_commitments(window.hall),
        "delivery_methods": services.DELIVERY_METHODS,
        "scanned": scanned,
        "prereview": intake.prereview_of(scanned) if scanned else None,
        "scan_error": scan_error,
        "action_error": action_error,
        "code": code,
    }
    return render(request, "cases/window.html", context, status=status)


@staff_page(roles.CLERK)
def window_page(request, code: str):
    return _window_page(request, window_of(request.actor, code))


@require_POST
@staff_page(roles.CLERK)
def scan(request, code: str):
    """The scanned (or typed) ticket code comes by POST: whatever a scanner types never lands in a URL or log."""
    window = window_of(request.actor, code)
    scanned_code = request.POST.get("code", "").strip()
    if not scanned_code:
        return _window_page(request, window)
    try:
        ticket = queueing.find_ticket(hall=request.actor.hall, code=scanned_code)
    except DomainError as exc:
        return _window_page(request, window, scan_error=exc.message, code=scanned_code, status=exc.status)
    return _window_page(request, window, scanned=ticket, code=scanned_code)


@require_POST
@staff_page(roles.CLERK)
def call_next(request, code: str):
    window = window_of(request.actor, code)
    try:
        ticket = queueing.call_next(window=window, actor=request.actor)
    except DomainError as exc:
        return _window_page(request, window, action_error=exc.message, status=exc.status)
    if ticket is None:
        messages.info(request, "当前没有等候的群众")
    else:
        messages.success(request, f"已叫号：请 {ticket.number} 号到{window.name}")
    return redirect("cases:window", code=code)


def _ticket_action(request, code: str, action) -> object:
    window = window_of(request.actor, code)
    try:
        message = action(window)
    except DomainError as exc:
        return _window_page(request, window, action_error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("cases:window", code=code)


@require_POST
@staff_page(roles.CLERK)
def recall(request, code: str, ticket_id: int):
    def act(window):
        t = queueing.recall(window=window, ticket_id=ticket_id, actor=request.actor)
        return f"{t.number} 已过号" if t.status == "no_show" else f"已重呼 {t.number}（第{t.recalls}次）"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def no_show(request, code: str, ticket_id: int):
    return _ticket_action(
        request,
        code,
        lambda w: (
            f"{queueing.mark_no_show(window=w, ticket_id=ticket_id, actor=request.actor).number} 已过号"
        ),
    )


@require_POST
@staff_page(roles.CLERK)
def recall_no_show(request, code: str, ticket_id: int):
    """过号 citizen back at the counter: called to this window again, the same ticket."""
    return _ticket_action(
        request,
        code,
        lambda w: (
            f"已重新叫号 {queueing.recall_no_show(window=w, ticket_id=ticket_id, actor=request.actor).number}"
        ),
    )


@require_POST
@staff_page(roles.CLERK)
def transfer(request, code: str, ticket_id: int):
    def act(window):
        t = queueing.transfer(
            window=window, ticket_id=ticket_id, queue_code=request.POST.get("queue", ""), actor=request.actor
        )
        return f"{t.number} 已转到{t.queue.name}，保留原排队时间"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def pause(request, code: str):
    paused = request.POST.get("paused") == "1"

    def act(window):
        queueing.set_paused(window=window, paused=paused, actor=request.actor)
        return f"{window.name}已暂停叫号" if paused else f"{window.name}已恢复叫号"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def deliver(request, code: str, case_id: int):
    def act(window):
        case = services.deliver(actor=request.actor, case_id=case_id, method=request.POST.get("method", ""),
                                tracking_number=request.POST.get("tracking_number", ""))  # fmt: skip
        return f"办件 {case.number} 已出件（{services.DELIVERY_METHODS[case.delivery_method]}）"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def accept(request, code: str):
    window = window_of(request.actor, code)
    scanned_code = request.POST.get("code", "")
    try:
        case = services.accept(actor=request.actor, window=window, code=scanned_code)
    except DomainError as exc:
        return _window_page(request, window, scan_error=exc.message, code=scanned_code, status=exc.status)
    messages.success(request, f"已受理，办件号 {case.number}")
    _print_receipt(request, window, case, scanned_code)
    return redirect("cases:case", code=code, case_id=case.pk)


def _receipt(request, case) -> dict:
    """What the acceptance receipt says, on paper or as PDF."""
    visit = case.visits.select_related("ticket").order_by("-seq").first()
    token = visit.ticket.token if visit and visit.ticket else ""
    return {
        "hall": case.hall.name,
        "case_number": case.number,
        "matters": [i.matter.name for i in case.items.select_related("matter")],
        "promised": services.promised_by(case),
        "status_url": public_url(request, reverse("public:status", args=[token])) if token else "",
    }


@staff_page(roles.CLERK)
def receipt_pdf(request, code: str, case_id: int):
    """The acceptance receipt as PDF: the electronic receipt when the window's printer is down."""
    window_of(request.actor, code)
    case = services.get_case(actor=request.actor, case_id=case_id)
    accepted_at = clock.localtime(case.accepted_at, case.hall.timezone)
    response = HttpResponse(printing.receipt_pdf(**_receipt(request, case), accepted_at=accepted_at),
                            content_type="application/pdf")  # fmt: skip
    response["Content-Disposition"] = f'inline; filename="receipt-{case.number}.pdf"'
    return response


def _print_receipt(request, window, case, code: str) -> None:
    """The acceptance receipt on the window's own printer (its backup if it fails)."""
    payload = printing.receipt_bytes(**_receipt(request, case))
    outcome = printing.print_job(
        hall=case.hall, location=window.code, payload=payload, actor=request.actor, case=case
    )
    if outcome.printed_on and not outcome.needs_pdf and outcome.failed_over:
        messages.warning(request, f"受理回执已改用备用的{outcome.printed_on.name}打印（{outcome.trouble}）")
    elif outcome.printed_on and not outcome.needs_pdf:
        messages.info(request, f"受理回执已在{outcome.printed_on.name}打印")
    elif outcome.failures:
        messages.warning(request, f"窗口打印机不可用（{outcome.trouble}），请点击“受理回执 PDF”打印回执")


@require_POST
@staff_page(roles.CLERK)
def complete(request, code: str, case_id: int):
    return _leave_window(request, code, case_id, services.complete, lambda case: f"办件 {case.number} 已办结")


@require_POST
@staff_page(roles.CLERK)
def hand_over(request, code: str, case_id: int):
    return _leave_window(
        request, code, case_id, services.hand_over,
        lambda case: f"办件 {case.number} 已移交后台，承诺{services.promised_by(case)}办结",
    )  # fmt: skip


def _leave_window(request, code: str, case_id: int, act, done):
    """F10: save what was typed, then the case leaves the window (办结 or 移交后台) if its form is complete."""
    window = window_of(request.actor, code)
    if refused := _save_typed(request, code, case_id):
        return refused
    try:
        case = act(actor=request.actor, case_id=case_id)
    except Invalid as exc:  # the form is not complete: back to it, each field in error marked
        return case_page.__wrapped__(
            request, code, case_id, errors=exc.errors, problem=exc.message, status=exc.status
        )
    except DomainError as exc:
        return _window_page(request, window, action_error=exc.message, status=exc.status)
    messages.success(request, done(case))
    return redirect("cases:window", code=code)


def _display(field: str, value: str) -> str:
    """What the window shows of a known value: identity numbers masked, the rest as is."""
    if field == "resident_id":
        return mask_resident_id(value)
    if field == "phone":
        return mask_phone(value)
    return value


def _form_rows(case, cf, *, errors: dict, submitted: dict | None) -> list:
    """The merged form's pages for the template: each field with its widget, value, origin and error."""
    pages = [("核心信息（各事项共用）", cf.form.core)] + [
        (next((i.matter.name for i in case.items.all() if i.matter.code == m), m), fields)
        for m, fields in cf.form.pages.items() if fields
    ]  # fmt: skip
    first_error = next((f for f in cf.fields if f in errors), None)
    rows = []
    for title, fields in pages:
        shown = []
        for f in fields:
            d = cf.definitions.get(f.field)
            value = cf.value(f.field) if submitted is None else submitted.get(f.field, cf.value(f.field))
            source = cf.known.get(f.field, ("", ""))[1]
            shown.append({
                "field": f.field, "label": f.label, "required": f.required, "readonly": cf.readonly(f.field),
                "value": value, "display": _display(f.field, cf.value(f.field)),
                "widget": fields_rules.widget(d.type, d.validation) if d else {"input": "text"},
                "source": source if cf.prefilled(f.field) else "", "prefilled": cf.prefilled(f.field),
                "error": errors.get(f.field), "focus": f.field == first_error,
            })  # fmt: skip
        rows.append((title, shown))
    return rows


@staff_page(roles.CLERK)
def case_page(
    request,
    code: str,
    case_id: int,
    *,
    errors=None,
    submitted=None,
    problem="",
    continuation=None,
    outlier_error="",
    status=200,
):
    window = window_of(request.actor, code)
    case = services.get_case(actor=request.actor, case_id=case_id)
    cf = services.case_form(case)
    matters = [item.matter for item in case.items.select_related("matter")]
    guidance = [(m, catalog.materials_of(m), catalog.latest_check(m)) for m in matters]
    return render(
        request,
        "cases/case.html",
        {
            "window": window,
            "case": case,
            "rows": _form_rows(case, cf, errors=errors or {}, submitted=submitted),
            "problem": problem if continuation is None else "",
            "continuation": continuation,
            "outlier_error": outlier_error,
            "continuation_problem": problem if continuation is not None else "",
            "form": cf.form,
            "guidance": guidance,
            "tasks": case.tasks.select_related("matter"),
            "awaits_hand_over": services.awaits_hand_over(case),
            "commitments": case.commitments.all(),
            "offers": [(b, catalog.bundle_spec(b).questions) for b in services.continuation_offers(case)],
            "delivery_methods": services.DELIVERY_METHODS,
            "supply_channels": SUPPLY_CHANNELS,
            "panels": [p for p in (panel(case, window) for panel in hooks.PANELS) if p],
        },
        status=status,
    )


SUPPLY_CHANNELS = {"hall": "大厅补交", "online": "网上补交", "mail": "邮寄"}


@require_POST
@staff_page(roles.CLERK)
def save_form(request, code: str, case_id: int):
    if refused := _save_typed(request, code, case_id):
        return refused
    messages.success(request, "表单已保存（草稿）；办结时须填齐带 * 的必填项")
    return redirect("cases:case", code=code, case_id=case_id)


def _save_typed(request, code: str, case_id: int):
    """Save the merged form's values sent with this POST (F8, or F10 before completing); the refusal page if any."""
    submitted = {
        k: v for k, v in request.POST.items() if not k.startswith("_") and k != "csrfmiddlewaretoken"
    }
    if not submitted:
        return None
    try:
        services.save_form(actor=request.actor, case_id=case_id, submitted=submitted,
                           prefilled=request.POST.getlist("_prefilled"))  # fmt: skip
    except DomainError as exc:
        return case_page.__wrapped__(
            request,
            code,
            case_id,
            errors=exc.errors,
            submitted=submitted,
            problem=exc.message,
            status=exc.status,
        )
    return None


@require_POST
@staff_page(roles.CLERK)
def supply(request, code: str, case_id: int, commitment_id: int):
    window = window_of(request.actor, code)
    try:
        services.supply(
            actor=request.actor, commitment_id=commitment_id, via=request.POST.get("via", ""), window=window
        )
    except DomainError as exc:
        return case_page.__wrapped__(request, code, case_id, problem=exc.message, status=exc.status)
    messages.success(request, "已登记补交")
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def continue_case(request, code: str, case_id: int):
    """接续受理 in two steps: the answers give the added matters, whose materials the clerk then checks off."""
    bundle_code = request.POST.get("bundle", "")
    answers = catalog.answers_from_query(request.POST, bundle_code) if bundle_code else {}
    try:
        _, bundle, check = services.continuation_check(
            actor=request.actor, case_id=case_id, bundle_code=bundle_code, answers=answers
        )
    except DomainError as exc:
        return case_page.__wrapped__(request, code, case_id, problem=exc.message, status=exc.status)
    step = {"bundle": bundle, "check": check, "answers": answers, "present": request.POST.getlist("materials"),
            "signed": request.POST.get("commitment") == "on",
            "due": request.POST.get("tolerance_due") or (
                clock.local_date(request.actor.hall.timezone) + timedelta(days=7)).isoformat()}  # fmt: skip
    if request.POST.get("confirm") != "1":
        return case_page.__wrapped__(request, code, case_id, continuation=step)
    try:
        due = date.fromisoformat(step["due"]) if request.POST.get("tolerance_due") else None
    except ValueError:
        due = None
    try:
        case = services.continue_into(actor=request.actor, case_id=case_id, bundle_code=bundle_code, answers=answers,
                                      present=step["present"], commitment_signed=step["signed"], tolerance_due=due)  # fmt: skip
    except DomainError as exc:
        step["errors"] = exc.errors
        return case_page.__wrapped__(
            request, code, case_id, continuation=step, problem=exc.message, status=exc.status
        )
    then = "新增事项的表单填写完整后，按 F10 移交后台" if services.awaits_hand_over(case) else ""
    messages.success(request, f"已接续受理为「{bundle.name}」" + (f"。{then}" if then else ""))
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def flag_outlier(request, code: str, case_id: int):
    try:
        services.flag_outlier(actor=request.actor, case_id=case_id, note=request.POST.get("note", ""))
    except DomainError as exc:
        return case_page.__wrapped__(
            request, code, case_id, outlier_error=exc.message, problem=exc.message, status=exc.status
        )
    messages.success(request, "已标记为极端案例：不计入平均办理时长与往返次数，在指标复盘中单列")
    return redirect("cases:case", code=code, case_id=case_id)


urlpatterns = [
    path("", window_home, name="window-home"),
    path("<slug:code>/", window_page, name="window"),
    path("<slug:code>/scan/", scan, name="scan"),
    path("<slug:code>/call/", call_next, name="call"),
    path("<slug:code>/pause/", pause, name="pause"),
    path("<slug:code>/tickets/<int:ticket_id>/recall/", recall, name="recall"),
    path("<slug:code>/tickets/<int:ticket_id>/no-show/", no_show, name="no-show"),
    path("<slug:code>/tickets/<int:ticket_id>/return/", recall_no_show, name="recall-no-show"),
    path("<slug:code>/tickets/<int:ticket_id>/transfer/", transfer, name="transfer"),
    path("<slug:code>/accept/", accept, name="accept"),
    path("<slug:code>/cases/<int:case_id>/", case_page, name="case"),
    path("<slug:code>/cases/<int:case_id>/form/", save_form, name="form"),
    path("<slug:code>/cases/<int:case_id>/commitments/<int:commitment_id>/supply/", supply, name="supply"),
    path("<slug:code>/cases/<int:case_id>/continue/", continue_case, name="continue"),
    path("<slug:code>/cases/<int:case_id>/outlier/", flag_outlier, name="outlier"),
    path("<slug:code>/cases/<int:case_id>/complete/", complete, name="complete"),
    path("<slug:code>/cases/<int:case_id>/hand-over/", hand_over, name="hand-over"),
    path("<slug:code>/cases/<int:case_id>/deliver/", deliver, name="deliver"),
    path("<slug:code>/cases/<int:case_id>/receipt.pdf", receipt_pdf, name="receipt"),
]
