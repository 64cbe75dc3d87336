"""The product's icon (issue 16, browser walk: every page's request for /favicon.ico met the 404 page)."""

from __future__ import annotations

import lxml.etree
import lxml.html
import pytest
from django.contrib.staticfiles import finders

from tests.conftest import login

pytestmark = pytest.mark.django_db

ICON = "/static/onevisit/favicon.svg"


def _icons(html: str) -> list[str]:
    return lxml.html.fromstring(html).xpath("//link[@rel='icon']/@href")


def test_favicon_ico_leads_to_the_products_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code in (301, 302) and answer["Location"] == ICON
    assert (
        lxml.etree.parse(finders.find("onevisit/favicon.svg")).getroot().tag
        == "{http://www.w3.org/2000/svg}svg"
    )


@pytest.mark.parametrize(
    ("username", "path"),
    [
        (None, "/login/"),
        (None, "/notice/"),
        (None, "/board/demo/"),
        ("daoban", "/guide/"),
        ("admin", "/admin/"),
    ],
)
def test_every_kind_of_page_names_the_icon(client, hall, username, path):
    page = (login(username) if username else client).get(path)
    assert page.status_code == 200 and _icons(page.content.decode()) == [ICON]


def test_the_icon_is_served_before_the_second_factor(hall):
    """Between the password and the one-time code the browser still asks for the icon: it is not sent to the
    code page."""
    from django.test import Client

    from onevisit.web import demo

    staff = Client()
    assert staff.login(username="admin", password=demo.DEMO_PASSWORD)  # the password only, no code yet
    assert staff.get("/admin/")["Location"].startswith("/login/otp/"), "the code step is asked for"
    answer = staff.get("/favicon.ico")
    assert answer.status_code in (301, 302) and answer["Location"] == ICON
