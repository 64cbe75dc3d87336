"""The indicator registry (metrics/indicators.py): each indicator is declared once and every reader takes it from
there. A new indicator made of facts already there is one declaration, and it reaches the engine, the reference,
the review page, the xlsx, pdf and csv files, the API and the benchmark's pandas peer; a misspelt code or fact
fails loudly; each entry's reference and engine agree; docs/metrics.md's table is the registry's."""

from __future__ import annotations

import csv
import importlib.util
import io
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onevisit.metrics import engine, reference, review
from onevisit.metrics.indicators import (
    HIGHER,
    INDICATORS,
    LOWER,
    RATE,
    Count,
    Custom,
    Hours,
    Indicator,
    Mean,
    Share,
    Target,
    UnknownIndicator,
    markdown,
    ratio,
)
from tests.factories import StaffFactory, signed_in
from tests.metrics.test_engine import DIMS, RULES, START, TZ, _rows, rich_logs

ROOT = Path(__file__).resolve().parents[2]

# A toy indicator, declared in one place: its reference implementation (a function of the group's facts) and its
# engine column (SQL over the engine's facts) are part of the declaration.
TOY = Indicator(
    "window_completion_share",
    "窗口办结占受理比",
    Custom(
        lambda facts: ratio(facts.value("completed_at_window"), facts.value("accepted")),
        "CASE WHEN coalesce(accepted, 0) > 0 THEN coalesce(completed_at_window, 0) / accepted END",
        uses=("completed_at_window", "accepted"),
    ),
    RATE,
    definition="受理的办件中，在窗口办结的次数所占比例（示例指标）。",
    headline=True,
)
# The same, as a share the pandas peer can compute from the registry too.
TOY_SHARE = Indicator(
    "window_completion_share",
    "窗口办结占受理比",
    Share("completed_at_window", "accepted"),
    RATE,
    headline=True,
)


# ---- each entry is sound ---------------------------------------------------------------------------------------


def _declared_before(name: str, ind: Indicator) -> bool:
    codes = [i.code for i in INDICATORS]
    return name in codes and codes.index(name) < codes.index(ind.code)


def test_every_formula_names_facts_both_the_engine_and_the_reference_collect():
    for ind in INDICATORS.computed():
        formula = ind.formula
        if isinstance(formula, Share):
            for name in (formula.part, formula.whole):
                assert name in engine._FACTS, (ind.code, name)
                assert name in reference.FACTS or _declared_before(name, ind), (ind.code, name)
        else:
            assert isinstance(formula, Count | Mean | Hours), ind.code
            assert ind.code in engine._FACTS, ind.code  # the engine computes the fact under the code
            assert (formula.fact or ind.code) in reference.FACTS, ind.code


def test_every_engine_fact_and_reference_fact_is_used_by_some_indicator():
    used = {n for i in INDICATORS.computed() for n in i.formula.needs(i.code)}
    assert set(engine._FACTS) <= used
    used_by_reference = {getattr(i.formula, "fact", "") or i.code for i in INDICATORS.computed()}
    used_by_reference |= {
        n for i in INDICATORS.computed() if isinstance(i.formula, Share) for n in i.formula.needs("")
    }
    assert used_by_reference >= reference.FACTS


def test_targets_point_the_way_the_indicator_is_better():
    targeted = [i for i in INDICATORS if i.target]
    assert {i.code for i in targeted} == {
        "mean_handling_seconds",
        "mean_round_trips",
        "second_visit_ratio",
        "completeness_at_first_visit",
        "throughput_per_window_hour",
    }
    for ind in targeted:
        want = {"change_at_most": LOWER, "below": LOWER, "points_at_least": HIGHER}.get(
            ind.target.kind, ind.better
        )
        assert ind.better == want, ind.code
        assert ind.headline, ind.code  # a target is judged on the review


def test_units_follow_what_the_engine_gives():
    for ind in INDICATORS.computed():
        if ind.code.endswith("_seconds"):
            assert ind.unit.is_duration, ind.code
        if ind.unit.is_rate:
            assert isinstance(ind.formula, Share), ind.code
        if isinstance(ind.formula, Count):
            assert ind.unit.kind == "count", ind.code


def test_a_misspelt_code_or_fact_fails_instead_of_becoming_a_default():
    with pytest.raises(UnknownIndicator, match="未知指标 'one_visit_rat'"):
        review.display("one_visit_rat", 0.5)
    with pytest.raises(UnknownIndicator):
        review.labelled("mean_handling_second")
    with pytest.raises(ValueError, match="指标代码重复"):
        INDICATORS.register(Indicator("one_visit_rate", "另一个名字", Count()))
    with pytest.raises(ValueError, match="指标名称重复"):
        INDICATORS.register(Indicator("another_rate", "一次性办成率", Count()))
    with pytest.raises(ValueError, match="越高越好还是越低越好"):
        INDICATORS.register(Indicator("aimless", "无方向", Count(), target=Target("below", 1, "低于 1")))
    with pytest.raises(ValueError, match="小写字母"):
        INDICATORS.register(Indicator("One Visit", "大写", Count()))
    rows = _rows([("case.accepted", START, "w1", "cbdj", "c1", "t1", "v1", {})])
    with INDICATORS.added(Indicator("misspelt", "拼错的事实", Share("completed_on_the_sopt", "accepted"))):
        with pytest.raises(KeyError, match="completed_on_the_sopt"):
            reference.indicators(rows, (), TZ)
        with pytest.raises(Exception, match="completed_on_the_sopt"):
            engine.compute(engine.events_table(rows, TZ))
    assert "misspelt" not in engine.METRICS


def test_a_figure_reads_the_same_on_the_day_page_and_the_review():
    """The registry gives each indicator one format: round trips with two decimals and throughput with one, as
    the day page always showed them (the review wrote 1 trip as "1" and 10.5 cases per hour as "10.50")."""
    assert review.display("mean_round_trips", 1.0) == "1.00"
    assert review.display("throughput_per_window_hour", 10.5) == "10.5"
    assert review.display("one_visit_rate", 0.5) == "50.0%" and review.display("accepted", 1234) == "1,234"
    assert review.display("mean_handling_seconds", 565) == "9 分 25 秒"


# ---- every entry's reference agrees with the engine ------------------------------------------------------------


@pytest.mark.parametrize("code", [i.code for i in INDICATORS.computed()])
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=rich_logs(), dims=st.sampled_from(DIMS), rule=st.sampled_from(RULES))
def test_each_indicators_reference_and_engine_column_agree(code, events, dims, rule):
    ind = INDICATORS[code]
    expected = reference.indicators(_rows(events), dims, TZ, rule.percentile, rule.min_cases)
    got = {
        tuple(r[d] for d in dims): r[code]
        for r in engine.compute(engine.events_table(_rows(events), TZ), dims, rule).to_pylist()
    }
    for key, want in ((k, r[code]) for k, r in expected.items()):
        assert key in got, (code, key)
        if want is None or isinstance(want, int):
            assert got[key] == want, (code, key, got[key], want)
        else:
            assert got[key] == pytest.approx(want), (code, key, got[key], want)
    if ind.formula is not None and not isinstance(ind.formula, Custom):
        assert ind.column  # the engine's column is the registry's


# ---- adding an indicator: one declaration reaches every reader -------------------------------------------------


@pytest.fixture
def one_case(guide, clerk, window1):
    from onevisit.cases import services as cases
    from tests.journey import called, fill_form

    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    ticket = called(guide, clerk, window1, "gxzy")
    cases.accept(actor=clerk, window=window1, code=ticket.token)  # accepted, left open: 1 of 2 completed
    return case


def _report(tmp_path, fmt: str) -> Path:
    from django.core.management import call_command

    from onevisit.core import clock

    out = tmp_path / f"r.{fmt}"
    today = clock.local_date()
    call_command(
        "report",
        "--from",
        str(today - timedelta(days=6)),
        "--to",
        str(today),
        "--format",
        fmt,
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    return out


@pytest.mark.django_db
def test_an_indicator_declared_once_reaches_the_engine_files_pages_and_api(
    one_case, analyst_client, tmp_path
):
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from onevisit.core import clock
    from onevisit.core.models import Event

    assert TOY.code not in engine.METRICS
    with INDICATORS.added(TOY):
        # the engine and the reference, each by the declaration
        rows = Event.objects.filter(hall="demo", type__in=engine.EVENT_TYPES).order_by("at", "id")
        (want,) = reference.indicators(
            rows.values_list(
                "at", "type", "hall", "window", "matter", "bundle", "case", "ticket", "visit", "data"
            ),
            (),
            TZ,
        ).values()
        table = engine.events_table(
            rows.values_list(
                "at", "type", "hall", "window", "matter", "bundle", "case", "ticket", "visit", "data"
            ),
            TZ,
        )
        (total,) = engine.compute(table).to_pylist()
        assert total[TOY.code] == want[TOY.code] == 0.5

        # csv: a row per group with the code, the name, the unit and the value as a percentage
        text = _report(tmp_path, "csv").read_bytes().decode("utf-8-sig")
        written = [r for r in csv.reader(io.StringIO(text)) if r[8] == TOY.code]
        (hall_row,) = [r for r in written if r[0] == "本期" and r[4] == "全部"]
        assert hall_row[7:] == ["窗口办结占受理比", TOY.code, "%", "50.0"]

        # xlsx, read back: the target table, a sheet of its own, the wide sheets and the definitions
        wb = load_workbook(_report(tmp_path, "xlsx"))
        targets = {r[0].value: r for r in wb["目标对照"].iter_rows() if r[0].value}
        assert (
            targets["窗口办结占受理比"][3].value == 0.5
            and targets["窗口办结占受理比"][3].number_format == "0.0%"
        )
        sheet = wb["窗口办结占受理比"]
        assert sheet["A1"].value == "窗口办结占受理比" and sheet["B1"].value == TOY.definition
        assert sheet["A3"].value == "全部" and sheet["C3"].value == 0.5
        assert "窗口办结占受理比" in [c.value for c in wb["按窗口"][1]]
        assert ("窗口办结占受理比", TOY.code, "%", TOY.definition) in set(
            wb["口径说明"].iter_rows(values_only=True)
        )

        # pdf: the target table
        pdf = "".join(p.extract_text() for p in PdfReader(_report(tmp_path, "pdf")).pages)
        assert "窗口办结占受理比" in pdf and "50.0%" in pdf

        # the review page: the target table and the tables by matter and window, with the definition
        page = analyst_client.get("/metrics/review/").content.decode()
        row = page[page.index(f'data-metric="{TOY.code}"') :].split("</tr>")[0]
        assert "<td>窗口办结占受理比</td>" in row and "<td>50.0%</td>" in row
        assert '<th scope="col">窗口办结占受理比</th>' in page[page.index('id="by-window"') :]
        assert f"<dt>窗口办结占受理比</dt><dd>{TOY.definition}</dd>" in page

        # the API: the period's rows and the registry's list
        today = clock.local_date().isoformat()
        body = analyst_client.get(f"/api/metrics/period?start={today}&end={today}&metrics={TOY.code}").json()
        assert body["rows"] == [{TOY.code: 0.5}] and body["metrics"] == [TOY.code]
        listed = {i["code"]: i for i in analyst_client.get("/api/metrics/indicators").json()}
        assert listed[TOY.code] == {
            "code": TOY.code,
            "name": "窗口办结占受理比",
            "unit": "%",
            "definition": TOY.definition,
            "words": "",
            "target": "",
            "better": None,
            "review": True,
            "column": True,
        }
    assert TOY.code not in engine.METRICS and TOY.code not in review.HEADLINE  # gone with the block
    assert (
        analyst_client.get(f"/api/metrics/period?start={today}&end={today}&metrics={TOY.code}").status_code
        == 422
    )


@pytest.mark.django_db
def test_the_indicators_api_lists_the_registry_to_analysts_only(analyst_of_empty_hall):
    listed = analyst_of_empty_hall.get("/api/metrics/indicators").json()
    assert [i["code"] for i in listed] == [i.code for i in INDICATORS]
    by_code = {i["code"]: i for i in listed}
    assert by_code["one_visit_rate"]["words"] == "以事项为单位统计当日首次受理是否当场办结"
    assert by_code["throughput_per_window_hour"]["target"] == "每小时 10–12 件"
    assert (
        by_code["mean_handling_seconds"]["better"] == "lower"
        and by_code["relative_volume"]["column"] is False
    )
    assert signed_in(StaffFactory(clerk=True)).get("/api/metrics/indicators").status_code == 403


def _benchmark():
    spec = importlib.util.spec_from_file_location("metrics_10m", ROOT / "benchmarks" / "metrics_10m.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_benchmark_compares_what_the_registry_declares_and_names_what_it_cannot():
    import pyarrow as pa

    bench = _benchmark()
    table, _ = bench.generate(30_000, seed=3)
    dims = ["window"]
    with INDICATORS.added(TOY_SHARE):
        product = engine.compute(table, dims)
        peer = pa.Table.from_pandas(bench.pandas_dashboard(table, dims), preserve_index=False)
        problems, _, compared = bench.compare(product, peer, dims)
        assert not problems and bench.unchecked(peer) == []
        assert compared == len(engine.METRICS) * peer.num_rows  # the toy share compared too
    with INDICATORS.added(TOY):  # a custom formula: the pandas peer has none, and says so
        peer = pa.Table.from_pandas(bench.pandas_dashboard(table, dims), preserve_index=False)
        assert bench.unchecked(peer) == [TOY.code]
        problems, _, _ = bench.compare(engine.compute(table, dims), peer, dims)
        assert not problems


# ---- the docs --------------------------------------------------------------------------------------------------


def test_docs_metrics_table_is_generated_from_the_registry():
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert markdown() in text, (
        "docs/metrics.md is out of date: python -m onevisit.metrics.indicators docs/metrics.md"
    )
    for code in ("one_visit_rate", "mean_handling_seconds", "duplicate_entries", "mean_round_trips"):
        assert (
            f"`{code}`" in text.split("## Targets")[0]
        )  # the hand-written reading names each core indicator
