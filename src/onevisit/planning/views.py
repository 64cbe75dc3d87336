from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.accounts.services import metric_hall, metric_halls
from onevisit.core import clock
from onevisit.core.errors import DomainError, Invalid
from onevisit.metrics import charts
from onevisit.planning import export, services
from onevisit.planning.forms import PlanForm

SCENARIOS = (  # the ones the page offers with a tick; others through the free field
    ("prereview", "导引台预审：材料一次备齐率 +20 个百分点"),
    ("backoffice", "核验移至后台：窗口时长压减 20%"),
    ("merge", "日均少于 40 人的队列合并为综合窗口"),
    ("close:1", "关闭 1 个窗口"),
)
PAGE_REPLICATIONS = 100


def _ticked(q: dict) -> list[str]:
    """The ticked scenarios: all the page offers until its form is sent, then the ones sent."""
    return q["scenario"] if q["planned"] else [c for c, _ in SCENARIOS]


def _request(q: dict, hall) -> services.Request:
    today = clock.local_date(hall.timezone)
    end = q["to"] or today - timedelta(days=1)
    start = q["from"] or end - timedelta(days=41)
    extra = [x for x in q["other"].replace("，", ",").split(",") if x.strip()]
    online = services.online_scenario(q["online_queue"], q["online_share"])
    extra += [online] if online else []
    return services.Request(
        start=start,
        end=end,
        weekdays=services.weekdays(q["weekday"]),
        target=services.target(q["within"], q["share"], q["mean_wait"]),
        scenarios=services.scenario_codes([*_ticked(q), *extra]),
        replications=q["replications"] or PAGE_REPLICATIONS,
    )


def _outcome(request):
    q = parse(PlanForm, request.GET)
    hall = metric_hall(request.actor, q["hall"])
    return hall, services.build(
        hall=hall.code,
        tz_name=hall.timezone,
        request=_request(q, hall),
        names=services.hall_names(hall.code),
        hall_name=hall.name,
    )


@staff_page(roles.ANALYST)
def plan_page(request):
    """Windows per queue per half hour from the hall's own events, the waiting curve, the scenarios."""
    form = PlanForm(request.GET)
    form.is_valid()  # these texts are always read (a date or count in error is reported by _outcome)
    typed = form.cleaned_data
    context = {
        "halls": metric_halls(request.actor),
        "GET": request.GET,
        "scenarios": SCENARIOS,
        "online_queues": [(q, services.queue_label(q)) for q in [typed["online_queue"]] if q],
        "ticked": _ticked(typed),
        "weekday": typed["weekday"] or "workdays",
        "query": request.GET.urlencode(),
    }
    try:
        hall, outcome = _outcome(request)
    except DomainError as exc:
        if request.GET or exc.status != 422:
            context["error"] = exc
            return render(request, "planning/plan.html", context, status=exc.status)
        # Opened from the menu, nothing asked yet: the default period has too little data. That is no mistake of
        # the user's: say so as a note, with the period filled in, and let them choose.
        home = request.actor.hall
        end = clock.local_date(home.timezone) - timedelta(days=1)
        context |= {"notice": exc.message, "start": end - timedelta(days=41), "end": end, "unplanned": True}
        return render(request, "planning/plan.html", context)
    context |= {
        "hall": hall,
        "o": outcome,
        "target": outcome.plan.target,
        "title": export.title(outcome),
        "summary": export.summary(outcome),
        "plan_table": export.plan_rows(outcome),
        "curve_table": export.curve_rows(outcome),
        "scenario_table": export.scenario_rows(outcome),
        "hourly_table": export.hourly_rows(outcome),
        "calibration_table": export.calibration_rows(outcome),
        "charts": [
            {**c, "svg": mark_safe(c["svg"])}  # our SVG; labels escaped
            for c in charts.for_page(export.drawings(outcome), "plan-chart")
        ],
        "start": outcome.request.start,
        "end": outcome.request.end,
        "notes": outcome.calibration.notes,
        "online_queues": [(q, services.queue_label(q)) for q in outcome.calibration.queues],
    }
    return render(request, "planning/plan.html", context)


@staff_page(roles.ANALYST)
def plan_file(request, fmt: str):
    if fmt not in export.FORMATS:
        raise Invalid(f"格式应为 {'、'.join(export.FORMATS)}", field="format")
    hall, outcome = _outcome(request)
    types = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    response = HttpResponse(export.FORMATS[fmt](outcome), content_type=types[fmt])
    name = f"plan-{hall.code}-{outcome.request.start:%Y%m%d}-{outcome.request.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
