"""The window's case page and the citizen's status page through HTTP."""

import re
from datetime import timedelta

import pytest

from onevisit.cases.models import Case, FieldEntry
from onevisit.core import clock
from onevisit.queueing.models import Ticket
from tests.conftest import login
from tests.factories import resident_id
from tests.journey import CBDJ_FORM, everything_for

pytestmark = pytest.mark.django_db


def _accept_through_pages(
    guide_client, clerk_client, matter="cbdj", materials=("ldht", "hkb", "zp"), rid=None
):
    guide_client.post(
        f"/guide/matters/{matter}/",
        {
            "materials": list(materials),
            "name": "欧阳娜娜",
            "resident_id": rid or resident_id(),
            "phone": "13812345678",
            "commitment": "on",
            "tolerance_due": (clock.local_date() + timedelta(days=5)).isoformat(),
        },
    )
    clerk_client.post("/window/w1/call/")
    ticket = Ticket.objects.filter(status="called").latest("called_at")
    page = clerk_client.post("/window/w1/accept/", {"code": ticket.token}, follow=True)
    return ticket, Case.objects.latest("accepted_at"), page.content.decode()


def test_case_page_shows_known_values_masked_and_saves_the_rest(guide_client, clerk_client):
    rid = resident_id()
    ticket, case, html = _accept_through_pages(guide_client, clerk_client, rid=rid)
    assert "一表申请" in html and rid not in html and rid[:4] + "*" * 10 + rid[-4:] in html
    assert (
        "138****5678" in html and "《中华人民共和国社会保险法》第五十八条" in html
    )  # the clause beside the matter
    bad = clerk_client.post(f"/window/w1/cases/{case.pk}/form/", {"employer_credit_code": "x"})
    assert bad.status_code == 422 and "统一社会信用代码格式不正确" in bad.content.decode()
    clerk_client.post(f"/window/w1/cases/{case.pk}/form/", CBDJ_FORM)
    assert FieldEntry.objects.filter(case=case, source="typed").count() == 5
    clerk_client.post(f"/window/w1/cases/{case.pk}/complete/")
    clerk_client.post(f"/window/w1/cases/{case.pk}/deliver/", {"method": "electronic"})
    status = login("daoban").get(f"/t/{ticket.token}/").content.decode()  # any browser; no login needed
    assert "已出件" in status and "欧***" in status and "欧阳娜娜" not in status and rid not in status
    pdf = clerk_client.get(f"/t/{ticket.token}/certificate.pdf")
    assert pdf["Content-Type"] == "application/pdf"


def test_commitments_and_continuation_on_the_case_page(guide_client, clerk_client):
    ticket, case, html = _accept_through_pages(guide_client, clerk_client, materials=("ldht",))
    assert "容缺承诺" in html
    commitment = case.commitments.get(material="hkb")
    clerk_client.post(f"/window/w1/cases/{case.pk}/commitments/{commitment.pk}/supply/", {"via": "hall"})
    assert case.visits.count() == 2
    status = login("fenxi").get(f"/t/{ticket.token}/").content.decode()
    assert "近期一寸免冠照片" in status  # still to bring


def test_continuation_offer_on_the_page(guide_client, clerk_client):
    _, case, html = _accept_through_pages(
        guide_client, clerk_client, matter="gxzy", materials=("jfpz", "sqb")
    )
    assert "转为「退休一件事」" in html
    clerk_client.post(
        f"/window/w1/cases/{case.pk}/continue/",
        {"bundle": "retirement", "confirm": "1", "materials": everything_for("retirement")},
    )
    assert Case.objects.get(pk=case.pk).bundle.code == "retirement"


def test_staff_flag_an_extreme_case_with_a_note_once(guide_client, clerk_client):
    from onevisit.core.models import Event
    from tests.conftest import nothing_written

    _, case, html = _accept_through_pages(guide_client, clerk_client)
    assert "标记为极端案例" in html
    url = f"/window/w1/cases/{case.pk}/outlier/"
    with nothing_written():
        for note, reason in (
            ("", "请写明原因"),
            ("联系 13812345678", "不能写身份证号或手机号"),
            ("长" * 201, "不能超过"),
        ):
            page = clerk_client.post(url, {"note": note}, follow=True).content.decode()
            assert reason in page
    page = clerk_client.post(url, {"note": "业务系统故障，  等待 2 小时"}, follow=True).content.decode()
    assert "已标记为极端案例" in page
    flagged = Event.objects.get(type="case.outlier_flagged", case=str(case.pk))
    assert flagged.data == {"note": "业务系统故障， 等待 2 小时"} and flagged.hall == "demo"
    with nothing_written():
        assert "已标记为极端案例" in clerk_client.post(url, {"note": "再次"}, follow=True).content.decode()
    assert Event.objects.filter(type="case.outlier_flagged").count() == 1


def test_a_situation_answer_that_names_a_field_is_known_at_the_window(guide_client, clerk_client):
    """Seen in `make demo`: the desk asked 退休's 养老保险累计缴费年限 and the window's form asked 累计缴费年限
    again, empty. The question names its field; the answer comes to the window as known from the desk."""
    rid = resident_id()
    guide_client.post(
        "/guide/bundles/retirement/",
        {
            "q-employment": "employer",
            "q-retire_type": "normal",
            "q-transferred": "false",
            "q-insured_years": "25",
            "q-has_housing_fund": "false",
            "materials": ["txsqb", "dysl-sqb", "yhk", "ybtx-hdb"],
            "name": "欧阳娜娜",
            "resident_id": rid,
            "phone": "13812345678",
            "channel": "window",
        },
    )
    clerk_client.post("/window/w1/call/")
    ticket = Ticket.objects.get(status="called")
    html = clerk_client.post("/window/w1/accept/", {"code": ticket.token}, follow=True).content.decode()
    case = Case.objects.get()
    assert "累计缴费年限 * 25" in " ".join(re.sub(r"<[^>]+>", " ", html).split()), (
        "the desk's answer is not known"
    )
    assert (
        "待移交后台" in html and "等待前置任务" not in html
    )  # nothing waits on anything before the hand-over
    from onevisit.cases.known import known_values

    assert known_values(case)["insured_years"] == ("25", "导引台")
