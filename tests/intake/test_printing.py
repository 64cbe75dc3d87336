"""Tickets on paper: ESC/POS to a printer on TCP, PDF with a decodable Code128, failover to the backup."""

import errno
import logging
import re
import socket

import pypdfium2
import pytest
import zxingcpp
from django.contrib import messages
from django.core.exceptions import ValidationError

from onevisit.core.errors import Invalid
from onevisit.intake import printing
from onevisit.intake.models import Printer
from onevisit.queueing import tickets
from onevisit.queueing.models import Ticket
from onevisit.simulators.fakeprinter import FakePrinter
from tests.conftest import journey_events
from tests.journey import ticket

pytestmark = pytest.mark.django_db


def _closed_port() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"  # nothing listens once the socket is closed


def _content(t):
    return printing.content_for(
        t, status_url=f"http://hall.example/t/{t.token}/", waiting_ahead=2, estimated_minutes=12
    )


def _printers(hall, primary_address, backup_kind="escpos", backup_address=""):
    backup = Printer.objects.create(
        hall=hall,
        code="backup",
        name="备用打印机",
        kind=backup_kind,
        address=backup_address,
        location="desk-t-backup",
    )
    return Printer.objects.create(
        hall=hall,
        code="main",
        name="主打印机",
        address=primary_address,
        location="desk-t",
        backup=backup,
        timeout_seconds=1,
    )


def test_the_ticket_reaches_the_printer_as_escpos(guide, hall):
    t = ticket(guide, "cbdj")
    with FakePrinter() as device:
        _printers(hall, device.address)
        outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
        jobs = device.wait_for(1)
    assert outcome.printed_on.code == "main" and not outcome.failures
    job = jobs[0]
    assert t.token.encode() in job and "A001".encode("gb18030") in job and "参保登记".encode("gb18030") in job
    assert job.endswith(b"\x1dV\x00") or b"\x1dV" in job  # cut
    assert journey_events().get(type="print.sent").data["printer"] == "main"


def test_a_refused_primary_fails_over_to_the_backup_and_says_so(guide, hall):
    t = ticket(guide, "cbdj")
    with FakePrinter() as backup_device:
        _printers(hall, _closed_port(), backup_address=backup_device.address)
        outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
        assert len(backup_device.wait_for(1)) == 1
    assert outcome.printed_on.code == "backup" and outcome.failed_over
    assert journey_events().get(type="print.failed").data["printer"] == "main"
    contingency = journey_events().get(type="contingency.on")
    assert contingency.data == {"mode": "printer_failover", "from": "main", "to": "backup"}


def test_when_every_printer_is_down_the_pdf_is_the_fallback(guide, hall):
    t = ticket(guide, "cbdj")
    _printers(hall, _closed_port(), backup_address=_closed_port())
    outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
    assert outcome.needs_pdf and len(outcome.failures) == 2
    assert journey_events().get(type="contingency.on").data["mode"] == "printer_down"


def test_settings_make_every_thermal_printer_fail_and_the_pdf_backup_takes_over(guide, hall, settings):
    settings.ONEVISIT_PRINTER_ADAPTERS = {"escpos": "failing"}
    t = ticket(guide, "cbdj")
    with FakePrinter() as device:  # a printer that works: the failing adapter never reaches it
        _printers(hall, device.address, backup_kind="pdf")
        outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
        assert device.jobs == []
    assert outcome.printed_on.code == "backup" and outcome.needs_pdf
    assert outcome.failures == [("主打印机", "打印机故障")]
    assert "failing" in journey_events().get(type="print.failed").data["detail"]


def test_the_demo_printer_keeps_the_job_in_memory(guide, hall, settings):
    settings.ONEVISIT_PRINTER_ADAPTERS = {"escpos": "demo"}
    printing.DemoPrinter.clear()
    t = ticket(guide, "cbdj")
    _printers(hall, "printer-1.hall.local:9100")
    outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
    assert outcome.printed_on.code == "main" and not outcome.failures
    [(address, job)] = printing.DemoPrinter.jobs
    assert address == "printer-1.hall.local:9100" and t.token.encode() in job
    printing.DemoPrinter.clear()


def test_an_unknown_printer_adapter_in_settings_is_a_printer_failure_not_a_crash(guide, hall, settings):
    settings.ONEVISIT_PRINTER_ADAPTERS = {"escpos": "laser"}
    t = ticket(guide, "cbdj")
    _printers(hall, "127.0.0.1:9100", backup_kind="pdf")
    outcome = printing.print_ticket(ticket=t, location="desk-t", content=_content(t), actor=guide)
    assert outcome.printed_on.code == "backup" and outcome.failures == [("主打印机", "打印机适配器设置有误")]


def test_check_lists_a_printer_with_a_wrong_address_with_a_database(hall):
    from django.core import checks

    _printers(hall, "10.0.0.5", backup_kind="pdf")
    assert not [m for m in checks.run_checks(tags=["adapters"]) if m.id.startswith("onevisit.")]
    found = [
        m for m in checks.run_checks(tags=["adapters"], databases=["default"]) if m.id == "onevisit.W022"
    ]
    assert len(found) == 1 and found[0].level == checks.WARNING
    assert (
        "主打印机" in found[0].msg and "须为 主机:端口" in found[0].msg
    )  # the demo hall's printers are fine


@pytest.mark.parametrize(
    "token",
    [
        None,  # one drawn as the desk draws them
        # Each of these made the decoder's own half-size copy of the page read a second, wrong Code128 (two
        # substitutions the mod-103 check does not catch) beside the right one; the test kept whichever came last.
        "PAZTQYBJ7929",
        "QNQ8PP6GF250",
        "QK9VK1NCBDNJ",
        # the code-set switches: all digits (set C), digits at both ends, alternating, none
        "000000000000",
        "1234ABCD5678",
        "A1B2C3D4E5F6",
        "ZZZZZZZZZZZZ",
    ],
)
def test_the_pdf_ticket_barcode_decodes_to_the_token(guide, monkeypatch, token):
    if token:
        monkeypatch.setattr(tickets, "new_token", lambda: token)
    t = ticket(guide, "cbdj")
    assert token in (None, t.token)
    pdf = printing.ticket_pdf(_content(t))
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=4).to_pil()  # 288 dpi, between a thermal and a laser
    # As a scanner reads the printed page: at its own resolution, not a blurred half-size copy (zxing-cpp's
    # try_downscale, meant for large camera frames); one symbol each, read as exactly what was encoded.
    found = [(r.format.name, r.text) for r in zxingcpp.read_barcodes(image, try_downscale=False)]
    assert sorted(found) == [("Code128", t.token), ("QRCode", f"http://hall.example/t/{t.token}/")]


@pytest.mark.parametrize(
    "address", ["", "printer", "10.0.0.5", "10.0.0.5:abc", "10.0.0.5:70000", "bad host:9100", ":9100"]
)
def test_a_printer_address_must_be_host_and_port(address, hall):
    with pytest.raises(Invalid, match="须为 主机:端口"):
        printing.parse_address(address)
    printer = Printer(hall=hall, code="p", name="p", kind="escpos", address=address, location="guide-1")
    with pytest.raises(ValidationError):
        printer.full_clean()
    assert printing.parse_address("printer-3.hall.local:9100") == ("printer-3.hall.local", 9100)


def test_the_window_prints_the_acceptance_receipt_on_its_own_printer(guide_client, clerk_client, hall):
    from onevisit.cases.models import Case
    from tests.factories import resident_id

    guide_client.post(
        "/guide/matters/cbdj/",
        {
            "materials": ["ldht", "hkb", "zp"],
            "name": "回执",
            "resident_id": resident_id(),
            "phone": "13812345678",
        },
    )
    clerk_client.post("/window/w1/call/")
    with FakePrinter() as device:
        Printer.objects.filter(hall=hall, location="w1").update(address=device.address)
        token = Ticket.objects.get().token
        page = clerk_client.post("/window/w1/accept/", {"code": token}, follow=True).content.decode()
        job = device.wait_for(1)[0]
    case = Case.objects.get()
    assert "受理回执已在" in page
    assert (
        "受理回执".encode("gb18030") in job
        and case.number.encode() in job
        and "当场办结".encode("gb18030") in job
    )


# ---- what people read when a printer fails: plain Chinese, a warning; the technical detail goes to the log ----

ENGLISH = re.compile(r"[A-Za-z]*(Error|Errno|Exception|refused|timed out)", re.IGNORECASE)


def _messages(response):
    return [(m.level, str(m)) for m in response.context["messages"]]


def _shown_as_warning(response, text: str) -> bool:
    """The message is on the page with the warning class, and the style sheet draws that class unlike success."""
    from django.contrib.staticfiles import finders

    html = response.content.decode()
    tag = re.search(r'<(\w+)[^>]*class="([^"]*\bwarning\b[^"]*)"[^>]*>[^<]*' + re.escape(text), html)
    if not tag:
        return False
    selector = "".join("." + c for c in tag.group(2).split())  # e.g. .message.warning
    with open(finders.find("onevisit/site.css"), encoding="utf-8") as css:
        rule = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css.read())
    return bool(rule and "background" in rule.group(1) and "#e3f4e8" not in rule.group(1))


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "打印机未开机或未连接"),
        (TimeoutError("timed out"), "打印机无响应"),
        (socket.gaierror(-2, "Name or service not known"), "找不到打印机（地址无法解析）"),
        (OSError(errno.EHOSTUNREACH, "No route to host"), "打印机网络不通"),
        (ConnectionResetError(104, "Connection reset by peer"), "打印中连接断开"),
        (Invalid("打印机地址「x」须为 主机:端口，如 10.0.0.21:9100", field="address"), "打印机地址设置有误"),
        (OSError(5, "Input/output error"), "打印机故障"),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "",
)
def test_a_printer_failure_reads_as_plain_chinese(exc, reason):
    assert printing.plain_reason(exc) == reason


def test_a_ticket_printed_on_the_backup_is_a_warning_without_technical_text(guide_client, hall, caplog):
    from onevisit.core.models import Event

    with FakePrinter() as backup_device:
        backup = Printer.objects.get(hall=hall, code="guide-1-pdf")
        Printer.objects.filter(pk=backup.pk).update(kind="escpos", address=backup_device.address)
        Printer.objects.filter(hall=hall, code="guide-1").update(address=_closed_port())
        with caplog.at_level(logging.WARNING, logger="onevisit.intake.printing"):
            response = guide_client.post("/guide/matters/cbdj/", _desk_form(), follow=True)
        backup_device.wait_for(1)
    shown = _messages(response)
    number = Ticket.objects.get().number
    printed = [(level, text) for level, text in shown if number in text]
    assert printed and all(level == messages.WARNING for level, _ in printed), shown
    assert "打印机未开机或未连接" in printed[0][1] and "备用" in printed[0][1]
    assert _shown_as_warning(response, f"小票 {number}")
    assert not any(ENGLISH.search(text) for _, text in shown), shown
    assert "ConnectionRefusedError" in caplog.text and "guide-1" in caplog.text
    failed = Event.objects.get(type="print.failed")
    assert (
        failed.data["reason"] == "打印机未开机或未连接" and "ConnectionRefusedError" in failed.data["detail"]
    )


def test_when_the_desk_printer_is_down_the_pdf_is_offered_in_plain_chinese(guide_client, hall, caplog):
    Printer.objects.filter(hall=hall, code="guide-1").update(address=_closed_port())
    with caplog.at_level(logging.WARNING, logger="onevisit.intake.printing"):
        response = guide_client.post("/guide/matters/cbdj/", _desk_form(), follow=True)
    shown = _messages(response)
    warned = [text for level, text in shown if level == messages.WARNING]
    assert any("打印机未开机或未连接" in t and "PDF" in t for t in warned), shown
    assert _shown_as_warning(response, "打印机不可用")
    assert not any(ENGLISH.search(text) for _, text in shown), shown
    assert "ConnectionRefusedError" in caplog.text


def test_a_receipt_printed_on_the_backup_is_a_warning(guide_client, clerk_client, hall):
    guide_client.post("/guide/matters/cbdj/", _desk_form())
    clerk_client.post("/window/w1/call/")
    with FakePrinter() as backup_device:
        Printer.objects.filter(hall=hall, code="w1-pdf").update(kind="escpos", address=backup_device.address)
        Printer.objects.filter(hall=hall, code="w1").update(address=_closed_port())
        response = clerk_client.post("/window/w1/accept/", {"code": Ticket.objects.get().token}, follow=True)
        backup_device.wait_for(1)
    shown = _messages(response)
    receipt = [(level, text) for level, text in shown if "回执" in text]
    assert receipt and all(level == messages.WARNING for level, _ in receipt), shown
    assert "打印机未开机或未连接" in receipt[0][1]
    assert _shown_as_warning(response, "受理回执")
    assert not any(ENGLISH.search(text) for _, text in shown), shown


def test_the_information_centre_sees_recent_print_failures_with_their_detail(guide_client, hall):
    from tests.conftest import login

    Printer.objects.filter(hall=hall, code="guide-1").update(address=_closed_port())
    guide_client.post("/guide/matters/cbdj/", _desk_form())
    page = login("xinxi").get("/ferry/").content.decode()
    section = page.split('id="print-failures"')[1]
    assert "导引台1热敏打印机" in section and "打印机未开机或未连接" in section
    assert "ConnectionRefusedError" in section


def _desk_form() -> dict:
    from tests.factories import resident_id

    return {
        "materials": ["sfz", "ldht", "hkb", "zp"],
        "name": "打印",
        "resident_id": resident_id(),
        "phone": "13812345678",
    }
