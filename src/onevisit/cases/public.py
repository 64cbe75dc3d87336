"""The citizen's page from the QR on the ticket: queue position, then the case's progress. No login, masked data."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from onevisit.cases import certificate
from onevisit.cases.models import Case
from onevisit.core import people
from onevisit.core.errors import Invalid
from onevisit.core.ids import mask_name
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket


def _ticket_and_case(token: str):
    ticket = queueing.find_by_token(token)
    if ticket is None:
        return None, None
    case = Case.objects.filter(visits__ticket=ticket).select_related("matter", "bundle", "person").first()
    return ticket, case


@never_cache  # a phone or a shared proxy must not keep a citizen's case (issue 16)
def status(request, token: str):
    ticket, case = _ticket_and_case(token)
    if ticket is None:
        return render(request, "error.html", {"error": Invalid("未找到这张小票")}, status=404)
    waiting = ticket.status == Ticket.Status.WAITING
    tasks = list(case.tasks.select_related("matter", "department")) if case else []
    return render(
        request,
        "cases/status.html",
        {
            "ticket": ticket,
            "case": case,
            "masked_name": mask_name(people.name_at(case.person, case.accepted_at)) if case else "",
            "tasks": tasks,
            "done": sum(1 for t in tasks if t.status == "done"),
            "commitments": case.commitments.all() if case else [],
            "open_returns": case.returns.select_related("department").filter(corrected_at__isnull=True)
            if case
            else [],
            "waiting_ahead": queueing.waiting_ahead(ticket) if waiting else None,
            "estimated": queueing.estimated_wait_minutes(ticket) if waiting else None,
            "no_show_rule": queueing.no_show_rule() if ticket.status == Ticket.Status.NO_SHOW else "",
        },
    )


@never_cache
def certificate_pdf(request, token: str):
    """The electronic certificate (电子证照) of a case delivered electronically."""
    ticket, case = _ticket_and_case(token)
    if case is None or case.status != Case.Status.DELIVERED or case.delivery_method != "electronic":
        return render(request, "error.html", {"error": Invalid("没有可下载的电子证照")}, status=404)
    response = HttpResponse(certificate.render(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{case.number}.pdf"'
    return response
