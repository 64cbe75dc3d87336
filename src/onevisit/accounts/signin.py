"""Signing in to MLPS level 3 (issue 16): lockout after wrong passwords, a second factor for the roles that can change
or read what others cannot, and an idle timeout for staff sessions on shared PCs."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from onevisit.accounts import roles

log = logging.getLogger("onevisit.signin")

# 三员 and the roles that change the catalog or read the ferry's audit chain: a password alone is not enough.
SECOND_FACTOR_ROLES = frozenset(
    {roles.HALL_ADMIN, roles.LEGAL, roles.IT, roles.SECURITY_ADMIN, roles.AUDITOR}
)
# Addresses a signed-in user reaches before the second factor: the sign-in pages themselves and static files.
# Not the password page: with the password alone nobody changes it.
_BEFORE_SECOND_FACTOR = ("/login/otp/", "/logout/", "/oidc/", "/static/")
LAST_SEEN = "onevisit_last_seen"


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check before the password backends. A sign-in without a request (a test client's `login`,
    a command) is not an HTTP sign-in and has no address to count: it is left to the backends after this one."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def role_names(request) -> frozenset[str]:
    """The signed-in user's role codes, read once per request."""
    if not hasattr(request, "_onevisit_roles"):
        user = request.user
        names = user.groups.values_list("name", flat=True) if user.is_authenticated else ()
        request._onevisit_roles = frozenset(names)
    return request._onevisit_roles


def needs_second_factor(user, names: frozenset[str] | None = None) -> bool:
    """A superuser or a holder of one of SECOND_FACTOR_ROLES."""
    if not user.is_authenticated:
        return False
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
    return bool(user.is_superuser or names & SECOND_FACTOR_ROLES)


class IdleTimeout:
    """Signs a staff member out after ONEVISIT_STAFF_IDLE_MINUTES without a request (sliding: each request moves
    it on). The kiosk's device account is not a person at a shared PC and is left signed in; its page returns to
    its start screen by itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and roles.KIOSK not in role_names(request):
            now = int(time.time())
            last = request.session.get(LAST_SEEN)
            if last is not None and now - int(last) > settings.ONEVISIT_STAFF_IDLE_MINUTES * 60:
                log.info(
                    "session of %s ended after %s idle minutes", user.get_username(), (now - int(last)) // 60
                )
                logout(request)
                if not request.path.startswith("/api/"):
                    query = urlencode({"next": request.get_full_path(), "idle": "1"})
                    return redirect(f"{reverse('login')}?{query}")
            elif last is None or now - int(last) >= 30:  # written at most twice a minute
                request.session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorRequired:
    """Until a holder of a SECOND_FACTOR_ROLES role (or a superuser) has given a one-time code in this session,
    every page and the admin send them to the code step, and the API refuses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path != "/login/"
            and not request.path.startswith(_BEFORE_SECOND_FACTOR)
            and needs_second_factor(user, role_names(request))
            and not user.is_verified()
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "请先完成动态口令验证"}, status=403)
            return redirect(f"{reverse('otp-verify')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


def lockout_page(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in: a Chinese page saying when it lifts and whom to ask."""
    name = str((credentials or {}).get("username", ""))[:150]
    log.warning("sign-in refused for %r from %s: locked out", name, request.META.get("REMOTE_ADDR", "-"))
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Every failed sign-in in the log, with the login name (never the password) and the address."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    name = str(credentials.get("username", ""))[:150]
    log.warning("sign-in failed for %r from %s", name, address or "-")
