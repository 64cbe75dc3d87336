from django.shortcuts import render
from django.urls import path

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.accounts.services import windows_of
from onevisit.catalog.services import matter_names
from onevisit.core import clock
from onevisit.metrics.queries import day_summary

app_name = "metrics"


@staff_page(roles.ANALYST)
def today(request):
    hall = request.actor.hall
    day = clock.local_date(hall.timezone)
    summary = day_summary(hall=hall.code, day=day, tz_name=hall.timezone)
    return render(
        request,
        "metrics/today.html",
        {
            "day": day,
            "summary": summary,
            "window_names": {w.code: w.name for w in windows_of(hall)},
            "matter_names": matter_names(),
        },
    )


urlpatterns = [path("", today, name="today")]
