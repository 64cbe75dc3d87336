"""The printable one-time notice (一次告知书) and the notice-board cards, as PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from onevisit.catalog.situations import own_note
from onevisit.core.pdf import cjk_font, qr_drawing, style


def requirement_text(m) -> str:
    parts = ["原件" if m.original else "复印件"]
    if m.copies > 1:
        parts.append(f"{m.copies}份")
    if m.stamp:
        parts.append(f"加盖{m.stamp}公章")
    if m.electronic:
        parts.append("可用电子证照")
    if m.tolerable:
        due = m.due_working_days
        parts.append(f"可容缺，{due}个工作日内补交" if due else "可容缺后补")
    if m.shared:
        parts.append("免提交(部门共享获取)")
    return "，".join(parts)


def _para(text: str, st) -> Paragraph:
    return Paragraph(escape(text), st)


def render_notice(
    checklist, *, url: str, situation: Sequence[tuple[str, str]], today: date, matter_names
) -> bytes:
    """One notice: what to bring for this bundle or matter in this situation, with a QR back to the page."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=f"一次告知书 {checklist.name}",
        author="onevisit",
    )
    title, body, small = style("title", size=18, spaceAfter=4), style(), style("small", size=9)
    head = Table(
        [
            [
                [
                    _para(f"一次告知书：{checklist.name}", title),
                    _para(f"生成日期：{today:%Y年%m月%d日}", small),
                ],
                qr_drawing(url),
            ]
        ],
        colWidths=[doc.width - 34 * mm, 34 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT")]))
    story = [head, _para("扫描右上角二维码可在手机上查看本清单。", small), Spacer(0, 4 * mm)]
    if situation:
        story.append(_para("您的情形：" + "；".join(f"{q}：{a}" for q, a in situation), body))
    if checklist.kind == "bundle":
        story.append(_para("本次一并办理：" + "、".join(m.name for m in checklist.matters), body))
    story.append(Spacer(0, 3 * mm))
    rows = [[_para(h, body) for h in ("序号", "材料名称", "要求", "用于事项")]]
    for i, m in enumerate(checklist.materials, 1):
        rows.append(
            [
                _para(str(i), body),
                _para(m.name + (f"（{own_note(m)}）" if own_note(m) else ""), body),
                _para(requirement_text(m), body),
                _para("、".join(matter_names.get(c, c) for c in m.matters), body),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 70 * mm, 55 * mm, doc.width - 137 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), cjk_font()),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(0, 4 * mm)]
    form = checklist.form
    saved = (
        f"（分别填写需 {form.entries_separately} 项，合并后少填 {form.entries_saved} 项）"
        if form.entries_saved > 0
        else ""  # one matter's form, or nothing asked twice: no "少填 0 项"
    )
    story.append(_para(f"申请表：一张表共 {form.entries_merged} 项{saved}。", body))
    story.append(
        _para(
            "以上为一次性告知的全部材料，窗口不再要求清单以外的材料。可容缺材料可先受理、承诺期限内补交。",
            body,
        )
    )
    doc.build(story)
    return buf.getvalue()


def render_cards(cards: Sequence[tuple], *, url_for) -> bytes:
    """Notice-board cards (告示卡): one printable page per matter, replacing hand-corrected posters."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="事项告示卡",
        author="onevisit",
    )
    title, body, big = style("card-title", size=26, leading=34), style(size=12), style("big", size=14)
    story = []
    for i, (matter, materials, version) in enumerate(cards):
        if i:
            story.append(PageBreak())
        limit = "即办" if matter.time_limit_days == 0 else f"{matter.time_limit_days}个工作日"
        story += [
            _para(matter.name, title),
            _para(f"办理部门：{matter.department.name}　　承诺时限：{limit}", big),
            _para(f"材料清单第{version}版" if version else "材料清单", body),
            Spacer(0, 5 * mm),
        ]
        items = [_para(f"{n}. {m.name}（{requirement_text(m)}）", big) for n, m in enumerate(materials, 1)]
        story.append(KeepTogether(items))
        story += [
            Spacer(0, 8 * mm),
            qr_drawing(url_for(matter), 40 * mm),
            _para("扫码查看一次告知清单", body),
        ]
    doc.build(story)
    return buf.getvalue()
