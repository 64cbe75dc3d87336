"""Every figure of the review's files, read back — the workbook with openpyxl, the CSV, the PDF's text — is the
engine's figure for the same period and baseline, in the unit its label names, under the names of windows and
matters rather than their codes."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from onevisit.accounts.models import Hall, Window
from onevisit.catalog.services import matter_names
from onevisit.metrics import engine, queries, report, review

pytestmark = pytest.mark.django_db

HALL, TZ = "hist01", "Asia/Shanghai"
START, END = date(2026, 9, 14), date(2026, 9, 18)  # the second week of the history
BASE_START, BASE_END = date(2026, 9, 7), date(2026, 9, 11)


@pytest.fixture
def history_hall(hall):
    """Two weeks of synthetic history for hist01, whose windows the hall has named."""
    call_command(
        "history",
        "generate",
        "--days",
        "12",
        "--halls",
        "1",
        "--start",
        "2026-09-07",
        stdout=io.StringIO(),
        verbosity=0,
    )
    hist = Hall.objects.get(code=HALL)
    for n in range(
        1, 9
    ):  # named by the hall (the command names those it generates 1号窗口…; these names win)
        Window.objects.update_or_create(hall=hist, code=f"w{n}", defaults={"name": f"{n}号综合窗口"})
    return hist


def _file(tmp_path, fmt: str) -> bytes:
    """The file `onevisit report` writes for the period and its baseline."""
    path = tmp_path / f"r.{fmt}"
    call_command(
        "report",
        "--hall",
        HALL,
        "--from",
        str(START),
        "--to",
        str(END),
        "--base-from",
        str(BASE_START),
        "--base-to",
        str(BASE_END),
        "--format",
        fmt,
        "-o",
        str(path),
        stdout=io.StringIO(),
    )
    return path.read_bytes()


def _engine(start: date, end: date, dims: tuple[str, ...] = ()) -> list[dict]:
    return queries.period(hall=HALL, start=start, end=end, tz_name=TZ, dims=list(dims))


def _same(written, metric: str, raw) -> None:
    """A written value is the engine's, in its label's unit (a rate as the fraction Excel formats as %)."""
    expected = review.in_unit(metric, raw)
    if expected is None:
        assert written in (None, ""), (metric, written)
    else:
        assert written == pytest.approx(expected, rel=1e-9, abs=1e-9), (metric, written, raw)


def _names(history_hall) -> dict[str, dict]:
    return {
        "window": dict(Window.objects.filter(hall=history_hall).values_list("code", "name")),
        "matter": matter_names(),
    }


def _name(names: dict, key: str, code) -> str:
    return report.UNOWNED[key] if not code else names[key].get(code, code)


def test_every_figure_of_the_workbook_is_the_engines_in_the_unit_of_its_label(history_hall, tmp_path):
    wb = load_workbook(io.BytesIO(_file(tmp_path, "xlsx")))
    names = _names(history_hall)
    (total,), (base,) = _engine(START, END), _engine(BASE_START, BASE_END)
    assert total["accepted"] > 100 and base["accepted"] > 100

    targets = wb["目标对照"]
    assert targets["A1"].value.startswith(f"{history_hall.name} 指标复盘") and HALL not in targets["A1"].value
    header, *rows = [r for r in targets.iter_rows(min_row=2) if r[0].value]
    assert [c.value for c in header] == ["指标", "单位", "基期", "本期", "变化", "试点目标", "达成"]
    by_label = {r[0].value: r for r in rows}
    for metric in review.HEADLINE:
        label, unit, b, p, change, *_ = by_label[review.labelled(metric)]
        assert unit.value == (review.unit(metric) or None)
        _same(b.value, metric, base[metric])
        _same(p.value, metric, total[metric])
        if metric in review.RATES:
            assert p.number_format == "0.0%" and change.value == pytest.approx(
                (total[metric] - base[metric]) * 100
            )
            assert "个百分点" in change.number_format
        elif base[metric]:
            assert (
                change.value == pytest.approx(total[metric] / base[metric] - 1)
                and "%" in change.number_format
            )
    minutes = by_label["平均办理时长(分钟)"][3].value
    assert (
        2 < minutes < 30 and by_label["平均办理时长(分钟)"][3].number_format == "0.0"
    )  # minutes, not seconds
    hours = by_label["平均核验时长(小时)"][3].value
    assert 0.1 < hours < 48  # hours, not seconds

    groups = {
        "日期": ("day", _engine(START, END, ("day",))),
        "窗口": ("window", _engine(START, END, ("window",))),
        "事项": ("matter", _engine(START, END, ("matter",))),
    }
    for metric in review.HEADLINE:  # a sheet per indicator: every group, by name
        sheet = wb[review.labelled(metric)[:31]]
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        assert rows[0][0] == "全部"
        _same(rows[0][2], metric, total[metric])
        for how, (key, expected) in groups.items():
            written = [r for r in rows if r[0] == how]
            assert len(written) == len(expected)
            for r, e in zip(written, expected, strict=True):
                if key == "day":
                    assert r[1] == datetime.combine(e["day"], datetime.min.time())
                else:
                    assert r[1] == _name(names, key, e[key]) and (r[3] or "") == e[key]
                _same(r[2], metric, e[metric])

    assert "1号综合窗口" in [r[0] for r in wb["按窗口"].iter_rows(values_only=True)]
    matters = [r[0] for r in wb["按事项"].iter_rows(min_row=2, values_only=True)]
    assert "参保登记" in matters and not set(matters) & set(names["matter"])  # names, never codes
    for title, (key, expected) in zip(("按日期", "按窗口", "按事项"), groups.values(), strict=True):
        sheet = wb[title]
        head = [c.value for c in sheet[1]]
        written = list(sheet.iter_rows(min_row=2, max_row=1 + len(expected), values_only=True))
        assert sheet.cell(row=2 + len(expected), column=3).value is None  # no more rows than the engine's
        for r, e in zip(written, expected, strict=True):
            if key != "day":
                assert r[:2] == (_name(names, key, e[key]), e[key] or None)
            for metric in report.WIDE:
                _same(r[head.index(review.labelled(metric))], metric, e[metric])
    day_sheet = wb["按日期"]
    head = [c.value for c in day_sheet[1]]
    daily = [d["accepted"] for d in _engine(BASE_START, BASE_END, ("day",))]
    assert day_sheet.cell(row=2, column=head.index("基期日均受理件数") + 1).value == pytest.approx(
        sum(daily) / len(daily)
    )
    _same(
        day_sheet.cell(row=2, column=head.index("基期一次性办成率") + 1).value,
        "one_visit_rate",
        base["one_visit_rate"],
    )


def _chart_series(sheet) -> list[list[str]]:
    """Each native chart's series, named by the header cell each one refers to."""
    out = []
    for chart in sheet._charts:
        names = []
        for s in chart.series:
            ref = s.tx.strRef.f.split("!")[1].replace("$", "")
            names.append(sheet[ref].value)
        out.append(names)
    return out


def test_the_workbook_charts_by_day_window_and_matter_natively(history_hall, tmp_path):
    wb = load_workbook(io.BytesIO(_file(tmp_path, "xlsx")))
    assert wb.sheetnames[:4] == ["目标对照", "按日期", "按窗口", "按事项"]
    assert _chart_series(wb["按日期"]) == [
        ["受理件数", "基期日均受理件数"],
        ["一次性办成率", "基期一次性办成率"],
    ]
    assert _chart_series(wb["按窗口"]) == [["平均办理时长(分钟)"]]
    assert _chart_series(wb["按事项"]) == [["一次性办成率"]]


def test_the_outliers_and_volumes_are_the_engines_under_their_names(history_hall, tmp_path):
    wb = load_workbook(io.BytesIO(_file(tmp_path, "xlsx")))
    names = _names(history_hall)
    table = queries.period_table(hall=HALL, start=START, end=END, tz_name=TZ)
    outliers = engine.outlier_list(table, queries.rule())
    written = list(wb["极端案例"].iter_rows(min_row=3, values_only=True))
    assert outliers and len(written) == len(outliers)
    for r, o in zip(written, outliers, strict=True):
        assert r[:3] == (o["case"], _name(names, "matter", o["matter"]), _name(names, "window", o["window"]))
        _same(r[4], "mean_handling_seconds", o["seconds"])
    volumes = engine.relative_volume(table, key_matters=report.key_matters())
    written = list(wb["相对办件量"].iter_rows(min_row=3, values_only=True))
    assert volumes and len(written) == len(volumes)
    bundles = dict(zip([v["bundle"] for v in volumes], written, strict=True))
    for v in volumes:
        row = bundles[v["bundle"]]
        assert row[0] != v["bundle"] and row[1] == (
            _name(names, "matter", v["key_matter"]) if v["key_matter"] else "—"
        )
        assert row[2:4] == (v["bundle_cases"], v["key_matter_cases"])
        assert row[4] == v["relative_volume"] or row[4] == pytest.approx(v["relative_volume"])


def test_every_figure_of_the_csv_is_the_engines_for_the_period_and_the_baseline(history_hall, tmp_path):
    rows = list(csv.DictReader(io.StringIO(_file(tmp_path, "csv").decode("utf-8-sig"))))
    names = _names(history_hall)

    def check(which: str, start: date, end: date, how: str, dims: tuple[str, ...]) -> None:
        written = [r for r in rows if r["时段"] == which and r["分组方式"] == how]
        expected = _engine(start, end, dims)
        assert written and {(r["起"], r["止"]) for r in written} == {(str(start), str(end))}
        assert {r["大厅"] for r in written} == {history_hall.name}
        assert len(written) == len(expected) * len(review.HEADLINE)
        for e in expected:
            key = str(e[dims[0]] or "") if dims else ""
            mine = {r["代码"]: r for r in written if r["分组"] == key}
            assert set(mine) == set(review.HEADLINE)
            for metric, r in mine.items():
                if dims and dims[0] != "day":
                    assert r["名称"] == _name(names, dims[0], e[dims[0]])
                assert r["单位"] == review.unit(metric) and r["指标"] == review.labelled(metric)
                value = None if r["值"] == "" else float(r["值"])
                if value is not None and metric in review.RATES:
                    value /= 100  # the CSV writes a rate as a percentage, its unit %
                _same(value, metric, e[metric])

    check("本期", START, END, "全部", ())
    for how, dim in (("日期", "day"), ("窗口", "window"), ("事项", "matter")):
        check("本期", START, END, how, (dim,))
    check("基期", BASE_START, BASE_END, "全部", ())
    check("基期", BASE_START, BASE_END, "日期", ("day",))


def test_the_pdf_tables_hold_the_engines_figures_as_the_page_shows_them(history_hall, tmp_path):
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(_file(tmp_path, "pdf"))).pages)
    (total,), (base,) = _engine(START, END), _engine(BASE_START, BASE_END)
    cells = [x.strip() for x in text.splitlines()]  # the target table's cells, one a line, row by row
    for metric in review.HEADLINE:
        at = cells.index(review.LABELS[metric])  # as the page: durations written out in words, no unit
        shown = [review.display(metric, base[metric]), review.display(metric, total[metric])]
        assert cells[at + 1 : at + 3] == shown, (review.LABELS[metric], cells[at : at + 6], shown)
    title = f"{history_hall.name} 指标复盘 2026-09-14 至 2026-09-18（基期 2026-09-07 至 2026-09-11）"
    assert "".join(title.split()) in "".join(text.split())  # wrapped over two lines
    for title in ("每日受理件数", "每日一次性办成率(%)", "各窗口平均办理时长(分钟)", "各事项一次性办成率(%)"):
        assert title in text
    assert "1号综合窗口" in text and "参保登记" in text  # the charts and the outlier table by name
    assert " cbdj " not in text and "hukou-birth" not in text


def test_the_review_page_offers_the_same_files_to_the_analyst_only(
    history_hall, analyst_client, clerk_client
):
    import re

    from onevisit.accounts.models import Staff

    Staff.objects.get(user__username="fenxi").compare_halls.add(history_hall)
    query = {
        "hall": HALL,
        "from": str(START),
        "to": str(END),
        "base_from": str(BASE_START),
        "base_to": str(BASE_END),
    }
    page = analyst_client.get("/metrics/review/", query).content.decode()
    links = dict(re.findall(r'href="(/metrics/review\.(xlsx|pdf|csv)\?[^"]+)"', page))
    assert sorted(links.values()) == ["csv", "pdf", "xlsx"]
    by_format = {fmt: url.replace("&amp;", "&") for url, fmt in links.items()}
    xlsx = analyst_client.get(by_format["xlsx"])
    assert (
        xlsx.status_code == 200
        and 'filename="review-hist01-20260914-20260918.xlsx"' in xlsx["Content-Disposition"]
    )
    (total,) = _engine(START, END)
    rows = {r[0]: r for r in load_workbook(io.BytesIO(xlsx.content))["目标对照"].iter_rows(values_only=True)}
    _same(rows["平均办理时长(分钟)"][3], "mean_handling_seconds", total["mean_handling_seconds"])
    pdf = analyst_client.get(by_format["pdf"])
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert analyst_client.get(by_format["csv"]).content.decode("utf-8-sig").startswith("时段,起,止")
    bad = analyst_client.get("/metrics/review.docx", query)
    assert bad.status_code == 422 and "格式应为" in bad.content.decode()
    bad_date = analyst_client.get("/metrics/review.xlsx", {**query, "to": "2026-09-01"})
    assert bad_date.status_code == 422 and "结束日期不能早于开始日期" in bad_date.content.decode()
    assert clerk_client.get(by_format["xlsx"]).status_code == 403
    assert analyst_client.get("/metrics/review.xlsx", {"hall": "nowhere"}).status_code == 403


FONT_SITUATIONS = {  # as tests/core/test_pdf_fonts.py forces them: what the font discovery finds
    "no-cjk-truetype": (),
    "droid-sans-fallback-only": ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",),
    "full-cjk-truetype": (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
    ),
}


@pytest.fixture(params=list(FONT_SITUATIONS))
def fonts(request, monkeypatch, settings):
    from pathlib import Path

    from onevisit.core import pdf

    found = [p for p in FONT_SITUATIONS[request.param] if Path(p).is_file()]
    if FONT_SITUATIONS[request.param] and not found:
        pytest.skip(f"{request.param}: no such font on this machine")
    settings.ONEVISIT_PDF_FONT = ""
    monkeypatch.setattr(pdf, "CANDIDATES", tuple(found[:1]))
    pdf.cjk_font.cache_clear()
    yield request.param
    pdf.cjk_font.cache_clear()


def _chars(content: bytes) -> list[tuple[str, float, float, float]]:
    """Every character drawn, with its page's width and its box's left and right edges (points)."""
    import pypdfium2

    out = []
    for page in pypdfium2.PdfDocument(content):
        width = page.get_width()
        text = page.get_textpage()
        for i in range(text.count_chars()):
            ch = text.get_text_range(i, 1)
            if ch.strip():
                left, _bottom, right, _top = text.get_charbox(i)
                out.append((ch, width, left, right))
    return out


LONG_NOTE = "业务系统故障，重启后继续办理，群众离开大厅两小时后返回窗口补齐材料，由窗口负责人确认后标记"


@pytest.fixture
def flagged_twice(history_hall) -> str:
    """The week's slowest case over the rule's percentile, also flagged by its clerk with a long note: listed
    twice by the engine, one row in the files."""
    from onevisit.core.models import Event

    table = queries.period_table(hall=HALL, start=START, end=END, tz_name=TZ)
    case = engine.outlier_list(table, queries.rule())[0]["case"]
    done = Event.objects.filter(hall=HALL, case=case, type="case.completed").latest("id")
    Event.objects.create(
        at=done.at,
        type="case.outlier_flagged",
        hall=HALL,
        window=done.window,
        matter=done.matter,
        bundle=done.bundle,
        case=case,
        actor=done.actor,
        data={"note": LONG_NOTE},
    )
    return case


def test_the_pdf_lists_stay_within_the_page_and_keep_every_word(flagged_twice, tmp_path, fonts):
    """The outliers' table was wider than A4: its case numbers were cut at the left edge and its notes at the
    right. Every character stays inside the page's frame (15 mm margins), and every cell is there in full."""
    from reportlab.lib.units import mm

    content = _file(tmp_path, "pdf")
    chars = _chars(content)
    assert chars
    outside = [
        (ch, left, right)
        for ch, width, left, right in chars
        if left < 15 * mm - 1 or right > width - 15 * mm + 1
    ]
    assert not outside, outside[:10]
    text = "".join(ch for ch, *_ in chars)
    built = report.build(
        hall=HALL, tz_name=TZ, start=START, end=END, base_start=BASE_START, base_end=BASE_END
    )
    rows = report.outlier_rows(built)
    assert any(LONG_NOTE in row[-1] for row in rows)
    assert all(row[0] in text for row in rows)  # each case number whole, on one line
    # every character of every cell drawn (a wrapped cell's lines interleave with its row's other cells)
    cells = Counter("".join("".join(c.split()) for row in (*rows, *report.volume_rows(built)) for c in row))
    assert not cells - Counter(text), cells - Counter(text)


def test_the_page_the_workbook_and_the_pdf_count_the_outliers_alike(
    history_hall, flagged_twice, tmp_path, analyst_client
):
    """A case over the percentile that a clerk also flagged is one row with both notes; the PDF's heading
    counted the two entries (极端案例（9 件）over a table of 7 rows)."""
    import re

    from onevisit.accounts.models import Staff

    built = report.build(
        hall=HALL, tz_name=TZ, start=START, end=END, base_start=BASE_START, base_end=BASE_END
    )
    rows = report.outlier_rows(built)
    assert len(rows) < len(built.outliers)  # the week holds a case listed twice, merged into one row
    (row,) = [r for r in rows if r[0] == flagged_twice]
    assert set(row[-1].split("；")) == {"超过该事项第 99 百分位", LONG_NOTE}
    Staff.objects.get(user__username="fenxi").compare_halls.add(history_hall)
    query = {"hall": HALL, "from": START, "to": END, "base_from": BASE_START, "base_to": BASE_END}
    page = analyst_client.get("/metrics/review/", query).content.decode()
    (on_page,) = re.findall(r"极端案例（(\d+) 件", page)
    pdf_text = "".join(ch for ch, *_ in _chars(_file(tmp_path, "pdf")))
    (in_pdf,) = re.findall(r"极端案例（(\d+)件）", "".join(pdf_text.split()))
    in_workbook = list(load_workbook(io.BytesIO(_file(tmp_path, "xlsx")))["极端案例"].iter_rows(min_row=3))
    assert int(on_page) == int(in_pdf) == len(in_workbook) == len(rows)


def test_the_row_of_no_matter_has_no_throughput_on_the_page_in_the_workbook_and_the_csv(
    history_hall, analyst_client, tmp_path
):
    """Found in a browser walk of hist01: （不分事项：在岗时长、分流等） showed 窗口每小时办件量 0.0 (the workbook 0)
    where its other cells were —: it holds all staffed time and no service, so there is no rate to show."""
    import lxml.html

    from onevisit.accounts.models import Staff

    no_matter, throughput = report.UNOWNED["matter"], "throughput_per_window_hour"
    Staff.objects.get(user__username="fenxi").compare_halls.add(history_hall)
    response = analyst_client.get("/metrics/review/", {"hall": HALL, "from": str(START), "to": str(END)})
    page = lxml.html.fromstring(response.content.decode())
    (table,) = page.xpath("//section[@id='by-matter']//table")
    head = [" ".join(th.text_content().split()) for th in table.xpath(".//thead//th")]
    (row,) = [r for r in table.xpath(".//tbody/tr") if r.xpath("./td")[0].text_content() == no_matter]
    assert row.xpath("./td")[head.index(review.LABELS[throughput])].text_content() == "—"

    wb = load_workbook(io.BytesIO(_file(tmp_path, "xlsx")))
    sheet = wb["按事项"]
    head = [c.value for c in sheet[1]]
    (written,) = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == no_matter]
    assert written[head.index(review.labelled(throughput))] is None
    per_indicator = wb[review.labelled(throughput)[:31]]
    assert [r[2] for r in per_indicator.iter_rows(min_row=3, values_only=True) if r[1] == no_matter] == [None]

    rows = csv.DictReader(io.StringIO(_file(tmp_path, "csv").decode("utf-8-sig")))
    (value,) = [r["值"] for r in rows if r["名称"] == no_matter and r["代码"] == throughput]
    assert value == ""
