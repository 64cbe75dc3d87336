"""Ticket printing: the ticket as ESC/POS for thermal printers over TCP 9100, or as PDF; backup failover.

The port is `TicketPrinter.send(payload)`; its adapters are in the `PRINTERS` registry: `escpos` (raw TCP 9100),
`pdf` (the browser prints), `demo` (keeps each job in memory) and `failing` (every job fails). A printer uses the
adapter of its kind unless ONEVISIT_PRINTER_ADAPTERS names another for that kind; never a vendor check inside a
use case.
"""

from __future__ import annotations

import errno
import io
import logging
import re
import socket
import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from escpos.printer import Dummy
from reportlab.graphics.barcode import code128
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.core.events import emit
from onevisit.core.ids import redact
from onevisit.core.labels import names_line
from onevisit.core.pdf import cjk_font, qr_drawing, style
from onevisit.core.registry import Registry, UnknownAdapter
from onevisit.intake.models import Printer
from onevisit.queueing.models import Ticket

log = logging.getLogger(__name__)

_HOST = re.compile(
    r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)


def parse_address(address: str) -> tuple[str, int]:
    """host:port (IPv4 or a host name), as a printer is configured; anything else is refused with the reason."""
    value = (address or "").strip()
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536 or not _HOST.match(host):
        raise Invalid(f"打印机地址「{value}」须为 主机:端口，如 10.0.0.21:9100", field="address")
    return host, int(port)


@dataclass(frozen=True)
class TicketContent:
    hall: str
    number: str
    queue: str
    matter: str
    token: str
    waiting_ahead: int
    estimated_minutes: int
    issued_at: datetime
    status_url: str
    priority: str = ""


def escpos_bytes(t: TicketContent) -> bytes:
    """ESC/POS for an 80 mm thermal printer: Chinese in GB18030, Code128 of the token, native QR."""
    p = Dummy()
    p._raw(b"\x1c\x26")  # FS &: Chinese character mode

    def line(text: str) -> None:
        p._raw(text.encode("gb18030") + b"\n")

    p.set(align="center")
    line(t.hall)
    p.set(align="center", double_height=True, double_width=True)
    line(t.number)
    p.set(align="center")
    line(names_line(t.queue, t.matter))
    if t.priority:
        line(t.priority)
    line(f"前面还有 {t.waiting_ahead} 人，约等候 {t.estimated_minutes} 分钟")
    line(f"{t.issued_at:%Y-%m-%d %H:%M}")
    p.barcode("{B" + t.token, "CODE128", height=80, width=2, pos="BELOW", function_type="B")
    p.qr(t.status_url, size=5, native=True)
    line("扫码查看排队与办理进度")
    p.cut()
    return p.output


def ticket_pdf(t: TicketContent) -> bytes:
    """The same ticket as an 80 mm wide PDF (browser printing, and the fallback when printers are down)."""
    width, height = 80 * mm, 130 * mm
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(width, height))
    c.setTitle(f"小票 {t.number}")
    font = cjk_font()
    y = height - 12 * mm
    c.setFont(font, 11)
    c.drawCentredString(width / 2, y, t.hall)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, y - 14 * mm, t.number)
    c.setFont(font, 10)
    c.drawCentredString(width / 2, y - 21 * mm, names_line(t.queue, t.matter))
    if t.priority:
        c.drawCentredString(width / 2, y - 26 * mm, t.priority)
    c.drawCentredString(
        width / 2, y - 31 * mm, f"前面还有 {t.waiting_ahead} 人，约等候 {t.estimated_minutes} 分钟"
    )
    c.drawCentredString(width / 2, y - 36 * mm, f"{t.issued_at:%Y-%m-%d %H:%M}")
    # The typed backup number under the bars, clear of them (reportlab's own human-readable line overlapped
    # the bars' foot, where a scanner and an eye both need a gap).
    barcode = code128.Code128(t.token, barHeight=14 * mm, barWidth=0.38 * mm, humanReadable=False)
    barcode.drawOn(c, (width - barcode.width) / 2, y - 55 * mm)
    c.setFont("Courier-Bold", 11)
    c.drawCentredString(width / 2, y - 60 * mm, t.token)
    qr = qr_drawing(t.status_url, 30 * mm)
    qr.drawOn(c, (width - 30 * mm) / 2, y - 94 * mm)
    c.setFont(font, 8)
    c.drawCentredString(width / 2, y - 98 * mm, "扫码查看排队与办理进度")
    c.showPage()
    c.save()
    return buf.getvalue()


class TicketPrinter:
    """Port: something that takes a rendered ESC/POS job. Adapters raise OSError when the device fails (Invalid
    when its address is wrong); building one connects to nothing."""

    def __init__(self, address: str = "", timeout: float = 3.0) -> None:
        self.address, self.timeout = address, timeout

    def send(self, payload: bytes) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def check_config(self) -> list[str]:
        return []


PRINTERS: Registry[TicketPrinter] = Registry("printer")


@PRINTERS.register("escpos")
class EscposNetworkPrinter(TicketPrinter):
    def send(self, payload: bytes) -> None:
        host, port = parse_address(self.address)
        with socket.create_connection((host, port), timeout=self.timeout) as conn:
            conn.settimeout(self.timeout)
            conn.sendall(payload)

    def check_config(self) -> list[str]:
        try:
            parse_address(self.address)
        except Invalid as exc:
            return [exc.message]
        return []


@PRINTERS.register("pdf")
class BrowserPdfPrinter(TicketPrinter):
    """The page offers the PDF to the browser's print dialog; nothing to send from the server."""

    def send(self, payload: bytes) -> None:
        return None


@PRINTERS.register("demo")
class DemoPrinter(TicketPrinter):
    """Prints nothing: keeps the latest jobs (address, bytes) in this process, for the demo and the tests."""

    jobs: ClassVar[deque[tuple[str, bytes]]] = deque(maxlen=1000)
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send(self, payload: bytes) -> None:
        with self._lock:
            self.jobs.append((self.address, payload))

    @classmethod
    def clear(cls) -> None:
        with cls._lock:
            cls.jobs.clear()


@PRINTERS.register("failing")
class FailingPrinter(TicketPrinter):
    """Every job fails, as a jammed printer's does: the backup and the PDF take over."""

    def send(self, payload: bytes) -> None:
        raise OSError("failing 适配器：打印机始终故障")


def adapter_name(printer: Printer) -> str:
    """The adapter a printer uses: the one settings name for its kind, else its kind's own."""
    return settings.ONEVISIT_PRINTER_ADAPTERS.get(printer.kind, printer.kind)


def printer_for(printer: Printer) -> TicketPrinter:
    return PRINTERS[adapter_name(printer)](printer.address, printer.timeout_seconds)


# What staff read when a printer fails (first match); the exception itself goes to the log and the event.
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (Invalid, "打印机地址设置有误"),
    (UnknownAdapter, "打印机适配器设置有误"),
    (ConnectionRefusedError, "打印机未开机或未连接"),
    (TimeoutError, "打印机无响应"),  # socket.timeout too
    (socket.gaierror, "找不到打印机（地址无法解析）"),
    (ConnectionError, "打印中连接断开"),  # reset, aborted, broken pipe
)
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EHOSTDOWN, errno.ENETDOWN}


def plain_reason(exc: BaseException) -> str:
    """Why a printer failed, in words for the people at the desk (never an exception name)."""
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, OSError) and exc.errno in _UNREACHABLE:
        return "打印机网络不通"
    return "打印机故障"


def technical_detail(exc: BaseException) -> str:
    """The exception for the log, the event and the information centre: its class and text, personal numbers
    masked, at most 200 characters."""
    text = getattr(exc, "message", None) or str(exc)
    return redact(f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__)[:200]


@dataclass
class PrintOutcome:
    printed_on: Printer | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (printer name, plain Chinese reason)

    @property
    def trouble(self) -> str:
        """What failed, for a message: 「导引台1热敏打印机：打印机未开机或未连接」."""
        return "；".join(f"{name}：{reason}" for name, reason in self.failures)

    @property
    def needs_pdf(self) -> bool:
        return self.printed_on is None or self.printed_on.kind == Printer.Kind.PDF

    @property
    def failed_over(self) -> bool:
        return bool(self.failures) and self.printed_on is not None


def content_for(
    ticket: Ticket, *, status_url: str, waiting_ahead: int, estimated_minutes: int
) -> TicketContent:
    return TicketContent(
        hall=ticket.hall.name,
        number=ticket.number,
        queue=ticket.queue.name,
        matter=ticket.matter.name,
        token=ticket.token,
        waiting_ahead=waiting_ahead,
        estimated_minutes=estimated_minutes,
        issued_at=clock.localtime(ticket.issued_at, ticket.hall.timezone),
        status_url=status_url,
        priority=""
        if ticket.priority_class == Ticket.PriorityClass.NORMAL
        else ticket.get_priority_class_display(),
    )


def receipt_bytes(
    *, hall: str, case_number: str, matters: list[str], promised: str, status_url: str
) -> bytes:
    """受理回执 printed at the window: what was accepted, by when, and the QR to follow it."""
    p = Dummy()
    p._raw(b"\x1c\x26")
    p.set(align="center")
    for text in (hall, "受理回执", f"办件号 {case_number}", "、".join(matters), f"承诺办结：{promised}"):
        p._raw(text.encode("gb18030") + b"\n")
    if status_url:
        p.qr(status_url, size=5, native=True)
        p._raw("扫码查看办理进度".encode("gb18030") + b"\n")
    p.cut()
    return p.output


def receipt_pdf(
    *, hall: str, case_number: str, matters: list[str], promised: str, status_url: str, accepted_at: datetime
) -> bytes:
    """The same 受理回执 as an 80 mm wide PDF: the electronic receipt when the window's printer is down."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=(80 * mm, 100 * mm),
        leftMargin=6 * mm,
        rightMargin=6 * mm,
        topMargin=8 * mm,
        bottomMargin=6 * mm,
        title=f"受理回执 {case_number}",
    )
    centre, body = style("receipt-centre", size=10, alignment=1), style("receipt", size=10)
    story = [
        Paragraph(escape(hall), centre),
        Paragraph("受理回执", style("receipt-title", size=18, alignment=1, spaceBefore=4, spaceAfter=6)),
        Paragraph(
            f"办件号 {escape(case_number)}", style("receipt-number", size=13, alignment=1, spaceAfter=6)
        ),
        Paragraph("办理事项：" + escape("、".join(matters)), body),
        Paragraph(f"受理时间：{accepted_at:%Y-%m-%d %H:%M}", body),
        Paragraph(f"承诺办结：{escape(promised)}", body),
    ]
    if status_url:
        qr = qr_drawing(status_url, 30 * mm)
        qr.hAlign = "CENTER"
        story += [Spacer(0, 4 * mm), qr, Paragraph("扫码查看办理进度", centre)]
    doc.build(story)
    return buf.getvalue()


def print_ticket(*, ticket: Ticket, location: str, content: TicketContent, actor) -> PrintOutcome:
    """Print a ticket at the location's printer (see print_job)."""
    return print_job(
        hall=ticket.hall, location=location, payload=escpos_bytes(content), actor=actor, ticket=ticket
    )


def print_job(*, hall, location: str, payload: bytes, actor, ticket=None, case=None) -> PrintOutcome:
    """Print at the location's printer; on refusal or timeout, fail over to its backup and record it. The outcome
    says what failed in plain Chinese; the technical detail is logged and kept in the print.failed event."""
    outcome = PrintOutcome()
    primary = Printer.objects.select_related("backup").filter(hall=hall, location=location).first()
    chain = [p for p in (primary, primary.backup if primary else None) if p is not None]
    refs = {"hall": hall, "ticket": ticket, "case": case, "actor": actor}
    for printer in chain:
        try:
            printer_for(printer).send(payload)
        except (OSError, Invalid, UnknownAdapter) as exc:
            reason, detail = plain_reason(exc), technical_detail(exc)
            log.warning("printer %s (%s) failed: %s", printer.code, printer.address or printer.kind, detail)
            outcome.failures.append((printer.name, reason))
            with transaction.atomic():
                emit(
                    "print.failed", **refs, data={"printer": printer.code, "reason": reason, "detail": detail}
                )
            continue
        outcome.printed_on = printer
        with transaction.atomic():
            emit(
                "print.sent",
                **refs,
                data={"printer": printer.code, "kind": printer.kind, "backup": printer is not primary},
            )
            if printer is not primary:
                emit(
                    "contingency.on",
                    **refs,
                    data={"mode": "printer_failover", "from": primary.code, "to": printer.code},
                )
        return outcome
    if chain:
        with transaction.atomic():
            emit(
                "contingency.on",
                **refs,
                data={"mode": "printer_down", "printers": [p.code for p in chain], "fallback": "pdf"},
            )
    return outcome


def recent_failures(hall, limit: int = 20) -> list[dict]:
    """The hall's latest print.failed events for the information centre: when, which printer (by name), the
    plain reason and the technical detail."""
    from onevisit.core.models import Event

    names = dict(Printer.objects.filter(hall=hall).values_list("code", "name"))
    events = Event.objects.filter(type="print.failed", hall=hall.event_ref).order_by("-at", "-id")[:limit]
    return [
        {
            "at": e.at,
            "printer": names.get(e.data.get("printer"), e.data.get("printer", "")),
            "reason": e.data.get("reason", ""),
            "detail": e.data.get("detail", ""),
        }
        for e in events
    ]
