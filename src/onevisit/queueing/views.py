"""Public pages of the queue: the hall display board, the ticket status page, online appointment booking."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path

from onevisit.accounts.models import Hall
from onevisit.catalog import services as catalog
from onevisit.core import people
from onevisit.core.errors import DomainError, Invalid
from onevisit.queueing import services
from onevisit.queueing.models import Appointment

app_name = "queueing"


def board(request, hall: str):
    """叫号屏: full screen, refreshes itself every two seconds, speaks each new call."""
    hall_obj = get_object_or_404(Hall, code=hall)
    return render(request, "queueing/board.html", {"hall": hall_obj, **services.board(hall_obj)})


def board_feed(request, hall: str):
    hall_obj = get_object_or_404(Hall, code=hall)
    return render(request, "queueing/_board_feed.html", {"hall": hall_obj, **services.board(hall_obj)})


def book(request, hall: str):
    hall_obj = get_object_or_404(Hall, code=hall)
    slots = services.open_slots(hall_obj)
    context = {"hall": hall_obj, "slots": slots, "matters": services.served_matters(hall_obj), "values": {}}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("slot", "matter", "name", "resident_id", "phone")}
        context["values"] = values
        try:
            identity = people.check_identity(
                name=values["name"], resident_id=values["resident_id"], phone=values["phone"]
            )
            if not re.fullmatch(r"[0-9]{1,9}", values["slot"]):
                raise Invalid("请选择预约时段", field="slot")
            matter = catalog.get_matter(values["matter"])
            appointment = services.book_for(slot_id=int(values["slot"]), matter=matter, identity=identity)
        except DomainError as exc:
            context.update(error=exc.message, errors=exc.errors)
            return render(request, "queueing/book.html", context, status=exc.status)
        return redirect("queueing:booked", hall=hall, code=appointment.code)
    return render(request, "queueing/book.html", context)


def booked(request, hall: str, code: str):
    appointment = get_object_or_404(
        Appointment.objects.select_related("slot__queue", "matter"), code=code, slot__queue__hall__code=hall
    )
    return render(request, "queueing/booked.html", {"appointment": appointment})


urlpatterns = [
    path("board/<slug:hall>/", board, name="board"),
    path("board/<slug:hall>/feed/", board_feed, name="board-feed"),
    path("book/<slug:hall>/", book, name="book"),
    path("book/<slug:hall>/<str:code>/", booked, name="booked"),
]
