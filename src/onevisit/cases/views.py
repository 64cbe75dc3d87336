from datetime import timedelta

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.accounts.services import window_of, windows_of
from onevisit.cases import casefile, hooks, services
from onevisit.cases.forms import (
    AcceptForm,
    ContinueForm,
    DeliverForm,
    NoteForm,
    PauseForm,
    PrefilledForm,
    ReasonForm,
    ScanForm,
    TransferForm,
    ViaForm,
)
from onevisit.cases.models import CaseReturn
from onevisit.catalog import fields as fields_rules
from onevisit.catalog import services as catalog
from onevisit.core import access, clock
from onevisit.core.errors import DomainError, Invalid
from onevisit.core.ids import contains_personal_number
from onevisit.core.links import public_url
from onevisit.intake import printing
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing


def _at(request, code: str):
    """The window this page acts at (window_of checks the clerk's post), carried by the actor to the services:
    the cases a clerk acts on are the ones of this window (services.get_case)."""
    window = window_of(request.actor, code)
    request.actor = request.actor.acting_at(window)
    return window


def _case_at(request, code: str, case_id: int):
    """Before any write on a case: the window, and the case among the ones it acts on; another window's case is
    not found (404, the same answer as for no case at all: nothing tells that it exists)."""
    window = _at(request, code)
    services.get_case(actor=request.actor, case_id=case_id)
    return window


@staff_page(roles.CLERK)
def window_home(request):
    own = request.actor.staff.window
    if own is not None:
        return redirect("cases:window", code=own.code)
    return render(request, "cases/choose_window.html", {"windows": windows_of(request.actor.hall)})


def _window_page(
    request,
    window,
    *,
    scanned=None,
    scan_error=None,
    action_error=None,
    code="",
    status=200,
    refused_delivery=None,
):
    """The window's page; a refused scan is shown at the scan field, any other refusal as an alert on top (a
    refused delivery beside its case's row, or on top when the case is not among those to deliver)."""
    to_deliver = services.to_deliver_at(window)
    if refused_delivery and refused_delivery["case"] not in {c.pk for c in to_deliver}:
        action_error = action_error or refused_delivery["message"]
    context = {
        "window": window,
        "paused": queueing.is_paused(window),
        "hall_queues": [q for q, _ in queueing.waiting_counts(window.hall)],
        "queues": queueing.waiting_counts(window.hall, window),
        "called": queueing.called_at_window(window),
        "no_shows": queueing.recent_no_shows(window.hall, window=window, latest=5),
        "no_show_rule": queueing.no_show_rule(),
        "open_cases": services.open_cases_at(window),
        "returned": services.returned_cases_at(window),
        "to_deliver": to_deliver,
        "overdue": services.overdue_commitments(window.hall),
        "delivery_methods": services.DELIVERY_METHODS,
        "scanned": scanned,
        "applicant_shown": bool(scanned) and services.applicant_shown_at(scanned, window.id),
        "prereview": intake.prereview_of(scanned) if scanned else None,
        # A ticket accepted elsewhere: which window holds its case, to be read there or here with a reason.
        "scanned_case": services.case_of_ticket(scanned) if scanned and scanned.status == "served" else None,
        "scan_error": scan_error,
        "action_error": action_error,
        "code": code,
        "refused_delivery": refused_delivery or {},
    }
    shown = [
        *(c.person_id for c in context["open_cases"]),
        *(c.person_id for c, _ in context["returned"]),
        *(c.person_id for c in to_deliver),
        scanned.person_id if context["applicant_shown"] else None,
    ]
    access.record(actor=request.actor, persons=shown, where=request.path)  # names and the scanned one's ID
    return render(request, "cases/window.html", context, status=status)


@staff_page(roles.CLERK)
def window_page(request, code: str):
    return _window_page(request, _at(request, code))


@require_POST
@staff_page(roles.CLERK)
def scan(request, code: str):
    """The scanned (or typed) ticket code comes by POST: whatever a scanner types never lands in a URL or log."""
    window = _at(request, code)
    scanned_code = parse(ScanForm, request.POST)["code"]
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
    window = _at(request, code)
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
    window = _at(request, code)
    try:
        message = action(window)
    except DomainError as exc:
        return _window_page(request, window, action_error=exc.message, status=exc.status)
    messages.success(request, message)
    return redirect("cases:window", code=code)


def _on_called_ticket(request, code: str, ticket_id: int, service, say) -> object:
    """A window's action on one of its tickets: the queueing service, then what the clerk is told."""
    return _ticket_action(
        request, code, lambda window: say(service(window=window, ticket_id=ticket_id, actor=request.actor))
    )


@require_POST
@staff_page(roles.CLERK)
def recall(request, code: str, ticket_id: int):
    return _on_called_ticket(
        request,
        code,
        ticket_id,
        queueing.recall,
        lambda t: f"{t.number} 已过号" if t.status == "no_show" else f"已重呼 {t.number}（第{t.recalls}次）",
    )


@require_POST
@staff_page(roles.CLERK)
def no_show(request, code: str, ticket_id: int):
    return _on_called_ticket(request, code, ticket_id, queueing.mark_no_show, lambda t: f"{t.number} 已过号")


@require_POST
@staff_page(roles.CLERK)
def recall_no_show(request, code: str, ticket_id: int):
    """过号 citizen back at the counter: called to this window again, the same ticket."""
    return _on_called_ticket(
        request, code, ticket_id, queueing.recall_no_show, lambda t: f"已重新叫号 {t.number}"
    )


@require_POST
@staff_page(roles.CLERK)
def transfer(request, code: str, ticket_id: int):
    def act(window):
        queue_code = parse(TransferForm, request.POST)["queue"]
        t = queueing.transfer(window=window, ticket_id=ticket_id, queue_code=queue_code, actor=request.actor)
        return f"{t.number} 已转到{t.queue.name}，保留原排队时间"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def pause(request, code: str):
    paused = parse(PauseForm, request.POST)["paused"]

    def act(window):
        queueing.set_paused(window=window, paused=paused, actor=request.actor)
        return f"{window.name}已暂停叫号" if paused else f"{window.name}已恢复叫号"

    return _ticket_action(request, code, act)


@require_POST
@staff_page(roles.CLERK)
def deliver(request, code: str, case_id: int):
    window = _case_at(request, code, case_id)
    try:
        typed = parse(DeliverForm, request.POST)
        case = services.deliver(actor=request.actor, case_id=case_id, **typed)
    except DomainError as exc:
        # beside the case's own row, with the method and number as chosen: pressing 出件 again must not deliver
        # by another method than the one the clerk picked
        field = next(iter(exc.errors), "")
        sent = DeliverForm(request.POST).data  # shown back as typed, whether or not it could be read
        refused = {
            "case": case_id,
            "message": exc.message,
            "field": field,
            "method": sent.get("method", ""),
            "tracking": sent.get("tracking_number", ""),
        }
        return _window_page(request, window, status=exc.status, refused_delivery=refused)
    messages.success(
        request, f"办件 {case.number} 已出件（{services.DELIVERY_METHODS[case.delivery_method]}）"
    )
    return redirect("cases:window", code=code)


@require_POST
@staff_page(roles.CLERK)
def accept(request, code: str):
    window = _at(request, code)
    scanned_code = parse(AcceptForm, request.POST)["code"]
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
    _case_at(request, code, case_id)
    case = services.get_case(actor=request.actor, case_id=case_id)
    accepted_at = clock.localtime(case.accepted_at, case.hall.timezone)
    response = HttpResponse(
        printing.receipt_pdf(**_receipt(request, case), accepted_at=accepted_at),
        content_type="application/pdf",
    )
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
    return _leave_window(
        request, code, case_id, services.complete, "办结", lambda case: f"办件 {case.number} 已办结"
    )


@require_POST
@staff_page(roles.CLERK)
def hand_over(request, code: str, case_id: int):
    return _leave_window(
        request,
        code,
        case_id,
        services.hand_over,
        "移交后台",
        lambda case: f"办件 {case.number} 已移交后台，承诺{services.promised_by(case)}办结",
    )


def _leave_window(request, code: str, case_id: int, act, doing: str, done):
    """F10: save what was typed, then the case leaves the window (办结 or 移交后台) if its form is complete.

    A value that fails its rule is left out of the saved draft and keeps the case at the window, even in a field
    that may stay empty: the case never leaves with something the clerk typed silently dropped."""
    window = _case_at(request, code, case_id)
    if refused := _save_typed(request, code, case_id, doing=doing):
        return refused
    try:
        case = act(actor=request.actor, case_id=case_id)
    except Invalid as exc:  # the form is not complete: back to it, each field in error marked
        return _case_page(request, code, case_id, errors=exc.errors, problem=exc.message, status=exc.status)
    except DomainError as exc:
        return _window_page(request, window, action_error=exc.message, status=exc.status)
    messages.success(request, done(case))
    return redirect("cases:window", code=code)


def _form_rows(case, cf, *, errors: dict, submitted: dict | None) -> list:
    """The merged form's pages for the template: each field with its widget, value, origin and error.

    `submitted` holds what was sent for the fields in error (shown as typed, beside the reason); every other
    field shows what is stored or known."""
    pages = [("核心信息（各事项共用）", cf.form.core)] + [
        (next((i.matter.name for i in case.items.all() if i.matter.code == m), m), fields)
        for m, fields in cf.form.pages.items()
        if fields
    ]
    first_error = next((f for f in cf.fields if f in errors), None)
    rows = []
    for title, fields in pages:
        shown = []
        for f in fields:
            d = cf.definitions.get(f.field)
            value = (submitted or {}).get(f.field, cf.value(f.field))
            shape = fields_rules.widget(d.type, d.validation) if d else {"input": "text"}
            source = cf.known.get(f.field, ("", ""))[1]
            shown.append(
                {
                    "field": f.field,
                    "label": f.label,
                    "required": f.required,
                    "readonly": cf.readonly(f.field),
                    "value": value if isinstance(value, str) else fields_rules.JOINER.join(value),
                    "ticked": fields_rules.ticked(value) if shape["input"] == "checkboxes" else [],
                    "display": casefile.shown_value(d, f.field, cf.value(f.field)),
                    "widget": shape,
                    "source": source if cf.prefilled(f.field) else "",
                    "prefilled": cf.prefilled(f.field),
                    "error": errors.get(f.field),
                    "focus": f.field == first_error,
                }
            )
        rows.append((title, shown))
    return rows


READ_GRANT = timedelta(minutes=10)
READ_GRANTS = "case_reads"  # session key: {case id: {"reason": …, "until": POSIX seconds}}


def _granted_reason(request, case_id: int) -> str:
    """The reason this session stated for reading the case, while its grant lasts; else ""."""
    grant = request.session.get(READ_GRANTS, {}).get(str(case_id))
    if not grant or grant["until"] <= clock.now().timestamp():
        return ""
    return str(grant["reason"])


def _grant_read(request, case_id: int, reason: str) -> None:
    now = clock.now().timestamp()
    grants = {k: g for k, g in request.session.get(READ_GRANTS, {}).items() if g["until"] > now}
    grants[str(case_id)] = {"reason": reason, "until": now + READ_GRANT.total_seconds()}
    request.session[READ_GRANTS] = grants


@require_http_methods(["GET", "POST"])
@staff_page(roles.CLERK)
def case_page(request, code: str, case_id: int):
    """The case at the window. Another window's case of the hall shows only for a reason stated on the form
    (POST here: a reason in the address would land in proxy logs and the browser's history), kept in the session
    for READ_GRANT; then the page reads it again by GET, each showing recorded with the reason (core.access)."""
    if request.method == "POST":
        window = _at(request, code)
        try:
            reason = parse(ReasonForm, request.POST)["reason"]
            stated = services.reason_to_read(actor=request.actor, case_id=case_id, reason=reason)
        except Invalid as exc:
            return _reason_page(request, window, case_id, exc, typed=_kept_reason(request))
        _grant_read(request, case_id, stated)
        return redirect("cases:case", code=code, case_id=case_id)
    try:
        return _case_page(request, code, case_id, reason=_granted_reason(request, case_id))
    except services.ReasonNeeded as exc:
        return _reason_page(request, _at(request, code), case_id, exc)


def _reason_page(request, window, case_id: int, error, *, typed: str = ""):
    return render(
        request,
        "cases/case_reason.html",
        {"window": window, "case_id": case_id, "error": error, "reason": typed},
        status=error.status,
    )


def _kept_reason(request) -> str:
    """A refused reason, given back to its field to be mended rather than typed again; not one refused for holding
    a resident ID or a phone, which the page must not show in full."""
    typed = str(ReasonForm(request.POST)["reason"].value() or "")
    return "" if contains_personal_number(typed) else typed


def _case_page(
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
    reason="",
):
    """The case at the window, for the page and for each action refused on it (called from views that have
    passed the clerk's role and window check): `errors` and `submitted` mark the merged form's fields, `problem`
    says why on top, `continuation` is the 接续受理 step in progress."""
    window = _at(request, code)
    case = services.read_case(actor=request.actor, case_id=case_id, where=request.path, reason=reason)
    cf = services.case_form(case)
    matters = [item.matter for item in case.items.select_related("matter")]
    judged = services.judged_versions(case)  # what the desk judged, not a checklist republished since
    guidance = [
        (m, catalog.materials_of(m, version=judged.get(m.code)), catalog.latest_check(m)) for m in matters
    ]
    # Another window's case, read for a stated reason: shown, with nothing on it to act on (each action would be
    # refused) and no ferry panel (it polls as the case's own window).
    foreign = not services.in_scope(request.actor, case)
    return render(
        request,
        "cases/case.html",
        {
            "window": window,
            "case": case,
            "foreign": foreign,
            "rows": _form_rows(case, cf, errors=errors or {}, submitted=submitted),
            "problem": problem if continuation is None else "",
            "continuation": continuation,
            "outlier_error": outlier_error,
            "continuation_problem": problem if continuation is not None else "",
            "form": cf.form,
            "guidance": guidance,
            "tasks": case.tasks.select_related("matter", "department"),
            "awaits_hand_over": not foreign and services.awaits_hand_over(case),
            "form_locked": foreign or not services.form_editable(case),
            "commitments": case.commitments.all(),
            "offers": []
            if foreign
            else [(b, catalog.bundle_spec(b).questions) for b in services.continuation_offers(case)],
            "delivery_methods": services.DELIVERY_METHODS,
            "supply_channels": SUPPLY_CHANNELS,
            "returns": list(case.returns.select_related("department")),
            "correction_channels": CaseReturn.Via.choices,
            "history": casefile.case_history(case),
            "panels": [] if foreign else [p for p in (panel(case, window) for panel in hooks.PANELS) if p],
        },
        status=status,
    )


SUPPLY_CHANNELS = {"hall": "大厅补交", "online": "网上补交", "mail": "邮寄"}


@require_POST
@staff_page(roles.CLERK)
def save_form(request, code: str, case_id: int):
    _case_at(request, code, case_id)
    if refused := _save_typed(request, code, case_id):
        return refused
    messages.success(request, "表单已保存（草稿）；办结时须填齐带 * 的必填项")
    return redirect("cases:case", code=code, case_id=case_id)


def _submitted(data) -> dict[str, str | list[str]]:
    """The merged form's values in this POST: a group of checkboxes sends a list (its empty marker first).

    Not a Django Form: the fields are the case's own (the catalog's field dictionary, per matter), and
    services.save_draft checks each against its rule for this page and the API alike; a form here would
    repeat those rules. Names starting with "_" are the page's own inputs (PrefilledForm)."""
    values = {}
    for name in data:
        if name.startswith("_") or name == "csrfmiddlewaretoken":
            continue
        sent = data.getlist(name)
        values[name] = sent if len(sent) > 1 else sent[0]
    return values


def _save_typed(request, code: str, case_id: int, *, doing: str = ""):
    """Save the merged form's values sent with this POST (F8, or F10 before the case leaves the window): every
    valid value is kept; the page again, each field left out marked with its reason, when one was not valid.

    `doing` names what F10 was asked to do (办结, 移交后台), which a value left out stops."""
    submitted = _submitted(request.POST)
    if not submitted:
        return None
    prefilled = parse(PrefilledForm, request.POST)["_prefilled"]
    try:
        draft = services.save_draft(
            actor=request.actor, case_id=case_id, submitted=submitted, prefilled=prefilled
        )
    except DomainError as exc:
        return _case_page(
            request,
            code,
            case_id,
            errors=exc.errors,
            submitted=submitted,
            problem=exc.message,
            status=exc.status,
        )
    if not draft.errors:
        return None
    errors, problem = dict(draft.errors), f"以下字段填写有误，未保存：{draft.names}。"
    if doing:
        problem = f"表单尚未填写完整，不能{doing}。{problem}"
        missing = services.form_problems(draft.case)
        errors = {**missing, **errors}
        if still := [draft.labels[f] for f in missing if f not in draft.errors]:
            problem += f"还须填写：{'、'.join(still)}。"
    if draft.valid:
        problem += "其余已保存（草稿）。"
    return _case_page(
        request,
        code,
        case_id,
        errors=errors,
        status=422,
        problem=problem,
        submitted={f: submitted[f] for f in draft.errors},
    )


@require_POST
@staff_page(roles.CLERK)
def supply(request, code: str, case_id: int, commitment_id: int):
    window = _case_at(request, code, case_id)
    try:
        via = parse(ViaForm, request.POST)["via"]
        services.supply(
            actor=request.actor, commitment_id=commitment_id, via=via, window=window, case_id=case_id
        )
    except DomainError as exc:
        return _case_page(request, code, case_id, problem=exc.message, status=exc.status)
    messages.success(request, "已登记补交")
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def correct(request, code: str, case_id: int):
    """补正 registered at the window: the citizen here (a visit), or what came online or by mail (no visit)."""
    window = _case_at(request, code, case_id)
    try:
        via = parse(ViaForm, request.POST)["via"]
        case = services.correct(actor=request.actor, case_id=case_id, via=via, window=window)
    except DomainError as exc:
        return _case_page(request, code, case_id, problem=exc.message, status=exc.status)
    messages.success(
        request, f"办件 {case.number} 已补正（{CaseReturn.Via(via).label}），已退回的环节重新进入后台办理"
    )
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def continue_case(request, code: str, case_id: int):
    """接续受理 in two steps: the answers give the added matters, whose materials the clerk then checks off.

    A commitment date the page cannot read is refused on the step, naming the field: it is never taken as no
    date (which the service would report as a date not filled in)."""
    _case_at(request, code, case_id)
    form = ContinueForm(request.POST)
    refused = None if form.is_valid() else form.invalid()
    data = form.cleaned_data
    bundle_code = data["bundle"]
    answers = catalog.answers_from_query(request.POST, bundle_code) if bundle_code else {}
    try:
        _, bundle, check = services.continuation_check(
            actor=request.actor, case_id=case_id, bundle_code=bundle_code, answers=answers
        )
    except DomainError as exc:
        return _case_page(request, code, case_id, problem=exc.message, status=exc.status)
    default_due = clock.local_date(request.actor.hall.timezone) + timedelta(days=7)
    typed_due = form["tolerance_due"].value() if refused else ""  # shown back as typed, beside its error
    step = {
        "bundle": bundle,
        "check": check,
        "answers": answers,
        "present": data["materials"],
        "signed": data["commitment"],
        "due": typed_due or (data.get("tolerance_due") or default_due).isoformat(),
    }
    if not data["confirm"]:
        return _case_page(request, code, case_id, continuation=step)
    try:
        if refused:
            raise refused
        case = services.continue_into(
            actor=request.actor,
            case_id=case_id,
            bundle_code=bundle_code,
            answers=answers,
            present=step["present"],
            commitment_signed=step["signed"],
            tolerance_due=data["tolerance_due"],
        )
    except DomainError as exc:
        step["errors"] = exc.errors
        return _case_page(request, code, case_id, continuation=step, problem=exc.message, status=exc.status)
    then = "新增事项的表单填写完整后，按 F10 移交后台" if services.awaits_hand_over(case) else ""
    messages.success(request, f"已接续受理为「{bundle.name}」" + (f"。{then}" if then else ""))
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def flag_outlier(request, code: str, case_id: int):
    _case_at(request, code, case_id)
    try:
        services.flag_outlier(
            actor=request.actor, case_id=case_id, note=parse(NoteForm, request.POST)["note"]
        )
    except DomainError as exc:
        return _case_page(
            request, code, case_id, outlier_error=exc.message, problem=exc.message, status=exc.status
        )
    messages.success(request, "已标记为极端案例：不计入平均办理时长与往返次数，在指标复盘中单列")
    return redirect("cases:case", code=code, case_id=case_id)


@require_POST
@staff_page(roles.CLERK)
def full_id(request, code: str, case_id: int):
    """查看完整证件号码: a clerk of the case's own window, for a stated reason; recorded. The answer is not kept
    by the browser's cache."""
    window = _case_at(request, code, case_id)
    try:
        reason = parse(ReasonForm, request.POST)["reason"]
        case, number = services.full_resident_id(
            actor=request.actor, case_id=case_id, where=request.path, reason=reason
        )
    except Invalid as exc:
        case = services.get_case(actor=request.actor, case_id=case_id)
        response = render(
            request,
            "cases/full_id.html",
            {"window": window, "case": case, "error": exc, "reason": _kept_reason(request)},
            status=exc.status,
        )
    else:
        response = render(request, "cases/full_id.html", {"window": window, "case": case, "number": number})
    response["Cache-Control"] = "no-store"
    return response
