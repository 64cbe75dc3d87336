"""Page helpers shared by every domain: role checks and turning domain errors into Chinese pages."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from onevisit.accounts.services import require
from onevisit.core.errors import DomainError, Forbidden


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
