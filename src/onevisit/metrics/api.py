from datetime import date

from ninja import Router, Schema
from pydantic import create_model

from onevisit.accounts import roles
from onevisit.accounts.services import metric_hall, require
from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.metrics import engine, queries, report
from onevisit.metrics.indicators import INDICATORS
from onevisit.metrics.queries import day_summary

router = Router(tags=["metrics"])


TODAY = (
    "accepted",
    "completed_on_the_spot",
    "one_visit_rate",
    "handled",
    "mean_handling_seconds",
    "duplicate_entries",
    "mean_round_trips",
)


def _typed(code: str):
    """An indicator's JSON type, from the registry: counts are integers, anything else a number or null."""
    return (int, ...) if INDICATORS[code].unit.kind == "count" else (float | None, ...)


# The day's indicators, typed from the registry.
RowOut = create_model("RowOut", __base__=Schema, key=(str, ...), **{code: _typed(code) for code in TODAY})


class SummaryOut(Schema):
    hall: str
    day: date
    total: RowOut
    by_window: list[RowOut]
    by_matter: list[RowOut]


def row_out(key: str, row: dict) -> RowOut:
    return RowOut(key=key, **{name: row[name] for name in RowOut.model_fields if name != "key"})


@router.get("/today", response=SummaryOut, summary="今日一次性办成率与平均办理时长(按窗口、按事项)")
def today(request):
    actor = require(request.user, roles.ANALYST)
    day = clock.local_date(actor.hall.timezone)
    summary = day_summary(hall=actor.hall.code, day=day, tz_name=actor.hall.timezone)
    return SummaryOut(
        hall=actor.hall.code,
        day=day,
        total=row_out("", summary.total),
        by_window=[row_out(k, r) for k, r in summary.by_window.items()],
        by_matter=[row_out(k, r) for k, r in summary.by_matter.items()],
    )


class IndicatorOut(Schema):
    code: str
    name: str
    unit: str
    definition: str
    words: str
    target: str
    better: str | None
    review: bool
    column: bool


@router.get(
    "/indicators", response=list[IndicatorOut], summary="指标目录：代码、名称、单位、口径、试点目标与方向"
)
def indicators(request):
    """Every indicator the registry declares, in order: `column` says whether /period gives it as a column
    (relative_volume has its own endpoint), `review` whether the weekly review lists it."""
    require(request.user, roles.ANALYST)
    return [
        IndicatorOut(
            code=i.code,
            name=i.name,
            unit=i.unit.name,
            definition=i.definition,
            words=i.words,
            target=i.target.text if i.target else "",
            better=i.better,
            review=i.headline,
            column=i.formula is not None,
        )
        for i in INDICATORS
    ]


class PeriodOut(Schema):
    hall: str
    start: date
    end: date
    dims: list[str]
    metrics: list[str]
    rows: list[dict]


def _jsonable(rows: list[dict]) -> list[dict]:
    for row in rows:
        for key, value in row.items():
            if isinstance(value, date):
                row[key] = value.isoformat()
    return rows


def _names(raw: str) -> list[str]:
    return [x.strip() for x in raw.split(",") if x.strip()]


@router.get(
    "/period",
    response=PeriodOut,
    summary="任一时段的指标，可按 hall/window/matter/bundle/day/hour 分组，可选指标",
)
def period(
    request, start: date, end: date, dims: str = "", metrics: str = "", hall: str = "", outlier: str = ""
):
    """Indicators for the local days start..end, grouped by the comma-separated dimensions; `metrics` picks
    some (default all), `hall` one the analyst may compare with, `outlier` the percentile rule (0: flagged only).

    An end before the start, a period over 400 days, an unknown dimension or metric → 422 naming the field."""
    actor = require(request.user, roles.ANALYST)
    the_hall = metric_hall(actor, hall)
    wanted, picked = _names(dims), _names(metrics)
    queries.check_names(wanted, picked)
    rows = queries.period(
        hall=the_hall.code,
        start=start,
        end=end,
        tz_name=the_hall.timezone,
        dims=wanted,
        outliers=queries.rule(outlier),
    )
    keep = [*wanted, *(picked or engine.METRICS)]
    rows = [{k: row[k] for k in keep} for row in rows]
    return PeriodOut(
        hall=the_hall.code,
        start=start,
        end=end,
        dims=wanted,
        metrics=picked or list(engine.METRICS),
        rows=_jsonable(rows),
    )


class ListOut(Schema):
    hall: str
    start: date
    end: date
    rule: str
    rows: list[dict]


@router.get("/outliers", response=ListOut, summary="极端案例：不计入平均值的办件及其说明")
def outliers(request, start: date, end: date, hall: str = "", outlier: str = ""):
    actor = require(request.user, roles.ANALYST)
    the_hall = metric_hall(actor, hall)
    rule = queries.rule(outlier)
    table = queries.period_table(hall=the_hall.code, start=start, end=end, tz_name=the_hall.timezone)
    return ListOut(
        hall=the_hall.code,
        start=start,
        end=end,
        rule=f"{rule.percentile or 0:g}",
        rows=_jsonable(engine.outlier_list(table, rule)),
    )


@router.get("/volumes", response=ListOut, summary="相对办件量：一件事受理件数 ÷ 其主事项的全部受理件数")
def volumes(request, start: date, end: date, hall: str = "", dims: str = ""):
    """Per bundle: its cases ÷ every case of the key matter it declares in the catalog (its own included); a bundle
    without a declared key matter has key_matter, key_matter_cases and relative_volume null."""
    actor = require(request.user, roles.ANALYST)
    the_hall = metric_hall(actor, hall)
    wanted = _names(dims)
    queries.check_names(wanted)
    table = queries.period_table(hall=the_hall.code, start=start, end=end, tz_name=the_hall.timezone)
    try:
        rows = engine.relative_volume(table, wanted, key_matters=report.key_matters())
    except engine.UnknownName as exc:
        raise Invalid(str(exc), field="dims") from None
    return ListOut(hall=the_hall.code, start=start, end=end, rule="", rows=_jsonable(rows))
