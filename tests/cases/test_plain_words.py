"""No technical text on the window's pages or the citizen's status page (issue 13, item 10): names, not codes."""

import pytest

from onevisit.cases import services
from tests.conftest import login
from tests.journey import called

pytestmark = pytest.mark.django_db


def _transfer_case(guide, clerk, window):
    t = called(guide, clerk, window, "gxzy")
    return t, services.accept(actor=clerk, window=window, code=t.token)


def test_the_status_page_names_the_back_office_step_not_its_code(guide, clerk, window1, client):
    ticket, _ = _transfer_case(guide, clerk, window1)
    html = client.get(f"/t/{ticket.token}/").content.decode()
    assert "养老保险关系转移接续" in html
    assert "gxzy" not in html


def test_the_case_page_shows_names_for_steps_channels_and_sources(guide, clerk, window1):
    ticket, case = _transfer_case(guide, clerk, window1)
    commitment = case.commitments.create(material="sqb", name="关系转移接续申请表", due="2026-12-31")
    services.supply(actor=clerk, commitment_id=commitment.pk, via="hall", window=window1)
    html = login("chuangkou1").get(f"/window/w1/cases/{case.pk}/").content.decode()
    main = html.split("<main")[1]
    assert "gxzy" not in main.replace('value="gxzy"', "") and "（hall）" not in main
    assert "（大厅补交）" in main and "已由导引台带出" in main


def test_a_new_task_takes_its_matters_name_when_the_bundle_gives_it_no_role(guide, clerk, window1):
    _, case = _transfer_case(guide, clerk, window1)
    assert case.tasks.get().role == "养老保险关系转移接续"
