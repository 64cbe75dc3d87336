from datetime import timedelta
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe

from onevisit.accounts import roles
from onevisit.accounts.pages import parse, staff_page
from onevisit.accounts.services import metric_hall, metric_halls, windows_of
from onevisit.catalog.services import matter_names
from onevisit.core import clock
from onevisit.core.errors import DomainError, Forbidden, Invalid
from onevisit.metrics import charts, queries, report, review
from onevisit.metrics.forms import ReviewForm
from onevisit.metrics.indicators import INDICATORS
from onevisit.metrics.queries import day_summary

# What the day page shows, by indicator code: its names, formats, targets and definitions are the registry's.
DAY_HALL = (
    "one_visit_rate",
    "mean_handling_seconds",
    "duplicate_entries",
    "mean_round_trips",
    "throughput_per_window_hour",
    "not_applicable_share",
)
_CASES = (
    "accepted",
    "completed_on_the_spot",
    "one_visit_rate",
    "mean_handling_seconds",
    "handled",
    "duplicate_entries",
    "mean_round_trips",
    "served_to_end",
)
DAY_COLUMNS = {
    "window": (*_CASES, "window_hours", "throughput_per_window_hour"),
    "matter": (*_CASES, "not_applicable_share"),
    "pair": _CASES,
}
DAY_DEFINED = (*DAY_HALL[:4], "second_visit_ratio", *DAY_HALL[4:], "outliers")


def _definitions(metrics) -> list[tuple[str, str]]:
    """(name, definition) of each indicator; the name without what the tables add in brackets."""
    return [(INDICATORS[m].name.split("(")[0], INDICATORS[m].definition) for m in metrics]


def _hall_rows(total: dict) -> list[dict]:
    """The day page's hall table: each indicator's name, figure, absolute target and what the figure rests on."""
    rows = []
    for code in DAY_HALL:
        ind = INDICATORS[code]
        target = ind.target.text if ind.target and ind.target.absolute else ""
        rows.append(
            {
                "code": code,
                "name": ind.name,
                "value": ind.display(total.get(code)),
                "target": target,
                "basis": ind.explain(total),
            }
        )
    return rows


def _day_table(
    ident: str, by: list[str], columns: tuple[str, ...], rows: list[tuple[list[str], dict]]
) -> dict:
    """A day-page table: what a row is (`by`) and the indicators' headers, then per row its names and each
    indicator as it shows."""
    return {
        "id": ident,
        "title": "pairs-title" if ident == "by-window-matter" else f"{ident}-title",
        "names": by,
        "headers": [INDICATORS[c].header for c in columns],
        "rows": [(names, [INDICATORS[c].display(row.get(c)) for c in columns]) for names, row in rows],
    }


def _not_applicable(rows: list[dict], names: dict[str, str]) -> dict:
    return {
        "na_header": report.NOT_APPLICABLE_HEADER,
        "na_empty": "没有预审把材料标为“本次不适用”。",
        "na_rows": report.not_applicable_rows(rows, names, report.material_names(rows)),
    }


@staff_page(roles.ANALYST)
def today(request):
    """The day so far: the hall, each window, each matter and each window × matter, with the definitions."""
    hall = request.actor.hall
    day = clock.local_date(hall.timezone)
    summary = day_summary(hall=hall.code, day=day, tz_name=hall.timezone)
    names = matter_names()
    windows = {w.code: w.name for w in windows_of(hall)}

    def named(mapping: dict[str, str], key: str) -> str:
        return mapping.get(key, key) if key else "(未记录)"

    return render(
        request,
        "metrics/today.html",
        {
            "day": day,
            "summary": summary,
            "hall_rows": _hall_rows(summary.total),
            "by_window": _day_table(
                "by-window",
                ["窗口"],
                DAY_COLUMNS["window"],
                [([named(windows, k)], r) for k, r in summary.by_window.items()],
            ),
            "by_matter": _day_table(
                "by-matter",
                ["事项"],
                DAY_COLUMNS["matter"],
                [([named(names, k)], r) for k, r in summary.by_matter.items()],
            ),
            "pairs": _day_table(
                "by-window-matter",
                ["窗口", "事项"],
                DAY_COLUMNS["pair"],
                [
                    ([named(windows, r["window"]), named(names, r["matter"])], r)
                    for r in summary.by_window_matter
                ],
            ),
            "rule_text": report.describe_rule(queries.rule()),
            "definitions": _definitions(DAY_DEFINED),
            **_not_applicable(summary.not_applicable, names),
        },
    )


def _table_rows(rows: list[dict], key: str, names: dict[str, str]) -> list[dict]:
    shown = [m for m in review.HEADLINE if m not in ("joint_2", "joint_3", "joint_4_plus")]
    return [
        {
            "key": r[key],
            "name": names.get(r[key], r[key] or report.UNOWNED.get(key, "（未指定）")),
            "values": [review.display(m, r[m]) for m in shown],
        }
        for r in rows
    ]


def _review(request, *, drill: bool = False):
    """The review the query asks for: the hall and the one to compare with (each one the analyst may see), the
    period, the baseline, the outlier rule and (on the page, `drill`) the matter. Bad input raises a DomainError
    naming the field."""
    actor = request.actor
    q = parse(ReviewForm, request.GET)
    hall = metric_hall(actor, q["hall"])
    try:
        base_hall = metric_hall(actor, q["base_hall"] or hall.code)
    except Forbidden as exc:  # named by the input it came from: the page shows it beside 对比大厅
        raise Forbidden(exc.message, field="base_hall") from None
    end = q["to"] or clock.local_date(hall.timezone)
    start = q["from"] or end - timedelta(days=6)
    built = report.build(
        hall=hall.code,
        tz_name=hall.timezone,
        start=start,
        end=end,
        matter=q["matter"] if drill else "",
        base_start=q["base_from"],
        base_end=q["base_to"],
        base_hall=base_hall.code,
        base_tz_name=base_hall.timezone,
        outliers=queries.rule(q["outlier"]),
    )
    return hall, base_hall, built, q


REVIEW_FILES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}


# The review form's inputs in page order (the halls only when there is a choice of them): an error of one of them
# stands beside it, and the first in error has the focus.
REVIEW_INPUTS = ("hall", "from", "to", "base_hall", "base_from", "base_to", "outlier")


def _refused(request, halls: list, exc: DomainError):
    """The form again, as typed, each error beside its input and the first of them focused; an error of no input
    the page shows (a hall the analyst may not see, with no choice of halls on the page) above the form."""
    shown = [n for n in REVIEW_INPUTS if len(halls) > 1 or n not in ("hall", "base_hall")]
    beside = [n for n in shown if n in exc.errors]
    above = [m for n, m in exc.errors.items() if n not in beside] if exc.errors else [exc.message]
    form = ReviewForm(request.GET)  # the halls as chosen: the baseline's, unless chosen, is the period's
    chosen = form["hall"].value() or request.actor.hall.code
    context = {
        "GET": request.GET,
        "halls": halls,
        "hall_code": chosen,
        "base_hall_code": form["base_hall"].value() or chosen,
        "error": exc,
        "focus": beside[0] if beside else "",
        "banner": "；".join(above),
    }
    return render(request, "metrics/review.html", context, status=exc.status)


@staff_page(roles.ANALYST)
def review_page(request):
    """The weekly review: the period against its baseline (an earlier period, or another hall the analyst may
    compare with) with the pilot targets, trends, drill-down, relative volumes and the outliers kept apart."""
    halls = metric_halls(request.actor)
    context = {"GET": request.GET, "halls": halls}
    try:
        hall, base_hall, built, q = _review(request, drill=True)
    except DomainError as exc:
        return _refused(request, halls, exc)
    today = clock.local_date(hall.timezone)
    window_names, names = built.window_names, built.matter_names
    figures = charts.for_page(report.drawings(built), "review-chart")
    for f in figures:
        f["svg"] = mark_safe(f["svg"])  # our own SVG; the renderer escapes every label
    matter = q["matter"]
    keep = {
        k: str(q[k]) for k in ("hall", "base_hall", "from", "to", "base_from", "base_to", "outlier") if q[k]
    }
    context |= {
        "hall": hall,
        "base_hall": base_hall,
        "hall_code": hall.code,
        "base_hall_code": base_hall.code,
        "outlier": q["outlier"],
        "start": built.start,
        "end": built.end,
        "base_start": built.base_start,
        "base_end": built.base_end,
        "period_span": review.span(built.start, built.end, today),
        "base_span": review.span(built.base_start, built.base_end, today),
        "matter": matter,
        "matter_name": names.get(matter, matter),
        "empty": built.empty,
        "comparisons": built.comparisons,
        "headers": [review.LABELS[m] for m in review.HEADLINE if not m.startswith("joint_")],
        "by_window": _table_rows(built.by_window, "window", window_names),
        "by_matter": _table_rows(built.by_matter, "matter", names),
        "joint": [
            (INDICATORS[m].name, built.total.get(m) or 0) for m in review.HEADLINE if m.startswith("joint_")
        ],
        "charts": figures,
        "query": urlencode(keep),
        "rule_text": built.rule_text,
        "outliers": report.outlier_rows(built),
        "outlier_header": report.OUTLIER_HEADER,
        "volumes": report.volume_rows(built),
        "volume_header": report.VOLUME_HEADER,
        "what_if": built.what_if,
        "what_if_rule": built.what_if and report.describe_rule(built.what_if),
        "what_if_outliers": built.what_if_outliers,
        "rows": [
            (c, w)
            for c, w in zip(
                built.comparisons, built.what_if_comparisons or [None] * len(built.comparisons), strict=True
            )
        ],
        "definitions": _definitions(
            [*(m for m in review.HEADLINE if not m.startswith("joint_")), "relative_volume"]
        ),
        **_not_applicable(built.not_applicable, names),
    }
    return render(request, "metrics/review.html", context)


@staff_page(roles.ANALYST)
def review_file(request, fmt: str):
    """The review as the Friday meeting takes it away: the same figures as the page, as Excel, PDF or CSV."""
    if fmt not in REVIEW_FILES:
        raise Invalid(f"格式应为 {'、'.join(REVIEW_FILES)}", field="format")
    hall, _, built, _ = _review(request)
    response = HttpResponse(report.FORMATS[fmt](built), content_type=REVIEW_FILES[fmt])
    name = f"review-{hall.code}-{built.start:%Y%m%d}-{built.end:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
