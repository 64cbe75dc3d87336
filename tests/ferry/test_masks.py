"""Masked IDs cannot be rebuilt (issue 16, hole 2): every staff page of a whole journey shows the resident ID as
1101**********002X (first four, last four), the birth date at most to its year, the phone as 138****5678; no page,
nor any pair of pages, holds the region code with the birth date. The full number needs a clerk of the case's own
window and a stated reason, and the view is recorded."""

from __future__ import annotations

import re

import pytest

from onevisit.core.ids import mask_resident_id
from onevisit.core.models import AccessRecord
from tests.conftest import login, nothing_written
from tests.ferry.conftest import LIN, accepted, drain
from tests.journey import handed_over

pytestmark = pytest.mark.django_db

PHONE = "13812345678"  # what tests.journey.prereview records


def _journey_pages(guide, clerk, window1) -> dict[str, str]:
    """The rendered HTML (or JSON) of every staff page and API answer that shows the citizen, along a journey:
    the desk's result, the window's scan, the case page with its ferry panel, the back office's case file."""
    from onevisit.intake.models import PreReview

    case = accepted(guide, clerk, window1, "gxzy")
    assert drain() >= 2  # the back ends answered: the ferry panel shows identity and insurance
    prereview = PreReview.objects.get(ticket=case.visits.get().ticket)
    desk, window, office = login("daoban"), login("chuangkou1"), login("houtai1")
    pages = {
        "desk result": desk.get(f"/guide/prereviews/{prereview.pk}/"),
        "window scan": window.post("/window/w1/scan/", {"code": prereview.ticket.token}),
        "case page": window.get(f"/window/w1/cases/{case.pk}/"),
        "ferry panel": window.get(f"/ferry/window/w1/case/{case.pk}/panel/"),
        "ferry api": window.get(f"/api/ferry/cases/{case.pk}"),
        "ticket api": window.get(f"/api/cases/tickets/{prereview.ticket.token}"),
    }
    handed_over(clerk, case)
    task = case.tasks.get()
    pages["office task"] = office.get(f"/office/tasks/{task.pk}/")
    pages["office api"] = office.get(f"/api/cases/office/tasks/{task.pk}")
    for name, response in pages.items():
        assert response.status_code == 200, name
    return {name: response.content.decode() for name, response in pages.items()}


def test_no_page_of_a_journey_nor_any_pair_of_them_gives_the_id_back(ferry, guide, clerk, window1):
    pages = _journey_pages(guide, clerk, window1)
    masked = "3301**********1233"
    assert mask_resident_id(LIN) == masked
    region, born = LIN[:6], LIN[6:14]  # 330106, 19850615
    month_day = [f"{born[4:6]}-{born[6:]}", f"{born[4:6]}{born[6:]}", "6月15日", "06月15日"]
    for name, html in pages.items():
        assert LIN not in html and PHONE not in html, name
        assert born not in html and f"{born[:4]}-{born[4:6]}-{born[6:]}" not in html, name
        assert not [md for md in month_day if md in html], name  # the birth date never, to the day
        assert region + born[:4] not in html, name
        assert not re.search(r"\d{6}\*{8}\d{3}[\dX]", html), name  # no old-style mask (region visible)
    for name in ("desk result", "window scan", "case page", "office task", "ticket api", "office api"):
        assert masked in pages[name], name
    assert "1985-**-**" in pages["ferry panel"]  # the year, what an age rule needs to be seen
    for name in ("window scan", "office task", "ticket api"):
        assert "138****5678" in pages[name], name


def _case_and_window(ferry, guide, clerk, window1):
    return accepted(guide, clerk, window1, "cbdj")


def test_the_full_id_needs_the_cases_own_clerk_and_a_reason_and_is_recorded(ferry, guide, clerk, window1):
    case = _case_and_window(ferry, guide, clerk, window1)
    address = f"/window/w1/cases/{case.pk}/full-id/"
    own = login("chuangkou1")
    before = AccessRecord.objects.count()
    refused = own.post(address, {"reason": ""})
    assert refused.status_code == 422 and LIN not in refused.content.decode()
    assert "请写明查看原因" in refused.content.decode()
    assert AccessRecord.objects.count() == before
    shown = own.post(address, {"reason": "核对证件原件"})
    assert shown.status_code == 200 and LIN in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    read = AccessRecord.objects.order_by("-seq").first()
    assert (read.kind, read.staff, read.person, read.reason, read.where) == (
        "full_id",
        "chuangkou1",
        case.person_id,
        "核对证件原件",
        address,
    )
    other = login("chuangkou2")
    with nothing_written():
        response = other.post(f"/window/w2/cases/{case.pk}/full-id/", {"reason": "核对证件原件"})
    assert response.status_code == 404 and LIN not in response.content.decode()
    admin = login("admin")  # a hall administrator is no window clerk
    response = admin.post(address, {"reason": "核对证件原件"})
    assert response.status_code == 403 and LIN not in response.content.decode()
    assert AccessRecord.objects.filter(kind="full_id").count() == 1
