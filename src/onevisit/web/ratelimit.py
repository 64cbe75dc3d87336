"""Per-address limits on the public pages (booking, the ticket status page, a booking's page), counted in the
database so every web process sees the same count, on SQLite and PostgreSQL alike.

django-ratelimit was the first choice, but it needs an atomic shared cache (memcached or Redis) and refuses
Django's DatabaseCache, whose increment is a read then a write; a hall runs neither. The counter here is one
row per address and fixed window, incremented by an `UPDATE … SET count = count + 1` the database serialises.
The address is stored as a keyed digest (core.crypto), never in clear. Limits are `ONEVISIT_RATE_*` settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import render

from onevisit.core import clock, crypto
from onevisit.core.errors import TooManyRequests
from onevisit.web.models import RateCount

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """`20/h` is 20 per hour; `off` is no limit."""
        if text == "off":
            return None
        count, _, unit = text.partition("/")
        return cls(int(count), UNITS[unit])


# Which public pages count against which limit, by URL name and method.
LIMITED = {
    ("queueing:book", "POST"): "booking",
    ("public:status", "GET"): "lookup",
    ("public:certificate", "GET"): "lookup",
    ("queueing:booked", "GET"): "lookup",
    ("queueing:booked-qr", "GET"): "lookup",
    ("api:ticket_status", "GET"): "lookup",  # the same lookup as the status page, for the hall's own screens
}


def rate_of(scope: str) -> Rate | None:
    return Rate.parse(
        {"booking": settings.ONEVISIT_RATE_BOOKING, "lookup": settings.ONEVISIT_RATE_LOOKUP}[scope]
    )


def hit(scope: str, address: str, rate: Rate) -> None:
    """Count one request from this address; TooManyRequests once it is over the limit of the current window."""
    now = clock.now().timestamp()
    window = int(now // rate.seconds)
    key = crypto.digest("ratelimit", f"{scope}|{address}")[:64]
    with transaction.atomic():
        if not RateCount.objects.filter(key=key, window=window).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCount.objects.create(key=key, window=window, count=1)
            except IntegrityError:  # another process counted the first request of this window
                RateCount.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateCount.objects.filter(key=key, window=window).values_list("count", flat=True).get()
        RateCount.objects.filter(key=key, window__lt=window).delete()
    if count > rate.limit:
        wait = max(int(rate.seconds - now % rate.seconds), 1)
        raise TooManyRequests(f"访问过于频繁，请 {wait} 秒后再试", retry_after=wait)


class RateLimitPublicPages:
    """Middleware: count each request to a limited public page; over the limit, a 429 page in Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        scope = LIMITED.get((match.view_name if match else "", request.method))
        rate = rate_of(scope) if scope else None
        if rate is None:
            return None
        try:
            hit(scope, request.META.get("REMOTE_ADDR", ""), rate)
        except TooManyRequests as exc:
            if match.view_name.startswith("api:"):
                response = JsonResponse(
                    exc.as_json(), status=exc.status, json_dumps_params={"ensure_ascii": False}
                )
            else:
                response = render(request, "error.html", {"error": exc}, status=exc.status)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return None
