"""A material's 可容缺 rule is said once, by its badge: the seed's notes repeat it ("可容缺，5个工作日内补交"), and
the browser walk read "原件 [可容缺，5个工作日内补交] 可容缺，5个工作日内补交" and "可容缺：可容缺，5个工作日内补交"."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import lxml.html
import pytest
from pypdf import PdfReader

from onevisit.catalog.situations import own_note
from tests.cases.test_case_pages import _accept_through_pages

pytestmark = pytest.mark.django_db


def _said(html: str, name: str, xpath: str = "//li") -> str:
    [item] = [e for e in lxml.html.fromstring(html).xpath(xpath) if name in e.text_content()]
    return " ".join(item.text_content().split())


@pytest.mark.parametrize(
    ("note", "tolerable", "due", "own"),
    [
        ("可容缺，5个工作日内补交", True, 5, ""),
        ("制作社保卡用，可容缺", True, None, "制作社保卡用"),
        ("可容缺，10个工作日内补交", True, 5, "10个工作日内补交"),  # another rule than the badge's: kept
        ("可在窗口现场填写", True, None, "可在窗口现场填写"),
        ("可容缺", False, None, "可容缺"),  # no badge: the note is all that says it
    ],
)
def test_the_note_drops_only_what_the_badge_says(note, tolerable, due, own):
    assert own_note(SimpleNamespace(note=note, tolerable=tolerable, due_working_days=due)) == own


def test_the_notice_says_the_rule_once_and_keeps_the_note_s_own_words(client, catalog):
    html = client.get("/notice/matters/cbdj/").content.decode()
    hkb = _said(html, "户口簿")
    assert hkb.count("可容缺") == 1 and hkb.count("5个工作日内补交") == 1, hkb
    zp = _said(html, "近期一寸免冠照片")
    assert zp.count("可容缺") == 1 and "制作社保卡用" in zp, zp
    pdf = "".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(client.get("/notice/matters/cbdj/notice.pdf").content)).pages
    )
    flat = re.sub(r"\s+", "", pdf)
    assert "户口簿(首页及本人页)（可容缺" not in flat and "制作社保卡用" in flat


def test_gxzy_s_notice_lists_its_materials_without_a_repeated_rule(client, hall):
    html = client.get("/notice/matters/gxzy/").content.decode()
    for item in lxml.html.fromstring(html).xpath("//ol[@class='materials']/li"):
        text = " ".join(item.text_content().split())
        assert text.count("可容缺") <= 1, text


def test_the_case_page_says_the_rule_once_with_its_days(guide_client, clerk_client):
    _, _, html = _accept_through_pages(guide_client, clerk_client)
    hkb = _said(html, "户口簿", "//details//li")
    assert "可容缺，5个工作日内补交" in hkb and hkb.count("可容缺") == 1, hkb
    zp = _said(html, "近期一寸免冠照片", "//details//li")
    assert zp.count("可容缺") == 1 and "制作社保卡用" in zp, zp
