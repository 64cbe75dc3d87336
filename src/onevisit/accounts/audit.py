"""The audit administrator's page over the personal-data access log (core.access): who looked at whom, when,
where and why. Only the audit administrator reads it (三员分立): not even a hall administrator."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from onevisit.accounts import roles
from onevisit.accounts.models import Staff
from onevisit.accounts.pages import Day, Integer, PageForm, Text
from onevisit.accounts.services import Actor, actor_for
from onevisit.core import access
from onevisit.core.errors import DomainError, Forbidden

PAGE_SIZE = 50
# The search's fields the page shows, each with its error beside it (person and page are hidden).
FIELDS = ("staff", "resident_id", "start", "end")


def require_auditor(user) -> Actor:
    """The audit administrator, and no one else: the hall admin's all-roles pass does not open the log."""
    actor = actor_for(user)
    if roles.AUDITOR not in actor.roles:
        raise Forbidden(f"需要角色：{roles.LABELS[roles.AUDITOR]}")
    return actor


class AccessSearchForm(PageForm):
    staff = Text(strip=True, max_length=150, label="工作人员账号")
    resident_id = Text(strip=True, max_length=40, label="办事人公民身份号码")
    person = Integer("办事人")
    start = Day("开始日期")
    end = Day("结束日期")
    page = Integer("页码")


def search(actor: Actor, criteria: dict):
    """The page of records the criteria ask for, and the criteria to carry to the next page (the typed resident
    ID replaced by the Person row id it led to: the number never goes back to the browser)."""
    person = criteria.get("person")
    if criteria.get("resident_id"):
        person = access.person_of(criteria["resident_id"])
    found = access.search(
        hall=actor.hall.code,
        staff=criteria.get("staff") or "",
        person=person,
        start=criteria.get("start"),
        end=criteria.get("end"),
        timezone=actor.hall.timezone,
    )
    page = Paginator(found, PAGE_SIZE).get_page(criteria.get("page") or 1)
    return page, {**criteria, "resident_id": "", "person": person}


@require_http_methods(["GET", "POST"])
def access_log(request):
    """Search by POST: a typed resident ID never lands in an address, a log or the browser's history."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        actor = require_auditor(request.user)
    except Forbidden as exc:
        return render(request, "error.html", {"error": exc}, status=exc.status)
    error, criteria, status = None, {}, 200
    if request.method == "POST":
        form = AccessSearchForm(request.POST)
        if form.is_valid():
            criteria = form.cleaned_data
        else:
            error, status = form.invalid(), 422
    try:
        page, carried = search(actor, criteria if error is None else {})
    except DomainError as exc:
        error, status = exc, exc.status
        page, carried = search(actor, {})
        carried = {**criteria, "resident_id": ""}
    beside = [name for name in (error.errors if error is not None else ()) if name in FIELDS]
    names = dict(
        Staff.objects.filter(user__username__in={r.staff for r in page}).values_list(
            "user__username", "display_name"
        )
    )
    return render(
        request,
        "accounts/access_log.html",
        {
            "page": page,
            "criteria": carried,
            "error": error,
            # a field's error is shown beside it, and it has the focus; an error of no field, above the form
            "focus": next(iter(beside), "staff"),
            "banner": error is not None and not beside,
            "names": names,
            "case_numbers": access.case_numbers(r.case for r in page),
        },
        status=status,
    )
