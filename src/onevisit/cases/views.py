from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.accounts.services import window_of, windows_of
from onevisit.cases import services
from onevisit.core.errors import DomainError
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing

app_name = "cases"


@staff_page(roles.CLERK)
def window_home(request):
    own = request.actor.staff.window
    if own is not None:
        return redirect("cases:window", code=own.code)
    return render(request, "cases/choose_window.html", {"windows": windows_of(request.actor.hall)})


def _window_page(request, window, *, scanned=None, scan_error=None, code="", status=200):
    context = {
        "window": window,
        "paused": queueing.is_paused(window),
        "hall_queues": [q for q, _ in queueing.waiting_counts(window.hall)],
        "queues": queueing.waiting_counts(window.hall, window),
        "called": queueing.called_at_window(window),
        "open_cases": services.open_cases_at(window),
        "to_deliver": services.to_deliver_at(window),
        "delivery_methods": services.DELIVERY_METHODS,
        "scanned": scanned,
        "prereview": intake.prereview_of(scanned) if scanned else None,
        "scan_error": scan_error,
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
        messages.error(request, exc.message)
        return redirect("cases:window", code=code)
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
        messages.error(request, exc.message)
    else:
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
    return redirect("cases:window", code=code)


@require_POST
@staff_page(roles.CLERK)
def complete(request, code: str, case_id: int):
    window = window_of(request.actor, code)
    try:
        case = services.complete(actor=request.actor, case_id=case_id)
    except DomainError as exc:
        return _window_page(request, window, scan_error=exc.message, status=exc.status)
    messages.success(request, f"办件 {case.number} 已办结")
    return redirect("cases:window", code=code)


urlpatterns = [
    path("", window_home, name="window-home"),
    path("<slug:code>/", window_page, name="window"),
    path("<slug:code>/scan/", scan, name="scan"),
    path("<slug:code>/call/", call_next, name="call"),
    path("<slug:code>/pause/", pause, name="pause"),
    path("<slug:code>/tickets/<int:ticket_id>/recall/", recall, name="recall"),
    path("<slug:code>/tickets/<int:ticket_id>/no-show/", no_show, name="no-show"),
    path("<slug:code>/tickets/<int:ticket_id>/transfer/", transfer, name="transfer"),
    path("<slug:code>/accept/", accept, name="accept"),
    path("<slug:code>/cases/<int:case_id>/complete/", complete, name="complete"),
    path("<slug:code>/cases/<int:case_id>/deliver/", deliver, name="deliver"),
]
