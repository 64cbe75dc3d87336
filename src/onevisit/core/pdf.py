"""PDF basics shared by notices, tickets and reports: a CJK font that renders every character, and styles.

Every PDF writes through `cjk_font()`. An embedded TrueType CJK font is used when one is configured
(ONEVISIT_PDF_FONT) or found on the machine and has the Chinese glyphs; the characters it lacks are written in
Helvetica. That matters for Debian's Droid Sans Fallback (pulled in by ghostscript and ImageMagick): it has
Chinese but no digit nor Latin letter, and reportlab would silently draw them blank. Without such a font,
reportlab's built-in Adobe CID font STSong-Light, which PDF readers draw with their own Song face and whose text
extracts as Unicode.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path
from typing import Any

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

log = logging.getLogger(__name__)

CID_FONT = "STSong-Light"
LATIN_FONT = "Helvetica"  # one of the 14 standard fonts every PDF reader draws
CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)
# Characters every PDF writes in the CJK face: a font lacking one of them is not used.
CJK_SAMPLE = "一次告知书办件号前面还有人约等候分钟年月日窗口规划指标复盘材料清单：，（）、。"


class CJKWithLatin(TTFont):
    """A CJK TrueType font that writes each character it has no glyph for in Helvetica instead.

    reportlab draws a dynamic font's text through `splitString` (runs of one subset each) and names each run's PDF
    font with `getSubsetInternalName`; here a run of missing characters becomes a Helvetica run (WinAnsi bytes),
    and widths are summed per run, so paragraphs, tables, canvas strings and chart labels all wrap and centre
    right. Characters neither face has stay with the CJK face."""

    LATIN_SUBSET = 1 << 20  # a subset number no TrueType subset reaches

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename, subfontIndex=0, shapable=False)
        self._has = self.face.charToGlyph.__contains__

    def _latin(self, ch: str) -> bool:
        if self._has(ord(ch)) or ch == "\xa0":
            return False
        try:
            ch.encode("cp1252")
        except UnicodeEncodeError:
            return False
        return True

    def _runs(self, text: str) -> list[tuple[bool, str]]:
        runs: list[tuple[bool, list[str]]] = []
        for ch in text:
            latin = self._latin(ch)
            if runs and runs[-1][0] == latin:
                runs[-1][1].append(ch)
            else:
                runs.append((latin, [ch]))
        return [(latin, "".join(chars)) for latin, chars in runs]

    def stringWidth(self, text: str | bytes, size: float, encoding: str = "utf8") -> float:  # noqa: N802 - reportlab's protocol
        if isinstance(text, bytes):
            text = text.decode(encoding)
        return sum(
            pdfmetrics.stringWidth(run, LATIN_FONT, size)
            if latin
            else super(CJKWithLatin, self).stringWidth(run, size)
            for latin, run in self._runs(text)
        )

    def splitString(self, text: str | bytes, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:  # noqa: N802 - reportlab's protocol
        if isinstance(text, bytes):
            text = text.decode(encoding)
        out = []
        for latin, run in self._runs(text):
            if latin:
                out.append((self.LATIN_SUBSET, run.encode("cp1252")))
            else:
                out += super().splitString(run, doc)
        return out

    def getSubsetInternalName(self, subset: int, doc: Any) -> str:  # noqa: N802 - reportlab's protocol
        if subset == self.LATIN_SUBSET:
            return doc.getInternalFontName(LATIN_FONT)
        return super().getSubsetInternalName(subset, doc)


def _usable(path: Path) -> CJKWithLatin | None:
    """The font at `path` if reportlab can embed it and it has the Chinese glyphs; else None (logged)."""
    name = "OnevisitCJK-" + path.stem
    try:
        font = CJKWithLatin(name, str(path))
    except (TTFError, OSError) as exc:  # e.g. PostScript (CFF) outlines, which reportlab cannot embed
        log.info("PDF font %s skipped: %s", path, exc)
        return None
    lacking = [ch for ch in CJK_SAMPLE if ord(ch) not in font.face.charToGlyph]
    if lacking:
        log.info("PDF font %s skipped: no glyph for %s", path, "".join(lacking))
        return None
    return font


@cache
def cjk_font() -> str:
    """Register and return the name of the font to write Chinese (and everything else) with."""
    configured = getattr(settings, "ONEVISIT_PDF_FONT", "")
    for candidate in ([configured] if configured else []) + list(CANDIDATES):
        path = Path(candidate)
        if not path.is_file():
            continue
        font = _usable(path)
        if font is None:
            continue
        if font.fontName not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(font)
        return font.fontName
    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    return CID_FONT


def style(
    name: str = "body", *, size: float = 10.5, leading: float | None = None, **kw: Any
) -> ParagraphStyle:
    """A paragraph style in the CJK font that wraps Chinese text between any two characters."""
    return ParagraphStyle(
        name, fontName=cjk_font(), fontSize=size, leading=leading or size * 1.45, wordWrap="CJK", **kw
    )


def grid(size: float = 8) -> TableStyle:
    """A figures table: the CJK font at `size`, thin grey rules, a shaded header row."""
    return TableStyle(
        [
            ("FONT", (0, 0), (-1, -1), cjk_font(), size),
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ]
    )


def qr_drawing(url: str, size: float = 30 * mm) -> Drawing:
    """A QR code of `url`, `size` points square, to place in a PDF."""
    widget = QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing
