"""Public pages of the queue: the hall display board, the ticket status page, online appointment booking."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from onevisit.accounts.models import Hall
from onevisit.catalog import services as catalog
from onevisit.core import people
from onevisit.core.errors import DomainError, Invalid
from onevisit.core.links import public_url, qr_svg
from onevisit.queueing import hours, services
from onevisit.queueing.forms import BookingForm, BookingSentForm
from onevisit.queueing.models import Appointment


def board(request, hall: str):
    """叫号屏: full screen, refreshes itself every two seconds, speaks each new call."""
    hall_obj = get_object_or_404(Hall, code=hall)
    return render(request, "queueing/board.html", {"hall": hall_obj, **services.board(hall_obj)})


def board_feed(request, hall: str):
    hall_obj = get_object_or_404(Hall, code=hall)
    return render(request, "queueing/_board_feed.html", {"hall": hall_obj, **services.board(hall_obj)})


def booking_places(codes: set[str] | None) -> list[tuple[str, str]]:
    """(label, address) of each hall's 网上预约 for any of these matters (None: for any matter): the address names
    the matter when the hall takes exactly one of them, so the booking starts at its day."""
    places = []
    for (hall, name), taken in services.halls_booking().items():
        wanted = taken if codes is None else taken & codes
        if not wanted:
            continue
        address = reverse("queueing:book", args=[hall])
        if codes is not None and len(wanted) == 1:
            address += "?" + urlencode({"matter": next(iter(wanted))})
        places.append((name, address))
    return places


BOOKING_FIELDS = ("slot", "name", "resident_id", "phone")  # in page order: focus goes to the first in error


@never_cache
def book(request, hall: str):
    """网上预约, one step at a time on a phone: the matter, then the day, then the slot and who is coming."""
    hall_obj = get_object_or_404(Hall, code=hall)
    form = BookingForm(request.POST if request.method == "POST" else request.GET)
    form.is_valid()
    sent = form.cleaned_data
    matters = services.bookable_matters(hall_obj)
    matter = next((m for m in matters if m.code == sent["matter"]), None)
    day = sent.get("day") if matter else None
    context = {"hall": hall_obj, "matters": matters, "matter": matter, "day": day, "values": {}, "errors": {}}
    status = 200
    if matter is not None and "day" in form.errors:  # a day the page cannot read: said, and the days offered
        status, context["error"] = 422, form.errors["day"][0]
    elif matter is not None and request.method == "POST":
        values = {k: form[k].value() or "" for k in BOOKING_FIELDS}
        try:
            errors = {k: form.errors[k][0] for k in BOOKING_FIELDS if k in form.errors}
            try:
                identity = people.check_identity(
                    name=values["name"], resident_id=values["resident_id"], phone=values["phone"]
                )
            except Invalid as exc:
                errors.update(exc.errors)
            if errors:
                raise Invalid("；".join(errors.values()), errors=errors)
            sms_sent = services.request_booking(
                slot_id=sent["slot"],
                matter=matter,
                identity=identity,
                hall=hall_obj,
                link=lambda a: public_url(request, reverse("queueing:booked", args=[hall, a.code])),
            )
        except DomainError as exc:
            status = exc.status
            context.update(values=values, error=exc.message, errors=exc.errors)
            context["first_error"] = next((f for f in BOOKING_FIELDS if f in exc.errors), "slot")
        else:
            sent_page = reverse("queueing:book-sent", args=[hall])
            query = {"matter": matter.code} | ({} if sms_sent else {"sms": "unsent"})
            return redirect(f"{sent_page}?{urlencode(query)}")
    if matter is not None and day is None:
        context["days"] = [
            (d, hours.weekday_name(d), free) for d, free in services.booking_days(hall_obj, matter)
        ]
    if matter is not None and day is not None:
        context["slots"] = services.open_slots(hall_obj, matter=matter, day=day)
        context["weekday"] = hours.weekday_name(day)
    return render(request, "queueing/book.html", context, status=status)


@never_cache
def book_sent(request, hall: str):
    """After a booking request: the same page whether it booked or the ID already held a booking that day (the
    result went by SMS to the phone on record), with what to bring for the matter."""
    hall_obj = get_object_or_404(Hall, code=hall)
    form = BookingSentForm(request.GET)
    form.is_valid()
    sent = form.cleaned_data
    matter = next((m for m in services.bookable_matters(hall_obj) if m.code == sent.get("matter")), None)
    context = {
        "hall": hall_obj,
        "matter": matter,
        "checklist": catalog.checklist_for_matter(matter.code) if matter else None,
        "sms_unsent": sent.get("sms") == "unsent",
    }
    return render(request, "queueing/book_sent.html", context)


def _appointment(hall: str, code: str) -> Appointment:
    return get_object_or_404(
        Appointment.objects.select_related("slot__queue__hall", "matter", "ticket"),
        code=(code or "").upper(),
        slot__queue__hall__code=hall,
    )


@never_cache  # a booking's page is nobody else's: never kept by a proxy or the browser (issue 16)
def booked(request, hall: str, code: str):
    """The booking's own page (the QR on it leads back here): when, where, what to bring, and its status."""
    appointment = _appointment(hall, code)
    return render(
        request,
        "queueing/booked.html",
        {
            "appointment": appointment,
            "hall": appointment.slot.queue.hall,
            "weekday": hours.weekday_name(appointment.slot.day),
            "checklist": catalog.checklist_for_matter(appointment.matter.code),
            "page_url": public_url(request, reverse("queueing:booked", args=[hall, appointment.code])),
        },
    )


def booked_qr(request, hall: str, code: str):
    """The booking page's address as a QR code (SVG): a phone opens it, a kiosk scanner checks in with it."""
    appointment = _appointment(hall, code)
    url = public_url(request, reverse("queueing:booked", args=[hall, appointment.code]))
    return HttpResponse(qr_svg(url, title="预约二维码"), content_type="image/svg+xml")
