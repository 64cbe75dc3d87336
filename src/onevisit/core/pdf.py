"""PDF basics shared by notices, tickets and reports: a CJK font that renders, and paragraph styles.

An embedded TrueType CJK font is used when one is configured (ONEVISIT_PDF_FONT) or found on the machine;
otherwise reportlab's built-in Adobe CID font STSong-Light, which every PDF reader maps to a Song face and
whose text extracts as Unicode.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.platypus import TableStyle

CID_FONT = "STSong-Light"
_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@cache
def cjk_font() -> str:
    """Register and return the name of the font to write Chinese with."""
    configured = getattr(settings, "ONEVISIT_PDF_FONT", "")
    for candidate in ([configured] if configured else []) + list(_CANDIDATES):
        path = Path(candidate)
        if not path.is_file():
            continue
        try:
            pdfmetrics.registerFont(TTFont("OnevisitCJK", str(path), subfontIndex=0))
        except TTFError:
            continue  # e.g. PostScript outlines, which reportlab cannot embed
        return "OnevisitCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def style(name: str = "body", *, size: float = 10.5, leading: float | None = None, **kw) -> ParagraphStyle:
    """A paragraph style in the CJK font that wraps Chinese text between any two characters."""
    return ParagraphStyle(
        name, fontName=cjk_font(), fontSize=size, leading=leading or size * 1.45, wordWrap="CJK", **kw
    )


def grid(size: float = 8) -> TableStyle:
    """A figures table: the CJK font at `size`, thin grey rules, a shaded header row."""
    return TableStyle([("FONT", (0, 0), (-1, -1), cjk_font(), size), ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))])  # fmt: skip


def qr_drawing(url: str, size: float = 30 * mm) -> Drawing:
    """A QR code of `url`, `size` points square, to place in a PDF."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing
