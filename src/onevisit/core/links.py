"""Addresses printed for citizens (the QR codes on tickets, receipts and notices): one function, one setting."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.html import format_html
from reportlab.graphics.barcode.qr import QrCodeWidget


def public_url(request: Any, path: str) -> str:
    """`path` as an address a citizen's phone can open.

    ONEVISIT_PUBLIC_BASE_URL when it is set (a hall whose server staff reach by an intranet name, while phones
    reach it by another), else the address of the request that prints it.
    """
    base = (settings.ONEVISIT_PUBLIC_BASE_URL or "").rstrip("/")
    if base:
        return f"{base}/{path.lstrip('/')}"
    return str(request.build_absolute_uri(path))


def qr_svg(text: str, *, size: int = 160, title: str = "") -> str:
    """A QR code as SVG (one path, a few KB), inline in a page or served alone; PDFs use core.pdf.qr_drawing."""
    widget = QrCodeWidget(text, barLevel="M")
    widget.qr.make()
    count = widget.qr.getModuleCount()
    border = 4
    cells = [
        f"M{c + border} {r + border}h1v1h-1z"
        for r, row in enumerate(widget.qr.modules)
        for c, dark in enumerate(row)
        if dark
    ]
    side = count + 2 * border
    svg: str = format_html(
        '<svg class="qr" role="img" aria-label="{}" width="{}" height="{}" viewBox="0 0 {} {}" '
        'xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="#fff"/>'
        '<path d="{}" fill="#000"/></svg>',
        title or "二维码",
        size,
        size,
        side,
        side,
        "".join(cells),
    )
    return svg
