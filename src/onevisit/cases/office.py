"""Back-office pages (后台): the department's work list, task decisions, verification requests and answers."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.cases import services
from onevisit.catalog import services as catalog
from onevisit.core import clock
from onevisit.core.errors import DomainError

app_name = "office"


def _page(request, *, refused: dict | None = None, status: int = 200):
    return render(
        request,
        "cases/office.html",
        {
            "tasks": services.work_list(request.actor),
            "inbox": services.verification_inbox(request.actor),
            "departments": sorted(catalog.departments()),
            "now": clock.now(),
            "refused": refused or {},
        },
        status=status,
    )


@staff_page(roles.OFFICE)
def work_list(request):
    return _page(request)


def _act(request, action, done: str, *, form: str, pk: int):
    """Do it and go back to the list; a refusal comes back on the list with the form's fields marked and kept."""
    try:
        action()
    except DomainError as exc:
        refused = {
            "form": form,
            "pk": pk,
            "message": exc.message,
            "errors": exc.errors,
            "values": request.POST,
        }
        return _page(request, refused=refused, status=exc.status)
    messages.success(request, done)
    return redirect("office:work-list")


@require_POST
@staff_page(roles.OFFICE)
def approve(request, task_id: int):
    return _act(
        request,
        lambda: services.approve_task(
            actor=request.actor, task_id=task_id, note=request.POST.get("note", "")
        ),
        "已审批通过",
        form="approve",
        pk=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def give_back(request, task_id: int):
    return _act(
        request,
        lambda: services.return_task(
            actor=request.actor,
            task_id=task_id,
            reasons=request.POST.get("reasons", ""),
            to=request.POST.get("to", "window"),
        ),  # fmt: skip
        "已退件",
        form="return",
        pk=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def verify(request, task_id: int):
    return _act(
        request,
        lambda: services.request_verification(
            actor=request.actor,
            task_id=task_id,
            department=request.POST.get("department", ""),
            question=request.POST.get("question", ""),
        ),  # fmt: skip
        "已发起核验",
        form="verify",
        pk=task_id,
    )


@require_POST
@staff_page(roles.OFFICE)
def answer(request, verification_id: int):
    return _act(
        request,
        lambda: services.answer_verification(
            actor=request.actor,
            verification_id=verification_id,
            confirmed=request.POST.get("confirmed") == "yes",
            answer=request.POST.get("answer", ""),
        ),  # fmt: skip
        "已答复核验",
        form="answer",
        pk=verification_id,
    )


urlpatterns = [
    path("", work_list, name="work-list"),
    path("tasks/<int:task_id>/approve/", approve, name="approve"),
    path("tasks/<int:task_id>/return/", give_back, name="return"),
    path("tasks/<int:task_id>/verify/", verify, name="verify"),
    path("verifications/<int:verification_id>/answer/", answer, name="answer"),
]
