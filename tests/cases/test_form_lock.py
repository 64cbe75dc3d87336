"""The merged form changes only while the case is at the window (accepted, or returned for 补正): the browser walk
changed 用人单位名称 with F8 on a finished case and the back office saw the new value."""

import pytest

from onevisit.cases import services
from onevisit.cases.models import Case
from onevisit.core.errors import Conflict
from tests.conftest import login, nothing_written
from tests.journey import called, fill_form, handed_over

pytestmark = pytest.mark.django_db


def test_a_handed_over_or_finished_case_refuses_form_changes_on_the_page_and_the_api(guide, clerk, window1):
    t = called(guide, clerk, window1, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))
    assert case.status == Case.Status.IN_PROGRESS
    for save in (services.save_form, services.save_draft):
        with nothing_written(), pytest.raises(Conflict, match="表单不能再修改"):
            save(actor=clerk, case_id=case.pk, submitted={"address": "改过的地址"})
    window = login("chuangkou1")
    page = window.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert '<fieldset class="bare" disabled>' in page and "表单只能查看" in page
    assert 'data-hotkey="F8"' not in page
    with nothing_written():
        refused = window.post(f"/window/w1/cases/{case.pk}/form/", {"address": "改过的地址"})
    assert refused.status_code == 409 and "表单不能再修改" in refused.content.decode()
    with nothing_written():
        api = window.post(
            f"/api/cases/{case.pk}/form",
            {"values": {"address": "改过的地址"}},
            content_type="application/json",
        )
    assert api.status_code == 409


def test_the_form_is_open_at_acceptance_and_again_while_returned_for_correction(guide, clerk, window1):
    t = called(guide, clerk, window1)
    case = services.accept(actor=clerk, window=window1, code=t.token)
    assert services.form_editable(case)
    fill_form(clerk, case)
    services.complete(actor=clerk, case_id=case.pk)
    case.refresh_from_db()
    assert not services.form_editable(case)
    case.status = Case.Status.RETURNED
    assert services.form_editable(case)


def test_a_refused_mail_delivery_keeps_the_clerks_choice_beside_the_case(guide, clerk, window1):
    """The walk chose 邮寄 without a 运单号: the error showed in the calling panel, the method went back to 窗口领取 and
    the next 出件 would have delivered by pickup."""
    t = called(guide, clerk, window1)
    case = services.accept(actor=clerk, window=window1, code=t.token)
    fill_form(clerk, case)
    services.complete(actor=clerk, case_id=case.pk)
    window = login("chuangkou1")
    with nothing_written():
        page = window.post(f"/window/w1/cases/{case.pk}/deliver/", {"method": "mail", "tracking_number": " "})
    html = page.content.decode()
    assert page.status_code == 422
    row = html[html.index(f'id="method-{case.pk}"') :].split("</form>")[0]
    assert '<option value="mail" selected>' in row and "邮寄须填写运单号" in row
    tracking = row[row.index(f'id="tracking-{case.pk}"') :].split(">")[0]
    assert 'aria-invalid="true"' in tracking and "autofocus" in tracking
    scan = html[html.index('id="scan"') :].split(">")[0]
    assert "autofocus" not in scan
