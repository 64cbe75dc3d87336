"""Page helpers shared by every domain: role checks and turning domain errors into Chinese pages."""

from __future__ import annotations

from datetime import date
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from onevisit.accounts.services import require
from onevisit.core.errors import DomainError, Forbidden, Invalid


def staff_page(*wanted_roles: str):
    """Login, then the role and hall check; the view receives the Actor as request.actor."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            try:
                request.actor = require(request.user, *wanted_roles)
            except Forbidden as exc:
                return render(request, "error.html", {"error": exc}, status=exc.status)
            try:
                return view(request, *args, **kwargs)
            except DomainError as exc:
                return render(request, "error.html", {"error": exc}, status=exc.status)

        return wrapper

    return decorate


def date_param(request, name: str, default: date | None) -> date | None:
    """A YYYY-MM-DD query parameter; blank gives the default, anything else is refused naming the field."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"日期格式应为 2026-11-02：{raw[:20]}", field=name) from None
