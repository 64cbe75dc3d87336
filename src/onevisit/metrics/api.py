from datetime import date

from ninja import Router, Schema

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.core import clock
from onevisit.metrics import engine, queries
from onevisit.metrics.queries import day_summary

router = Router(tags=["metrics"])


class RowOut(Schema):
    key: str
    accepted: int
    completed_on_the_spot: int
    one_visit_rate: float | None
    handled: int
    mean_handling_seconds: float | None
    duplicate_entries: int
    mean_round_trips: float | None


class SummaryOut(Schema):
    hall: str
    day: date
    total: RowOut
    by_window: list[RowOut]
    by_matter: list[RowOut]


def row_out(row) -> RowOut:
    return RowOut(
        key=row.key,
        accepted=row.accepted,
        completed_on_the_spot=row.completed_on_the_spot,
        one_visit_rate=row.one_visit_rate,
        handled=row.handled,
        mean_handling_seconds=row.mean_handling_seconds,
        duplicate_entries=row.duplicate_entries,
        mean_round_trips=row.mean_round_trips,
    )


@router.get("/today", response=SummaryOut, summary="今日一次性办成率与平均办理时长(按窗口、按事项)")
def today(request):
    actor = require(request.user, roles.ANALYST)
    day = clock.local_date(actor.hall.timezone)
    summary = day_summary(hall=actor.hall.code, day=day, tz_name=actor.hall.timezone)
    return SummaryOut(
        hall=actor.hall.code,
        day=day,
        total=row_out(summary.total),
        by_window=[row_out(r) for r in summary.by_window.values()],
        by_matter=[row_out(r) for r in summary.by_matter.values()],
    )


class PeriodOut(Schema):
    hall: str
    start: date
    end: date
    dims: list[str]
    metrics: list[str]
    rows: list[dict]


@router.get(
    "/period", response=PeriodOut, summary="任一时段的全部指标，可按 hall/window/matter/day/hour 分组"
)
def period(request, start: date, end: date, dims: str = ""):
    """Every indicator for the local days start..end, grouped by the comma-separated dimensions.

    An end before the start, a period over 400 days or an unknown dimension → 422 naming the field."""
    actor = require(request.user, roles.ANALYST)
    wanted = [d.strip() for d in dims.split(",") if d.strip()]
    rows = queries.period(
        hall=actor.hall.code, start=start, end=end, tz_name=actor.hall.timezone, dims=wanted
    )
    for row in rows:
        if "day" in row:
            row["day"] = row["day"].isoformat()
    return PeriodOut(
        hall=actor.hall.code, start=start, end=end, dims=wanted, metrics=list(engine.METRICS), rows=rows
    )
