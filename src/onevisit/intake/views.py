"""Guide desk (导引台) and self-service kiosk (自助取号) pages."""

from __future__ import annotations

import functools
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.catalog import services as catalog
from onevisit.catalog.notice import render_notice
from onevisit.catalog.services import ANSWER_PREFIX
from onevisit.core import access, clock, people
from onevisit.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from onevisit.core.ids import mask_name
from onevisit.core.links import public_url, qr_svg
from onevisit.intake import printing, services
from onevisit.intake.forms import (
    AppointmentForm,
    CheckInForm,
    ConsultationForm,
    KioskForm,
    PrereviewForm,
    TicketCodeForm,
)
from onevisit.intake.models import PreReview
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket


def _served_bundles(hall) -> list:
    served = {m.code for m in queueing.served_matters(hall)}
    return [b for b in catalog.list_bundles() if served & {m.code for m in b.matters.all()}]


@staff_page(roles.GUIDE)
def guide(request):
    hall = request.actor.hall
    matters = queueing.served_matters(hall)
    bundles = _served_bundles(hall)
    return render(
        request,
        "intake/guide.html",
        {
            "items": [("bundle", b, catalog.search_text(b.name, b.code)) for b in bundles]
            + [("matter", m, catalog.search_text(m.name, m.code)) for m in matters],
            "matters": matters,
            "bundles": bundles,
        },
    )


def _content(request, ticket: Ticket) -> printing.TicketContent:
    waiting = ticket.status == Ticket.Status.WAITING
    return printing.content_for(
        ticket,
        status_url=public_url(request, reverse("public:status", args=[ticket.token])),
        waiting_ahead=queueing.waiting_ahead(ticket) if waiting else 0,
        estimated_minutes=queueing.estimated_wait_minutes(ticket) if waiting else 0,
    )


def ticket_outcome(request, ticket: Ticket, location: str) -> printing.PrintOutcome:
    """Print the ticket where it was issued and tell the staff member what happened."""
    content = _content(request, ticket)
    outcome = printing.print_ticket(ticket=ticket, location=location, content=content, actor=request.actor)
    if outcome.printed_on and not outcome.needs_pdf and outcome.failed_over:
        messages.warning(
            request, f"小票 {ticket.number} 已改用备用的{outcome.printed_on.name}打印（{outcome.trouble}）"
        )
    elif outcome.printed_on and not outcome.needs_pdf:
        messages.success(request, f"小票 {ticket.number} 已在{outcome.printed_on.name}打印")
    elif outcome.failures:
        messages.warning(request, f"打印机不可用（{outcome.trouble}），请点击“打印小票 PDF”")
    return outcome


DESK_FIELDS = ("name", "resident_id", "phone", "channel", "tolerance_due")
# The order a staff member reads the form in: focus goes to the first field in error.
FIELD_ORDER = (
    "answers",
    "materials",
    "name",
    "resident_id",
    "phone",
    "channel",
    "commitment",
    "tolerance_due",
)


def _first_error(errors: dict[str, str]) -> str:
    for field in FIELD_ORDER:
        if field in errors:
            return field
    return next(iter(errors), "")


def _question_errors(errors: dict[str, str]) -> dict[str, str]:
    """Answer errors (answers.<question>) keyed by the question's input name (q-<question>)."""
    return {f"q-{k.partition('.')[2]}": v for k, v in errors.items() if k.startswith("answers.")}


@staff_page(roles.GUIDE)
def prereview_form(request, kind: str, code: str):
    """The desk's pre-review. A change of situation re-renders the form with everything already typed kept."""
    matter_code, bundle_code = (code, None) if kind == "matter" else (None, code)
    source = request.POST if request.method == "POST" else request.GET
    answers = catalog.answers_from_query(source, bundle_code)
    error, errors = None, {}
    try:
        checklist = services.checklist(matter_code=matter_code, bundle_code=bundle_code, answers=answers)
    except Invalid as exc:
        if not (bundle_code and (exc.field or "").startswith("answers")):
            raise
        # no matter applies yet, or an answer is not valid: show the questions again with the problem
        keep = {} if exc.field != "answers" else answers
        checklist = catalog.checklist_for_bundle(bundle_code, keep)
        error, errors = exc.message, dict(exc.errors)
    hall = request.actor.hall
    today = clock.local_date(hall.timezone)
    key_code = checklist.code if kind == "matter" else catalog.get_bundle(code).key_matter.code
    channels = services.offered_channels(hall, checklist, key_code) if checklist.matters else []
    served = {m.code for m in queueing.served_matters(hall)}
    # Said as soon as the answers lead there, not after the whole form is filled: no window here takes them.
    unserved = checklist.matters and not served & {m.code for m in checklist.matters}
    values = {
        "tolerance_due": services.default_tolerance_due(checklist.materials, today).isoformat(),
        "channel": PreReview.Channel.WINDOW
        if PreReview.Channel.WINDOW in channels
        else (channels or [""])[0],
    }
    form = PrereviewForm(request.POST)  # empty on a GET
    form.is_valid()  # only a date can be in error: refused below, when the form is submitted
    sent = form.cleaned_data
    present: list[str] = []
    not_applicable: dict[str, str] = {}
    if request.method == "POST":
        values = {k: form.typed(k) for k in DESK_FIELDS}
        present = sent["materials"]
        not_applicable = form.not_applicable()
    context = {
        "kind": kind,
        "code": code,
        "checklist": checklist,
        "clauses": catalog.clause_titles(m.clause for m in checklist.materials),
        "channels": [(c, PreReview.Channel(c).label) for c in channels],
        "values": values,
        "present": set(present),
        "not_applicable": not_applicable,
        "flags": {k: sent[k] for k in ("disability", "commitment", "confirm_name")},
        "errors": errors,
        "question_errors": _question_errors(errors),
        "first_error": _first_error(errors),
        "error": error,
        "unserved": unserved,
        "idempotency_key": sent["idempotency_key"] or queueing.new_token(),
    }
    if request.method != "POST" or sent["refresh"]:
        return render(request, "intake/prereview_form.html", context)
    if not error and form.errors:  # a date the page cannot read is refused, never taken as no date
        refused = form.invalid()
        error, errors = refused.message, refused.errors
        context.update(errors=errors, first_error=_first_error(errors), error=error)
    if error:
        return render(request, "intake/prereview_form.html", context, status=422)
    due = sent["tolerance_due"]
    submit = services.submit_prereview
    if booking := parse(AppointmentForm, request.GET)["appointment"]:  # a desk check-in keeps its booking
        submit = functools.partial(services.check_in_at_desk, appointment_code=booking)
    try:
        prereview = submit(
            actor=request.actor,
            matter_code=matter_code,
            bundle_code=bundle_code,
            answers=answers,
            present=present,
            name=values["name"],
            resident_id=values["resident_id"],
            phone=values["phone"],
            channel=values["channel"] or PreReview.Channel.WINDOW,
            disability=context["flags"]["disability"],
            commitment_signed=context["flags"]["commitment"],
            tolerance_due=due,
            not_applicable=not_applicable,
            confirm_name=context["flags"]["confirm_name"],
            join_waiting=sent["join_waiting"],
            idempotency_key=sent["idempotency_key"],
        )
    except DomainError as exc:
        if not isinstance(exc, Invalid | Conflict):
            raise
        context.update(
            errors=exc.errors,
            question_errors=_question_errors(exc.errors),
            first_error=_first_error(exc.errors),
            error=exc.message,
            name_differs=getattr(exc, "known_masked", None),
            waiting=getattr(exc, "ticket", None),
        )
        return render(request, "intake/prereview_form.html", context, status=exc.status)
    if prereview.ticket and prereview.ticket.status == Ticket.Status.WAITING:
        if sent["join_waiting"]:
            messages.success(request, f"已把本次事项加入小票 {prereview.ticket.number}，无需另取号")
        else:
            ticket_outcome(request, prereview.ticket, request.actor.staff.desk or "guide")
    return redirect("intake:prereview", pk=prereview.pk)


def _own_prereview(request, pk: int) -> PreReview:
    prereview = (
        PreReview.objects.select_related("matter", "bundle", "person", "ticket__queue")
        .filter(pk=pk, hall=request.actor.hall)
        .first()
    )
    if prereview is None:
        raise NotFound("本大厅没有该预审记录")
    return prereview


def _online_path(request, prereview: PreReview) -> str:
    """The matter's online path for 网办辅导: its public notice page until the online channel exists."""
    if prereview.bundle_id:
        query = urlencode(
            [(f"{ANSWER_PREFIX}{k}", v) for k, vs in prereview.answers.items() for v in _as_list(vs)]
        )
        path = reverse("catalog:bundle", args=[prereview.bundle.code]) + (f"?{query}" if query else "")
    else:
        path = reverse("catalog:matter", args=[prereview.matter.code])
    return public_url(request, path)


def _as_list(value) -> list:
    if isinstance(value, list):
        return value
    return ["true" if value is True else "false" if value is False else value]


@staff_page(roles.GUIDE)
def prereview_result(request, pk: int):
    prereview = _own_prereview(request, pk)
    access.record_one(actor=request.actor, person=prereview.person_id, where=request.path)
    ticket = prereview.ticket
    names = catalog.matter_names()
    online = None
    if prereview.channel == PreReview.Channel.ONLINE_ASSISTED:
        url = _online_path(request, prereview)
        online = {"url": url, "qr": qr_svg(url, title="扫码在手机上办理")}
    return render(
        request,
        "intake/prereview_result.html",
        {
            "online": online,
            "open_cases": services.open_cases(prereview),
            "person_name": people.name_at(prereview.person, prereview.created_at),
            "matter_names": [names.get(c, c) for c in prereview.matters],
            "not_applicable": [
                (m, prereview.not_applicable[m.code])
                for m in services.materials_of(prereview)
                if m.code in prereview.not_applicable
            ],
            "prereview": prereview,
            "missing": services.missing_materials(prereview),
            "ticket": ticket,
            "waiting_ahead": queueing.waiting_ahead(ticket)
            if ticket and ticket.status == "waiting"
            else None,
            "estimated": queueing.estimated_wait_minutes(ticket)
            if ticket and ticket.status == "waiting"
            else None,
        },
    )


@staff_page(roles.GUIDE)
def missing_notice_pdf(request, pk: int):
    """The personalised one-time notice: only what this citizen still has to bring."""
    prereview = _own_prereview(request, pk)
    checklist = services.checklist(
        matter_code=None if prereview.bundle_id else prereview.matter.code,
        bundle_code=prereview.bundle.code if prereview.bundle_id else None,
        answers=prereview.answers,
    )
    checklist.materials = services.missing_materials(prereview)
    kind, code = (
        ("bundle", prereview.bundle.code) if prereview.bundle_id else ("matter", prereview.matter.code)
    )
    pdf = render_notice(
        checklist,
        url=public_url(request, reverse(f"catalog:{kind}", args=[code])),
        situation=[],
        today=clock.local_date(request.actor.hall.timezone),
        matter_names=catalog.matter_names(),
    )
    return HttpResponse(pdf, content_type="application/pdf")


def ticket_pdf_response(request, ticket: Ticket) -> HttpResponse:
    response = HttpResponse(printing.ticket_pdf(_content(request, ticket)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ticket-{ticket.number}.pdf"'
    return response


@never_cache
@staff_page(roles.GUIDE, roles.KIOSK)
def ticket_pdf(request, token: str):
    try:
        ticket = _printable_ticket(request, token)
    except DomainError as exc:
        if request.actor.has(roles.GUIDE):
            raise
        return _kiosk_error(request, exc)
    return ticket_pdf_response(request, ticket)


@require_POST
@staff_page(roles.GUIDE)
def consultation(request):
    sent = parse(ConsultationForm, request.POST)
    kind, _, code = sent["target"].partition(":")
    try:
        services.record_consultation(
            actor=request.actor,
            matter_code=code if kind == "matter" else None,
            bundle_code=code if kind == "bundle" else None,
            note=sent["note"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已记录一次咨询")
    return redirect("intake:guide")


@require_POST
@staff_page(roles.GUIDE, roles.KIOSK)
def check_in(request):
    """预约签到. At the guide desk it leads into the pre-review of the booked matter, the booking kept; at the
    kiosk the citizen first confirms they brought the materials, then gets the appointment ticket."""
    sent = parse(CheckInForm, request.POST)
    at_kiosk = sent["back"] == "intake:kiosk" or not request.actor.has(roles.GUIDE)
    code = sent["code"]
    try:
        if not at_kiosk:
            appointment, on_time = queueing.checkable_appointment(hall=request.actor.hall, code=code)
        elif not sent["confirmed"]:
            appointment, on_time = queueing.checkable_appointment(hall=request.actor.hall, code=code)
            # Told before confirming any materials: a booker whose ticket waits gets no second one.
            services.refuse_second_ticket(request.actor.hall, appointment.person, to_citizen=True)
            checklist = catalog.checklist_for_matter(appointment.matter.code)
            context = _kiosk_context(appointment=appointment, on_time=on_time, materials=checklist.materials)
            return render(request, "intake/check_in_confirm.html", context)
        else:
            ticket, on_time = services.check_in_at_kiosk(actor=request.actor, code=code)
    except services.AlreadyWaiting as exc:
        return _kiosk_waiting(request, exc)
    except DomainError as exc:
        if at_kiosk:
            return _kiosk_error(request, exc)
        messages.error(request, exc.message)
        return redirect("intake:guide")
    if not at_kiosk:
        slot = appointment.slot
        note = "" if on_time else "；已超过预约时段，出号时按普通号排队"
        person = appointment.person
        messages.info(
            request,
            f"预约签到：{appointment.matter.name}，{slot.day.month}月{slot.day.day}日 {slot.start:%H:%M}–{slot.end:%H:%M}，"
            f"预约码 {appointment.code}，预约人 {mask_name(person.name)}（{person.id_masked}）。请核对证件和材料后预审；"
            f"办事人信息未填写的沿用预约时的信息{note}。",
        )
        target = reverse("intake:prereview-matter", args=[appointment.matter.code])
        return redirect(f"{target}?{urlencode({'appointment': appointment.code})}")
    if not on_time:
        messages.warning(request, "已超过预约时段，按普通号排队")
    _kiosk_print(request, ticket)
    return redirect("intake:kiosk-ticket", token=ticket.token)


# ---- 过号之后: a returning citizen rejoins the queue at the desk, keeping the ticket ---------------------------------


@staff_page(roles.GUIDE)
def no_show_return(request):
    hall = request.actor.hall
    context = {"rule": queueing.no_show_rule(), "no_shows": queueing.recent_no_shows(hall), "code": ""}
    if request.method == "POST":
        code = parse(TicketCodeForm, request.POST)["code"]
        try:
            ticket = queueing.requeue_no_show(hall=hall, code=code, actor=request.actor)
        except DomainError as exc:
            context.update(error=exc.message, code=code.strip()[:20])
            return render(request, "intake/no_show_return.html", context, status=exc.status)
        ahead = queueing.waiting_ahead(ticket)
        how = "按原取号时间" if ticket.requeued_at is None else "超过时限，排在当时等候的所有人之后"
        messages.success(
            request, f"{ticket.number} 已重新排队（{ticket.queue.name}，{how}），前面还有 {ahead} 人"
        )
        return redirect("intake:no-show-return")
    return render(request, "intake/no_show_return.html", context)


# ---- kiosk --------------------------------------------------------------------------------------------------
# The kiosk is one history entry (hx-replace-url, no htmx history snapshot, no-store): after a ticket or an idle
# minute it goes back to its start screen and nothing of the last citizen can be reached again by "back".


def _kiosk_context(**extra) -> dict:
    return {
        "kiosk_idle": settings.ONEVISIT_KIOSK_IDLE_SECONDS,
        "kiosk_home": reverse("intake:kiosk"),
        **extra,
    }


def _kiosk_error(request, exc: DomainError) -> HttpResponse:
    """A refusal on the kiosk's own screen: plain words, a way back to the start, no staff bar."""
    return render(request, "intake/kiosk_error.html", _kiosk_context(error=exc), status=exc.status)


def _kiosk_waiting(request, exc) -> HttpResponse:
    """No second ticket (services.AlreadyWaiting): the waiting number, and a reprint of that same ticket where
    the kiosk's own rule allows it (_printable_ticket: a ticket this kiosk issued a moment ago), else the desk."""
    try:
        reprint = _printable_ticket(request, exc.ticket.token) is not None
    except DomainError:
        reprint = False
    context = _kiosk_context(error=exc, ticket=exc.ticket, reprint=reprint)
    return render(request, "intake/kiosk_waiting.html", context, status=exc.status)


def _printable_ticket(request, token: str) -> Ticket:
    """The guide desk prints any ticket of its hall; a kiosk only the tickets it issued, and only for a while."""
    ticket = queueing.find_ticket(hall=request.actor.hall, code=token)
    if request.actor.has(roles.GUIDE):
        return ticket
    issued = queueing.issued_by(ticket, request.actor)
    if issued is None:
        raise Forbidden("只能打印本机刚取的号。如需补打小票，请到导引台。")
    minutes = settings.ONEVISIT_KIOSK_TICKET_MINUTES
    if clock.now() - issued > timedelta(minutes=minutes):
        raise Forbidden(f"已超过打印时间（取号后 {minutes} 分钟内可在本机打印）。如需补打小票，请到导引台。")
    return ticket


def _kiosk_print(request, ticket: Ticket) -> None:
    """Print on the kiosk's printer and tell the citizen in plain words; the detail stays in the print events."""
    outcome = printing.print_ticket(
        ticket=ticket,
        location=request.actor.staff.desk or "kiosk",
        content=_content(request, ticket),
        actor=request.actor,
    )
    if outcome.printed_on and not outcome.needs_pdf:
        messages.success(request, "小票已打印，请取走小票")
    elif outcome.failures:
        messages.warning(request, "打印机暂时不能打印小票：请点“打印小票”，或记下您的号码")
    else:
        messages.info(request, "请点“打印小票”打印您的小票")


@never_cache
@staff_page(roles.KIOSK)
def kiosk(request):
    return render(
        request, "intake/kiosk.html", _kiosk_context(matters=queueing.served_matters(request.actor.hall))
    )


@never_cache
@staff_page(roles.KIOSK)
def kiosk_matter(request, code: str):
    try:
        checklist = catalog.checklist_for_matter(code)
    except DomainError as exc:
        return _kiosk_error(request, exc)
    context = _kiosk_context(checklist=checklist, matter=checklist.matters[0], key=queueing.new_token())
    if request.method == "POST":
        sent = parse(KioskForm, request.POST)
        try:
            ticket = services.issue_at_kiosk(actor=request.actor, matter_code=code, **sent)
        except Invalid as exc:
            context.update(error=exc.message, key=sent["idempotency_key"])
            return render(request, "intake/kiosk_matter.html", context, status=422)
        except services.AlreadyWaiting as exc:
            return _kiosk_waiting(request, exc)
        except DomainError as exc:
            return _kiosk_error(request, exc)
        _kiosk_print(request, ticket)
        return redirect("intake:kiosk-ticket", token=ticket.token)
    return render(request, "intake/kiosk_matter.html", context)


@never_cache
@staff_page(roles.KIOSK, roles.GUIDE)
def kiosk_ticket(request, token: str):
    try:
        ticket = _printable_ticket(request, token)
    except DomainError as exc:
        return _kiosk_error(request, exc)
    waiting = ticket.status == Ticket.Status.WAITING
    return render(
        request,
        "intake/kiosk_ticket.html",
        _kiosk_context(
            kiosk_idle=settings.ONEVISIT_KIOSK_TICKET_SECONDS,
            # A guide checking an appointment in lands here too; 完成 takes them back to their desk.
            kiosk_home=reverse("intake:kiosk" if request.actor.has(roles.KIOSK) else "intake:guide"),
            ticket=ticket,
            waiting_ahead=queueing.waiting_ahead(ticket) if waiting else None,
            estimated=queueing.estimated_wait_minutes(ticket) if waiting else None,
        ),
    )
