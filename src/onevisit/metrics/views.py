from datetime import date, timedelta

from django.shortcuts import render
from django.urls import path
from django.utils.safestring import mark_safe

from onevisit.accounts import roles
from onevisit.accounts.pages import staff_page
from onevisit.accounts.services import windows_of
from onevisit.catalog.services import matter_names
from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.metrics import charts, report, review
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


def _day(request, name: str, default: date | None) -> date | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"日期格式应为 2026-11-02：{raw[:20]}", field=name) from None


def _table_rows(rows: list[dict], key: str, names: dict[str, str]) -> list[dict]:
    shown = [m for m in review.HEADLINE if m not in ("joint_2", "joint_3", "joint_4_plus")]
    return [
        {"key": r[key], "name": names.get(r[key], r[key] or "（未指定）"),
         "values": [review.display(m, r[m]) for m in shown]}
        for r in rows
    ]  # fmt: skip


@staff_page(roles.ANALYST)
def review_page(request):
    """The weekly review: the period against its baseline with the pilot targets, trends and drill-down."""
    hall = request.actor.hall
    today_ = clock.local_date(hall.timezone)
    try:
        end = _day(request, "to", today_)
        start = _day(request, "from", end - timedelta(days=6))
        built = report.build(
            hall=hall.code, tz_name=hall.timezone, start=start, end=end,
            base_start=_day(request, "base_from", None), base_end=_day(request, "base_to", None),
            matter=(request.GET.get("matter") or "").strip()[:64],
        )  # fmt: skip
    except Invalid as exc:
        return render(request, "metrics/review.html", {"error": exc, "GET": request.GET}, status=exc.status)
    window_names = {w.code: w.name for w in windows_of(hall)}
    names = matter_names()
    matter = (request.GET.get("matter") or "").strip()[:64]
    svg = [charts.svg(d) for d in report.drawings(built, window_names=window_names)]
    return render(
        request,
        "metrics/review.html",
        {
            "start": built.start, "end": built.end, "base_start": built.base_start, "base_end": built.base_end,
            "matter": matter, "matter_name": names.get(matter, matter), "empty": built.empty,
            "comparisons": built.comparisons,
            "headers": [review.LABELS[m] for m in review.HEADLINE if not m.startswith("joint_")],
            "by_window": _table_rows(built.by_window, "window", window_names),
            "by_matter": _table_rows(built.by_matter, "matter", names),
            "joint": built.total,
            "charts": [mark_safe(x) for x in svg],  # our own SVG; the renderer escapes every label
        },
    )  # fmt: skip


urlpatterns = [path("", today, name="today"), path("review/", review_page, name="review")]
