"""`onevisit report`: xlsx with a sheet per indicator and the definitions, a PDF with the target table and
charts (Chinese text extractable), CSV; an empty period says so; bad periods are refused."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from onevisit.cases import services as cases
from onevisit.core import clock
from onevisit.metrics import review
from tests.journey import called, fill_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_case(guide, clerk, window1):
    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    return case


def _run(tmp_path, fmt, start, end):
    out = tmp_path / f"r.{fmt}"
    call_command(
        "report",
        "--from",
        str(start),
        "--to",
        str(end),
        "--format",
        fmt,
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    return out


def test_excel_has_targets_a_sheet_per_indicator_and_definitions(one_case, tmp_path):
    today = clock.local_date()
    wb = load_workbook(_run(tmp_path, "xlsx", today - timedelta(days=6), today))
    assert wb.sheetnames[0] == "目标对照" and wb.sheetnames[-1] == "口径说明"
    assert review.LABELS["one_visit_rate"] in wb.sheetnames
    sheet = wb[review.LABELS["one_visit_rate"]]
    assert sheet["A3"].value == "全部" and sheet["C3"].value == 1.0
    assert any(row[0] == "群众往返次数" for row in wb["口径说明"].iter_rows(values_only=True))


def test_pdf_has_the_target_table_in_chinese(one_case, tmp_path):
    today = clock.local_date()
    text = "".join(p.extract_text() for p in PdfReader(_run(tmp_path, "pdf", today, today)).pages)
    assert "一次性办成率" in text and "试点目标" in text


def test_csv_is_long_format_with_every_headline_metric_for_the_period_and_its_baseline(one_case, tmp_path):
    today = clock.local_date()
    rows = list(csv.reader(io.StringIO(_run(tmp_path, "csv", today, today).read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["时段", "起", "止", "大厅", "分组方式", "分组", "名称", "指标", "代码", "单位", "值"]
    period = {r[8]: r for r in rows[1:] if r[0] == "本期" and r[4] == "全部"}
    assert set(period) == set(review.HEADLINE)
    assert period["one_visit_rate"][1:4] == [str(today), str(today), "示范区政务服务中心"]
    assert period["one_visit_rate"][9:] == ["%", "100.0"]
    assert period["mean_handling_seconds"][9] == "分钟"
    yesterday = str(today - timedelta(days=1))
    base = {r[8]: r for r in rows[1:] if r[0] == "基期" and r[4] == "全部"}
    assert set(base) == set(review.HEADLINE) and base["one_visit_rate"][1:3] == [yesterday, yesterday]
    assert base["one_visit_rate"][10] == ""  # nothing accepted the day before: no rate, not 0
    names = {r[6] for r in rows[1:] if r[4] == "窗口"} | {r[6] for r in rows[1:] if r[4] == "事项"}
    assert {"1号窗口", "参保登记"} <= names


def test_an_empty_period_gives_a_report_that_says_so(empty_hall, tmp_path):
    out = _run(
        tmp_path, "csv", clock.local_date() - timedelta(days=400), clock.local_date() - timedelta(days=390)
    )
    assert "所选时段没有事件记录" in out.read_bytes().decode("utf-8-sig")
    wb = load_workbook(
        _run(
            tmp_path,
            "xlsx",
            clock.local_date() - timedelta(days=400),
            clock.local_date() - timedelta(days=390),
        )
    )
    assert wb["目标对照"]["A2"].value.startswith("所选时段没有事件记录")


def test_bad_periods_are_refused(empty_hall, tmp_path):
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        _run(tmp_path, "csv", clock.local_date(), clock.local_date() - timedelta(days=1))
    with pytest.raises(CommandError, match="not a date"):
        call_command("report", "--from", "last-week", "--to", "2026-11-01", stdout=io.StringIO())


def test_the_workbook_lists_outliers_with_notes_and_relative_volumes(one_case, clerk, tmp_path):
    cases.flag_outlier(actor=clerk, case_id=one_case.pk, note="业务系统故障")
    today = clock.local_date()
    wb = load_workbook(_run(tmp_path, "xlsx", today, today))
    rows = list(wb["极端案例"].iter_rows(values_only=True))
    assert "窗口人员标记" in rows[0][1] and rows[2][0] == str(one_case.pk) and rows[2][-1] == "业务系统故障"
    assert list(wb["相对办件量"].iter_rows(values_only=True))[1][0] == "一件事"
    text = "".join(p.extract_text() for p in PdfReader(_run(tmp_path, "pdf", today, today)).pages)
    assert "极端案例（1 件）" in text and "业务系统故障" in text


def test_a_report_compares_with_another_hall(one_case, tmp_path):
    from onevisit.accounts.models import Hall

    Hall.objects.create(code="east", name="东区")
    today = clock.local_date()
    out = tmp_path / "r.xlsx"
    call_command(
        "report",
        "--hall",
        "demo",
        "--base-hall",
        "east",
        "--from",
        str(today),
        "--to",
        str(today),
        "-o",
        str(out),
        stdout=io.StringIO(),
    )
    title = load_workbook(out)["目标对照"]["A1"].value
    assert title.startswith("示范区政务服务中心 指标复盘")  # halls by name, not code
    assert f"基期 东区 {today:%Y-%m-%d} 至 {today:%Y-%m-%d}" in title
    with pytest.raises(CommandError, match="no hall 'west'"):
        call_command(
            "report",
            "--hall",
            "demo",
            "--base-hall",
            "west",
            "--from",
            str(today),
            "--to",
            str(today),
            "-o",
            str(out),
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="极端值分位数"):
        call_command(
            "report",
            "--hall",
            "demo",
            "--outlier",
            "abc",
            "--from",
            str(today),
            "--to",
            str(today),
            "-o",
            str(out),
            stdout=io.StringIO(),
        )


def test_the_workbook_s_tables_of_an_empty_period_stay_machine_readable_and_say_no_data(empty_hall, tmp_path):
    """A 无数据 row would be read as a window or matter of that name: the sheet keeps its header alone, the header
    says 无数据 in a comment, and no empty chart stands under it."""
    start = clock.local_date() - timedelta(days=400)
    wb = load_workbook(_run(tmp_path, "xlsx", start, start + timedelta(days=6)))
    for title in ("按日期", "按窗口", "按事项"):
        sheet = wb[title]
        assert sheet.max_row == 1 and sheet["A1"].value in ("日期", "窗口", "事项"), title
        assert sheet["A1"].comment is not None and sheet["A1"].comment.text.startswith("无数据"), title
        assert not sheet._charts, title
