"""A queue named for its one matter is said once (issue 16, browser walk: the status page and the ticket read
"参保登记 · 参保登记"); a queue and a matter of different names are both said."""

from __future__ import annotations

import io

import lxml.html
import pytest
from pypdf import PdfReader

from onevisit.core.labels import names_line
from onevisit.intake import printing
from tests.journey import ticket


def test_names_are_joined_each_once_and_blanks_left_out():
    assert names_line("参保登记", "参保登记") == "参保登记"
    assert names_line("大厅", "关系转移", "养老保险关系转移接续") == "大厅 · 关系转移 · 养老保险关系转移接续"
    assert names_line("大厅", "", None, " 参保登记 ", "参保登记") == "大厅 · 参保登记"
    assert names_line() == ""


def _content(t):
    return printing.content_for(
        t, status_url=f"http://hall.example/t/{t.token}/", waiting_ahead=2, estimated_minutes=12
    )


def _pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_the_ticket_names_a_queue_named_for_its_matter_once(guide, hall):
    same = _content(ticket(guide, "cbdj"))
    assert same.queue == same.matter == "参保登记"
    assert printing.escpos_bytes(same).count("参保登记".encode("gb18030")) == 1
    assert _pdf_text(printing.ticket_pdf(same)).count("参保登记") == 1
    other = _content(ticket(guide, "gxzy"))
    assert "关系转移 · 养老保险关系转移接续".encode("gb18030") in printing.escpos_bytes(other)


@pytest.mark.django_db
def test_the_status_page_names_a_queue_named_for_its_matter_once(client, guide, hall):
    t = ticket(guide, "cbdj")
    page = lxml.html.fromstring(client.get(f"/t/{t.token}/").content.decode())
    (line,) = page.xpath("//section[@id='status-live']/p[1]")
    assert line.text_content() == f"{t.hall.name} · 参保登记"
