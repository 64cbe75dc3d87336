"""Tickets on paper: ESC/POS to a printer on TCP, PDF with a decodable Code128, failover to the backup."""

import socket

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import ValidationError

from onevisit.core.errors import Invalid
from onevisit.intake import printing
from onevisit.intake.fakeprinter import FakePrinter
from onevisit.intake.models import Printer
from onevisit.queueing.models import Ticket
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
        hall=hall, code="main", name="主打印机", address=primary_address, location="desk-t", backup=backup,
        timeout_seconds=1,
    )  # fmt: skip


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


def test_the_pdf_ticket_barcode_decodes_to_the_token(guide):
    t = ticket(guide, "cbdj")
    pdf = printing.ticket_pdf(_content(t))
    image = pypdfium2.PdfDocument(pdf)[0].render(scale=4).to_pil()
    found = {r.format.name: r.text for r in zxingcpp.read_barcodes(image)}
    assert found.get("Code128") == t.token
    assert found.get("QRCode") == f"http://hall.example/t/{t.token}/"


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

    guide_client.post("/guide/matters/cbdj/", {"materials": ["ldht", "hkb", "zp"], "name": "回执", "resident_id": resident_id(),
                                               "phone": "13812345678"})  # fmt: skip
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
