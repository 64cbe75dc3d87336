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
from tests.journey import called

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_case(guide, clerk, window1):
    ticket = called(guide, clerk, window1)
    case = cases.accept(actor=clerk, window=window1, code=ticket.token)
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


def test_csv_is_long_format_with_every_headline_metric(one_case, tmp_path):
    today = clock.local_date()
    rows = list(csv.reader(io.StringIO(_run(tmp_path, "csv", today, today).read_bytes().decode("utf-8-sig"))))
    assert rows[0] == ["分组方式", "分组", "指标", "代码", "值"]
    total = {r[3]: r[4] for r in rows[1:] if r[0] == "全部"}
    assert set(total) == set(review.HEADLINE) and total["one_visit_rate"] == "1.0"


def test_an_empty_period_gives_a_report_that_says_so(hall, tmp_path):
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


def test_bad_periods_are_refused(hall, tmp_path):
    with pytest.raises(CommandError, match="结束日期不能早于开始日期"):
        _run(tmp_path, "csv", clock.local_date(), clock.local_date() - timedelta(days=1))
    with pytest.raises(CommandError, match="not a date"):
        call_command("report", "--from", "last-week", "--to", "2026-11-01", stdout=io.StringIO())
