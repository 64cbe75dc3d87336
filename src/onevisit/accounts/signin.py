"""Signing in to MLPS level 3 (issue 16): lockout after wrong passwords, a second factor for the roles that can change
or read what others cannot, and an idle timeout for staff sessions on shared PCs."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import logout
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from onevisit.accounts import lockout, roles

log = logging.getLogger("onevisit.signin")

# 三员 and the roles that change the catalog or read the ferry's audit chain: a password alone is not enough.
SECOND_FACTOR_ROLES = frozenset(
    {roles.HALL_ADMIN, roles.LEGAL, roles.IT, roles.SECURITY_ADMIN, roles.AUDITOR}
)
# Addresses a signed-in user reaches before the second factor: the sign-in pages themselves and static files.
# Not the password page: with the password alone nobody changes it.
_BEFORE_SECOND_FACTOR = ("/login/otp/", "/logout/", "/oidc/", "/static/", "/favicon.ico")
LAST_SEEN = "onevisit_last_seen"


def lockout_of(username: str | None, address: str | None, *, now: datetime | None = None) -> lockout.Lockout:
    """Whether this login name typed at this address is locked out, by what and until when: django-axes' counts
    (one row per name, address and browser) read by accounts.lockout's rule. The sign-in, the lockout page and the
    admin's list all ask here (the list through lockouts, for a page of rows in one query)."""
    return lockouts([(username, address)], now=now)[(username, address)]


def lockouts(
    pairs: Iterable[tuple[str | None, str | None]], *, now: datetime | None = None
) -> dict[tuple[str | None, str | None], lockout.Lockout]:
    """{(login name, address): its lockout} for many pairs, from one read of the counts within the cool-off. `now`
    defaults to django-axes' own clock (Django's), which stamps the counts, not the product's shiftable one."""
    pairs = list(dict.fromkeys(pairs))
    names = {name for name, _ in pairs if name}
    addresses = {address for _, address in pairs if address}
    if not names and not addresses:
        return {pair: lockout.Lockout() for pair in pairs}
    now = now or timezone.now()
    cool_off = settings.AXES_COOLOFF_TIME
    wanted = Q(username__in=names) | Q(ip_address__in=addresses)
    counts = list(
        AccessAttempt.objects.filter(wanted, attempt_time__gte=now - cool_off).values_list(
            "username", "ip_address", "attempt_time", "failures_since_start"
        )
    )
    return {
        (username, address): lockout.decide(
            name_failures=[(at, n) for name, _, at, n in counts if username and name == username],
            address_failures=[(at, n) for _, ip, at, n in counts if address and ip == address],
            name_limit=settings.AXES_FAILURE_LIMIT,
            address_limit=settings.ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT,
            cool_off=cool_off,
            now=now,
        )
        for username, address in pairs
    }


class LockoutHandler(AxesDatabaseHandler):
    """django-axes' database handler (it records every wrong password, per login name, address and browser) with
    the decision taken by lockout_of: a login name after AXES_FAILURE_LIMIT, an address after
    ONEVISIT_LOGIN_ADDRESS_FAILURE_LIMIT, whatever names were typed there."""

    def is_locked(self, request, credentials=None) -> bool:
        name = get_client_username(request, credentials)
        return bool(lockout_of(name, request.axes_ip_address, now=request.axes_attempt_time))

    def get_failures(self, request, credentials=None) -> int:
        """Axes compares this with AXES_FAILURE_LIMIT right after counting a wrong password, to lock at the one that
        reaches a limit: the limit itself when locked (by the name or by the address), else 0."""
        return get_failure_limit(request, credentials) if self.is_locked(request, credentials) else 0

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A right password clears that login name's count only, not its address's (axes would clear both): the
        address's count holds the other names typed at that PC, which a colleague's sign-in there must not wipe."""
        name = get_client_username(request, credentials)
        return self.reset_attempts(username=name) if name else 0


@dataclass(frozen=True)
class Unlocked:
    """What an unlock lifted: how many of the chosen rows were locked, and the login names and addresses freed."""

    locked_rows: int
    other_rows: int
    names: tuple[str, ...]
    addresses: tuple[str, ...]


def unlock(rows: Iterable[AccessAttempt], *, now: datetime | None = None) -> Unlocked:
    """Lift the lockout each row is under: a locked login name loses all its counts, a locked address all of its
    own (django-axes' reset). A row under no lockout is left as it is."""
    rows = list(rows)
    found = lockouts([(row.username, row.ip_address) for row in rows], now=now)
    states = [(row, found[(row.username, row.ip_address)]) for row in rows]
    names = sorted({row.username for row, state in states if lockout.ACCOUNT in state.by and row.username})
    addresses = sorted(
        {row.ip_address for row, state in states if lockout.ADDRESS in state.by and row.ip_address}
    )
    for name in names:
        AxesProxyHandler.reset_attempts(username=name)
    for address in addresses:
        AxesProxyHandler.reset_attempts(ip_address=address)
    locked = sum(1 for _, state in states if state)
    return Unlocked(locked, len(states) - locked, tuple(names), tuple(addresses))


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
    """django-axes' answer to a locked-out sign-in: a Chinese page saying whether the login name or this computer
    is locked, when it lifts and whom to ask. A login name that does not exist is locked like one that does."""
    name = str((credentials or {}).get("username") or "")[:150]
    address = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    state = lockout_of(name, address, now=now)
    log.warning(
        "sign-in refused for %r from %s: locked out (%s)", name, address or "-", ", ".join(state.by) or "-"
    )
    left = (state.until - now).total_seconds() if state.until else settings.AXES_COOLOFF_TIME.total_seconds()
    context = {
        "minutes": max(1, math.ceil(left / 60)),
        "account_locked": lockout.ACCOUNT in state.by,
        "address_locked": lockout.ADDRESS in state.by,
    }
    return render(request, "registration/locked_out.html", context, status=429)


def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    """Every failed sign-in in the log, with the login name (never the password) and the address."""
    address = request.META.get("REMOTE_ADDR", "") if request is not None else ""
    name = str(credentials.get("username", ""))[:150]
    log.warning("sign-in failed for %r from %s", name, address or "-")
