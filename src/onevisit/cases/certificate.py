"""The electronic certificate of a completed case (a PDF with the case number and a QR back to its status)."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from onevisit.core import clock, people
from onevisit.core.ids import mask_name
from onevisit.core.pdf import cjk_font


def render(case) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    width, height = A4
    font = cjk_font()
    c.setTitle(f"电子证照 {case.number}")
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 40 * mm, "办理结果通知书（电子）")
    c.setFont(font, 12)
    lines = [
        f"办件号：{case.number}",
        f"办理事项：{case.bundle.name if case.bundle_id else case.matter.name}",
        f"申请人：{mask_name(people.name_at(case.person, case.accepted_at)) or '—'}",
        f"办结日期：{clock.localtime(case.completed_at, case.hall.timezone):%Y年%m月%d日}",
        f"出具单位：{case.hall.name}",
    ]
    for i, line in enumerate(lines):
        c.drawString(30 * mm, height - (70 + 12 * i) * mm, line)
    c.showPage()
    c.save()
    return buf.getvalue()
