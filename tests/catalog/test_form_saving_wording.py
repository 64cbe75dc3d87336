"""The merged form's saving is said only when there is one (issue 16, browser walk: a single matter's page read
"比分别填写少 0 项")."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from onevisit.catalog import services
from tests.journey import called

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    return (
        "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
        .replace(" ", "")
        .replace("\n", "")
    )


def test_a_single_matters_notice_does_not_claim_a_saving_of_nothing(client, catalog):
    form = services.checklist_for_matter("cbdj").form
    assert form.entries_saved == 0
    html = client.get("/notice/matters/cbdj/").content.decode()
    assert "少填 0 项" not in html and "比分别填写" not in html
    assert f"申请表一张，共 {form.entries_merged} 项。" in html
    text = _pdf_text(client.get("/notice/matters/cbdj/notice.pdf").content)
    assert "少填0项" not in text and f"申请表：一张表共{form.entries_merged}项。" in text


def test_a_bundles_notice_still_says_what_merging_saved(client, catalog):
    form = services.checklist_for_bundle("after-death", {}).form
    assert form.entries_saved > 0
    html = client.get("/notice/bundles/after-death/").content.decode()
    assert f"比分别填写少填 {form.entries_saved} 项" in html
    assert f"合并后少填{form.entries_saved}项" in _pdf_text(
        client.get("/notice/bundles/after-death/notice.pdf").content
    )


def test_a_single_matters_case_page_does_not_claim_a_saving_of_nothing(guide, clerk, window1, clerk_client):
    from onevisit.cases import services as cases

    case = cases.accept(actor=clerk, window=window1, code=called(guide, clerk, window1, "cbdj").token)
    html = clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "一表申请：共" in html and "比分别填写少 0 项" not in html and "比分别填写" not in html
