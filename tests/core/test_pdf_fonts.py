"""Every PDF keeps its digits, Latin letters and Chinese, whatever CJK font the machine offers.

Each PDF kind (ticket, notice, missing-materials notice, cards, receipt, certificate, review, plan) is rendered under three font situations forced here: no CJK TrueType on the machine (the CID
font STSong-Light), only Debian's Droid Sans Fallback (CJK glyphs but no digits nor Latin letters), and a full
CJK TrueType (WenQuanYi, AR PL). The extracted text must carry the numbers, dates and ticket or case number,
and no character may be drawn in an embedded face that has no glyph for it (it would print blank).
"""

from __future__ import annotations

import io
import re
from datetime import date
from functools import cache
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader
from reportlab.pdfbase.ttfonts import TTFont

from onevisit.cases import certificate
from onevisit.cases import services as cases
from onevisit.catalog import services as catalog_services
from onevisit.catalog.models import Matter
from onevisit.catalog.notice import render_cards, render_notice
from onevisit.core import clock, pdf
from onevisit.intake import printing
from onevisit.metrics import report
from onevisit.planning import export
from onevisit.queueing.models import Ticket
from tests.journey import called, fill_form, prereview

pytestmark = pytest.mark.django_db

DROID = Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
FULL_CJK = [
    Path(p)
    for p in (
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/usr/share/fonts/truetype/arphic/ukai.ttc",
    )
]


@pytest.fixture(params=["no-cjk-truetype", "droid-sans-fallback-only", "full-cjk-truetype"])
def fonts(request, monkeypatch, settings) -> Path | None:
    """Force what the font discovery finds; returns the embedded face expected, None for the CID font."""
    if request.param == "no-cjk-truetype":
        found = None
    elif request.param == "droid-sans-fallback-only":
        if not DROID.is_file():
            pytest.skip(f"{DROID} is absent: apt-get install fonts-droid-fallback")
        found = DROID
    else:
        found = next((p for p in FULL_CJK if p.is_file()), None)
        if found is None:
            pytest.skip("no full CJK TrueType font: apt-get install fonts-wqy-zenhei")
    settings.ONEVISIT_PDF_FONT = ""
    monkeypatch.setattr(pdf, "CANDIDATES", (str(found),) if found else ())
    pdf.cjk_font.cache_clear()
    yield found
    pdf.cjk_font.cache_clear()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@cache
def _cmap(path: Path) -> tuple[str, frozenset[int]]:
    """The PDF name reportlab gives the embedded face (a collection's adds its index) and the face's characters."""
    face = TTFont("probe", str(path), subfontIndex=0).face
    return (face.name + face.subfontNameX).decode(), frozenset(face.charToGlyph)


def read(content: bytes, face: Path | None) -> str:
    """The PDF's text, whitespace removed; fails if any character was drawn in a face without its glyph."""
    runs: list[tuple[str, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            runs.append((str(font.get("/BaseFont", "")), text))

    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text(visitor_text=visit) for page in reader.pages)
    used = {base.lstrip("/").split("+")[-1] for base, _ in runs}
    if face is None:
        assert pdf.CID_FONT in used, used
    else:
        name, cmap = _cmap(face)
        assert name in used, (name, used)
        blank = {
            ch
            for base, t in runs
            if base.endswith(name)
            for ch in t
            if not ch.isspace() and ord(ch) not in cmap
        }
        assert not blank, f"drawn in {name}, which has no glyph for: {''.join(sorted(blank))}"
    return _squash(text)


def _has(text: str, *needles: str) -> None:
    missing = [n for n in needles if _squash(n) not in text]
    assert not missing, f"missing {missing} in {text[:400]}"


def test_the_ticket_keeps_its_number_wait_and_time(fonts, guide):
    t = prereview(guide).ticket
    content = printing.content_for(
        t, status_url="http://hall.example/t/x/", waiting_ahead=7, estimated_minutes=23
    )
    text = read(printing.ticket_pdf(content), fonts)
    _has(
        text,
        t.number,
        "前面还有 7 人",
        "约等候 23 分钟",
        f"{content.issued_at:%Y-%m-%d %H:%M}",
        t.hall.name,
        "参保登记",
    )
    assert re.fullmatch(r"[A-Z]\d{3}", t.number)


def test_the_notice_keeps_its_date_counts_and_material_names(fonts, catalog):
    checklist = catalog_services.checklist_for_bundle("after-death", {})
    content = render_notice(
        checklist,
        url="http://hall.example/n/",
        situation=[("是否有遗属", "是")],
        today=date(2026, 12, 5),
        matter_names=catalog_services.matter_names(),
    )
    text = read(content, fonts)
    form = checklist.form
    _has(
        text,
        "一次告知书",
        "生成日期：2026年12月05日",
        "是否有遗属：是",
        f"一张表共 {form.entries_merged} 项",
        f"少填 {form.entries_saved} 项",
        *[m.name for m in checklist.materials],
    )
    _has(text, *[str(i) for i in range(1, len(checklist.materials) + 1)])


def test_the_missing_materials_notice_names_what_is_still_to_bring(fonts, guide, guide_client):
    pr = prereview(guide, "cbdj", present=["sfz", "zp"])
    response = guide_client.get(f"/guide/prereviews/{pr.pk}/notice.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = read(response.content, fonts)
    today = clock.local_date(guide.hall.timezone)
    _has(text, "一次告知书", f"生成日期：{today:%Y年%m月%d日}", "劳动合同或用工证明", "户口簿(首页及本人页)")
    assert "近期一寸免冠照片" not in text  # brought


def test_the_notice_board_cards_keep_time_limits_and_numbering(fonts, catalog):
    matters = list(Matter.objects.filter(code__in=["cbdj", "gxzy"]).order_by("code"))
    specs = catalog_services.matter_specs([m.code for m in matters])
    cards = [(m, specs[m.code].materials, 3) for m in matters]
    text = read(render_cards(cards, url_for=lambda m: f"http://hall.example/n/{m.code}/"), fonts)
    for m in matters:
        limit = "即办" if m.time_limit_days == 0 else f"{m.time_limit_days}个工作日"
        _has(text, m.name, f"承诺时限：{limit}", "材料清单第3版", f"1. {specs[m.code].materials[0].name}")


def _completed_case(guide, clerk, window1):
    case = cases.accept(actor=clerk, window=window1, code=called(guide, clerk, window1).token)
    fill_form(clerk, case)
    return cases.complete(actor=clerk, case_id=case.pk)


def test_the_certificate_keeps_its_case_number_and_date(fonts, guide, clerk, window1):
    case = _completed_case(guide, clerk, window1)
    text = read(certificate.render(case), fonts)
    done = clock.localtime(case.completed_at, case.hall.timezone)
    _has(
        text,
        "办理结果通知书",
        f"办件号：{case.number}",
        f"办结日期：{done:%Y年%m月%d日}",
        "参保登记",
        case.hall.name,
    )
    assert re.search(r"\d", case.number)


def test_the_review_report_keeps_its_period_and_figures(fonts, guide, clerk, window1, hall):
    _completed_case(guide, clerk, window1)
    today = clock.local_date(hall.timezone)
    r = report.build(hall=hall.code, tz_name=hall.timezone, start=today, end=today)
    text = read(report.to_pdf(r), fonts)
    _has(
        text,
        f"{hall.name} 指标复盘 {today:%Y-%m-%d} 至 {today:%Y-%m-%d}",
        "一次性办成率",
        "试点目标",
        "100.0%",
    )


def test_the_receipt_keeps_its_case_number_and_dates(fonts, guide, clerk_client):
    """The acceptance receipt as PDF, offered on the case page (the window printer's electronic fallback)."""
    from onevisit.cases.models import Case

    prereview(guide, "cbdj")
    clerk_client.post("/window/w1/call/")
    page = clerk_client.post("/window/w1/accept/", {"code": Ticket.objects.get().token}, follow=True)
    case = Case.objects.get()
    link = re.search(r'href="([^"]*receipt[^"]*\.pdf)"[^>]*>[^<]*回执', page.content.decode())
    assert link, "the case page offers no receipt PDF"
    response = clerk_client.get(link.group(1))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = read(response.content, fonts)
    accepted = clock.localtime(case.accepted_at, case.hall.timezone)
    _has(
        text,
        "受理回执",
        case.hall.name,
        f"办件号 {case.number}",
        "参保登记",
        f"受理时间：{accepted:%Y-%m-%d %H:%M}",
        "承诺办结",
        "扫码查看办理进度",
    )


@pytest.fixture(scope="module")
def plan_outcome():
    """A window plan from three weeks of the synthetic hall, without the database (few replications: fast)."""
    from zoneinfo import ZoneInfo

    from onevisit.planning import calibrate, services
    from onevisit.simulators import history

    events = [
        e
        for e in history.generate(start=date(2026, 9, 1), days=21, halls=1, seed=3)
        if e.type in calibrate.EVENT_TYPES
    ]
    table = calibrate.table(
        [(e.at, e.type, e.queue, e.window, e.matter, e.ticket, e.case, e.data) for e in events],
        ZoneInfo("Asia/Shanghai"),
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "events", lambda **_: table)
        return services.build(
            hall="hist01",
            tz_name="Asia/Shanghai",
            request=services.Request(start=date(2026, 9, 1), end=date(2026, 9, 21), replications=4),
        )


def test_the_window_plan_keeps_its_tables(fonts, plan_outcome):
    text = read(export.to_pdf(plan_outcome), fonts)
    header, rows = export.plan_rows(plan_outcome)
    _has(
        text,
        export.title(plan_outcome),
        "2026-09-01",
        "取号记录",
        f"{plan_outcome.calibration.tickets:,} 张",
        header[1][:5],
        rows[0][0],
        *rows[0][1:4],
    )


def test_the_ticket_number_is_really_drawn(fonts, guide):
    """Extractable is not enough: the number's band of the rendered ticket must have ink (embedded faces)."""
    if fonts is None:
        pytest.skip("the CID font is drawn by the reader's own Chinese font, not embedded")
    t = prereview(guide).ticket
    content = printing.content_for(
        t, status_url="http://hall.example/t/x/", waiting_ahead=7, estimated_minutes=23
    )
    image = pypdfium2.PdfDocument(printing.ticket_pdf(content))[0].render(scale=2).to_pil().convert("L")
    mm = image.height / 130
    band = image.crop((0, int(15 * mm), image.width, int(27 * mm)))  # the 34 pt number, nothing else
    assert sum(band.histogram()[:128]) > 200  # dark pixels


def test_a_configured_font_without_chinese_is_passed_over(settings, monkeypatch):
    latin_only = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin_only.is_file():
        pytest.skip(f"{latin_only} is absent: apt-get install fonts-dejavu-core")
    settings.ONEVISIT_PDF_FONT = str(latin_only)
    monkeypatch.setattr(pdf, "CANDIDATES", ())
    pdf.cjk_font.cache_clear()
    try:
        assert pdf.cjk_font() == pdf.CID_FONT
    finally:
        pdf.cjk_font.cache_clear()
