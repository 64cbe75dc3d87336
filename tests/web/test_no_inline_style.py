"""No inline style anywhere (issue 16, browser walk): the Content-Security-Policy allows styles from this site's
stylesheets only (style-src 'self'), so a style="…" attribute or a <style> element without the nonce is ignored by
the browser and the page is drawn without it. The templates are read here, and the pages that draw charts are
rendered, so that neither brings one back."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.etree
import pytest

import onevisit
from onevisit.cases import services as cases
from onevisit.metrics import charts
from tests.conftest import login
from tests.journey import called, fill_form

SOURCE = Path(onevisit.__file__).parent
TEMPLATES = sorted(p for p in SOURCE.rglob("*.html") if "templates" in p.parts)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b(?![^>]*\bnonce=)", re.IGNORECASE)


def _inline_styles(html: str) -> list[str]:
    return [m.group(0)[:120] for m in (*STYLE_ATTRIBUTE.finditer(html), *STYLE_ELEMENT.finditer(html))]


def test_the_check_finds_what_it_looks_for():
    assert _inline_styles('<p class="a" style="color:red">') and _inline_styles("<svg><g\n style='x'>")
    assert _inline_styles("<style>p{}</style>") and not _inline_styles('<style nonce="{{ n }}">p{}</style>')
    assert not _inline_styles('<link rel="stylesheet" href="site.css"><p data-style="x">')


def test_no_template_has_an_inline_style():
    assert len(TEMPLATES) > 50
    found = {str(p.relative_to(SOURCE)): s for p in TEMPLATES if (s := _inline_styles(p.read_text()))}
    assert not found, found


def test_a_chart_draws_with_svg_attributes_not_inline_styles():
    """reportlab writes style="fill: …; stroke: …; clip-path: …": blocked, the charts came out black."""
    drawing = charts.trend(
        "每日一次性办成率(%)",
        ["09-07", "09-08", "09-09"],
        [0.5, None, 0.75],
        percent=True,
        axis="日期",
        baseline=0.6,
        baseline_label="基期 60%",
    )
    svg = charts.svg(drawing, "c-1")
    assert not _inline_styles(svg)
    root = lxml.etree.fromstring(svg)  # well-formed: no attribute twice
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.xpath("//s:g[@clip-path='url(#c-1-clip)']", namespaces=ns)
    assert root.xpath("//s:text[@font-size and @fill]", namespaces=ns)
    assert any(c.startswith("rgb(70") for c in root.xpath("//@stroke"))  # the brand red (#b3202a) line


@pytest.mark.django_db
def test_the_review_page_with_its_charts_has_no_inline_style(guide, clerk, window1, analyst_client):
    case = cases.accept(actor=clerk, window=window1, code=called(guide, clerk, window1).token)
    fill_form(clerk, case)
    cases.complete(actor=clerk, case_id=case.pk)
    html = analyst_client.get("/metrics/review/").content.decode()
    assert "<svg" in html and not _inline_styles(html)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("admin", "/admin/"),
        ("admin", "/admin/queueing/queue/"),
        ("admin", "/admin/accounts/staff/add/"),
        ("daoban", "/guide/"),
        ("chuangkou1", "/window/w1/"),
        ("shenji", "/audit/access/"),
    ],
)
def test_the_staff_pages_have_no_inline_style(hall, username, path):
    response = login(username).get(path)
    assert response.status_code == 200 and not _inline_styles(response.content.decode())


FORM_WITHOUT_NOVALIDATE = re.compile(r"<form\b(?![^>]*\bnovalidate\b)[^>]*>", re.IGNORECASE)


def test_every_form_leaves_checking_to_the_server():
    """A browser's own check of `required` speaks the browser's language in a bubble (the walk met English ones);
    every form is sent as it is and the server answers in Chinese beside the field, writing nothing."""
    assert FORM_WITHOUT_NOVALIDATE.search('<form method="post">')
    assert not FORM_WITHOUT_NOVALIDATE.search('<form novalidate method="post">')
    found = {
        str(p.relative_to(SOURCE)): [m.group(0)[:80] for m in FORM_WITHOUT_NOVALIDATE.finditer(p.read_text())]
        for p in TEMPLATES
    }
    assert not {k: v for k, v in found.items() if v}


def test_a_button_under_a_field_keeps_its_distance():
    """The full-ID page's 查看 touched its reason field; the one-time code's two forms' buttons touched."""
    css = (SOURCE / "web/static/onevisit/site.css").read_text()
    assert "input:not([type=checkbox], [type=radio], [type=hidden]) + button" in css
    assert ".panel form + form { margin-top:" in css
    full_id = (SOURCE / "cases/templates/cases/full_id.html").read_text()
    assert re.search(r'<input id="full-id-reason"[^>]*>\s*<button', full_id)
