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
from onevisit.metrics import charts, review
from onevisit.metrics.queries import day_summary, views

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


def _day(request, name: str, default: date) -> date:
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
        length = (end - start).days + 1
        base_end = _day(request, "base_to", start - timedelta(days=1))
        base_start = _day(request, "base_from", base_end - timedelta(days=length - 1))
        matter = (request.GET.get("matter") or "").strip()[:64]
        wanted = {"total": (), "by_day": ("day",), "by_window": ("window",), "by_matter": ("matter",),
                  "by_matter_window": ("matter", "window")}  # fmt: skip
        now = views(hall=hall.code, start=start, end=end, tz_name=hall.timezone, dims=wanted)
        base = views(
            hall=hall.code, start=base_start, end=base_end, tz_name=hall.timezone, dims={"total": ()}
        )
    except Invalid as exc:
        return render(request, "metrics/review.html", {"error": exc, "GET": request.GET}, status=exc.status)
    window_names = {w.code: w.name for w in windows_of(hall)}
    names = matter_names()
    by_window = now["by_window"]
    if matter:
        by_window = [r for r in now["by_matter_window"] if r["matter"] == matter]
    days = now["by_day"]
    labels = [f"{r['day']:%m-%d}" for r in days]
    svg = [
        charts.svg(charts.trend("每日受理件数", labels, [r["accepted"] for r in days])),
        charts.svg(charts.trend("每日一次性办成率(%)", labels, [r["one_visit_rate"] for r in days], percent=True)),
        charts.svg(charts.bars("各窗口平均办理时长(秒)", [window_names.get(r["window"], r["window"]) for r in by_window],
                               [r["mean_handling_seconds"] for r in by_window])),
    ]  # fmt: skip
    empty = not now["total"] or not any(
        now["total"][0][m] for m in ("accepted", "waited", "triaged", "consultations")
    )
    return render(
        request,
        "metrics/review.html",
        {
            "start": start, "end": end, "base_start": base_start, "base_end": base_end, "matter": matter,
            "matter_name": names.get(matter, matter), "empty": empty,
            "comparisons": review.compare(base["total"][0] if base["total"] else {}, now["total"][0] if now["total"] else {}),
            "headers": [review.LABELS[m] for m in review.HEADLINE if not m.startswith("joint_")],
            "by_window": _table_rows(by_window, "window", window_names),
            "by_matter": _table_rows(now["by_matter"], "matter", names),
            "joint": now["total"][0] if now["total"] else {},
            "charts": [mark_safe(x) for x in svg],  # our own SVG; the renderer escapes every label
        },
    )  # fmt: skip


urlpatterns = [path("", today, name="today"), path("review/", review_page, name="review")]
