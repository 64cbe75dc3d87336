"""The journey through the pages, as staff use them: guide desk → ticket → window → metrics."""

import re

import pytest

from onevisit.core.models import Event
from onevisit.queueing.models import Ticket
from tests.conftest import login, nothing_written
from tests.factories import resident_id
from tests.journey import CBDJ_FORM

pytestmark = pytest.mark.django_db


def _prereview(client, matter="cbdj", materials=("sfz", "ldht", "hkb", "zp"), rid=None, **extra):
    data = {
        "materials": list(materials),
        "name": "李四",
        "resident_id": rid or resident_id(),
        "phone": "13912345678",
    }
    data.update(extra)
    return client.post(f"/guide/matters/{matter}/", data, follow=True)


def test_the_whole_journey_through_the_pages(guide_client, clerk_client, analyst_client):
    guide_page = guide_client.get("/guide/")
    assert "参保登记" in guide_page.content.decode()
    rid = resident_id()
    result = _prereview(guide_client, rid=rid)
    html = result.content.decode()
    assert result.status_code == 200 and "A001" in html and "材料齐全" in html
    assert rid not in html and rid[:4] + "*" * 10 + rid[-4:] in html
    token = re.search(r"<code>([0-9A-Z]{12})</code>", html).group(1)

    window = clerk_client.get("/window/", follow=True)
    assert "1号窗口" in window.content.decode() and "等候 <b>1</b>" in window.content.decode()
    called = clerk_client.post("/window/w1/call/", follow=True).content.decode()
    assert "请 A001 号到1号窗口" in called

    scanned = clerk_client.post("/window/w1/scan/", {"code": token}).content.decode()
    assert "小票 A001" in scanned and "预审结论：<b>材料齐全</b>" in scanned and rid not in scanned
    accepted = clerk_client.post("/window/w1/accept/", {"code": token}, follow=True).content.decode()
    assert "已受理，办件号" in accepted
    case_id = Event.objects.get(type="case.accepted").case
    clerk_client.post(f"/window/w1/cases/{case_id}/form/", CBDJ_FORM)
    done = clerk_client.post(f"/window/w1/cases/{case_id}/complete/", follow=True).content.decode()
    assert "已办结" in done

    metrics = analyst_client.get("/metrics/").content.decode()
    assert "100.0%" in metrics and "1号窗口" in metrics and "参保登记" in metrics


def test_invalid_resident_id_is_explained_in_chinese_and_writes_nothing(guide_client):
    with nothing_written():
        response = _prereview(guide_client, rid="110105198506151231")
    assert response.status_code == 422
    html = response.content.decode()
    assert "校验码错误" in html and 'aria-invalid="true"' in html
    assert 'value="李四"' in html  # what was typed is kept


def test_unknown_matter_page_is_404_naming_it(guide_client):
    with nothing_written():
        response = guide_client.get("/guide/matters/nosuch/")
    assert response.status_code == 404 and "未找到事项 nosuch" in response.content.decode()


def test_incomplete_materials_show_the_one_time_notice_and_no_ticket(guide_client):
    html = _prereview(guide_client, materials=("zp",)).content.decode()
    assert "一次告知" in html and "劳动合同或用工证明" in html and "户口簿(首页及本人页)" in html
    assert not Ticket.objects.exists()


def test_scanning_an_unknown_token_is_a_clear_message(clerk_client):
    response = clerk_client.post("/window/w1/scan/", {"code": "NOSUCHTOKEN1"})
    assert response.status_code == 404 and "未找到小票 NOSUCHTOKEN1" in response.content.decode()


def test_accepting_a_used_ticket_is_refused_on_the_page(guide_client, clerk_client):
    _prereview(guide_client)
    clerk_client.post("/window/w1/call/")
    token = Ticket.objects.get().token
    clerk_client.post("/window/w1/accept/", {"code": token})
    with nothing_written():
        response = clerk_client.post("/window/w1/accept/", {"code": token})
    assert response.status_code == 409 and "已受理，不能重复使用" in response.content.decode()


def test_roles_and_halls_are_checked_on_every_page(guide_client, clerk_client, analyst_client, client):
    assert client.get("/window/w1/").status_code == 302  # to the login page
    assert guide_client.get("/window/w1/").status_code == 403
    assert clerk_client.get("/guide/").status_code == 403
    assert clerk_client.get("/metrics/").status_code == 403
    assert analyst_client.get("/guide/").status_code == 403
    assert clerk_client.get("/window/nosuch/").status_code == 404
    assert (
        login("admin").get("/guide/").status_code == 403
    )  # 三员分立: the hall administrator holds no other role


def test_login_page_is_chinese_and_wrong_password_says_so(client, hall):
    assert "工作人员登录" in client.get("/login/").content.decode()
    response = client.post("/login/", {"username": "daoban", "password": "wrong-password"})
    assert "用户名或密码不正确" in response.content.decode()


def test_metrics_page_with_no_cases_says_so(analyst_client):
    assert "暂无指标" in analyst_client.get("/metrics/").content.decode()


@pytest.mark.parametrize(
    ("username", "page"),
    [
        ("daoban", "/guide/"),
        ("chuangkou1", "/window/w1/"),
        ("fenxi", "/metrics/"),
        ("fazhi", "/notice/review/"),
        ("zizhu", "/guide/kiosk/"),
    ],
)
def test_each_role_lands_on_its_own_page(hall, username, page):
    assert login(username).get("/", follow=True).redirect_chain[-1][0] == page
