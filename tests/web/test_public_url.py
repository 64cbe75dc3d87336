"""The address in every QR code comes from one function: the request's host, or ONEVISIT_PUBLIC_BASE_URL."""

from pathlib import Path

import pytest

from onevisit.catalog import notice
from onevisit.intake import printing
from tests.conftest import login
from tests.journey import prereview

pytestmark = pytest.mark.django_db
SRC = Path(__file__).resolve().parents[2] / "src" / "onevisit"


@pytest.fixture
def qr_urls(monkeypatch):
    """Every URL drawn as a QR code in a PDF, or sent to a thermal printer's QR command."""
    seen = []
    for module in (printing, notice):
        real = module.qr_drawing
        monkeypatch.setattr(
            module, "qr_drawing", lambda url, *a, _real=real, **k: seen.append(url) or _real(url, *a, **k)
        )
    real_receipt = printing.receipt_bytes
    monkeypatch.setattr(
        printing, "receipt_bytes", lambda **k: seen.append(k["status_url"]) or real_receipt(**k)
    )
    return seen


def _every_qr(guide, guide_client, clerk_client) -> None:
    incomplete = prereview(guide, "cbdj", present=[])
    token = prereview(guide, "jfhd").ticket.token
    for url in (f"/guide/tickets/{token}.pdf", f"/guide/prereviews/{incomplete.pk}/notice.pdf"):
        assert guide_client.get(url).status_code == 200, url
    for url in ("/notice/matters/cbdj/notice.pdf", "/notice/cards.pdf?matter=cbdj"):
        assert guide_client.get(url).status_code == 200, url
    clerk = login("chuangkou2")  # serves queue C
    clerk.post("/window/w2/call/")
    assert clerk.post("/window/w2/accept/", {"code": token}).status_code == 302


def test_qr_codes_carry_the_requests_host_by_default(guide, guide_client, clerk_client, qr_urls, settings):
    settings.ONEVISIT_PUBLIC_BASE_URL = ""
    _every_qr(guide, guide_client, clerk_client)
    assert len(qr_urls) >= 5 and all(u.startswith("http://testserver/") for u in qr_urls), qr_urls


def test_qr_codes_carry_the_configured_public_address(guide, guide_client, clerk_client, qr_urls, settings):
    settings.ONEVISIT_PUBLIC_BASE_URL = "https://zwfw.example.gov.cn/"
    _every_qr(guide, guide_client, clerk_client)
    kinds = {u.split("zwfw.example.gov.cn", 1)[1].split("/")[1] for u in qr_urls}
    assert all(u.startswith("https://zwfw.example.gov.cn/") for u in qr_urls), qr_urls
    assert kinds == {"t", "notice"}  # ticket and receipt status pages, notice pages


def test_no_page_builds_a_printed_address_by_itself():
    """Every QR producer goes through core.links.public_url; a new one must too."""
    offenders = [
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if "build_absolute_uri" in p.read_text(encoding="utf-8") and p.name != "links.py"
    ]
    assert offenders == []
