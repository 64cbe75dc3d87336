"""Guide desk, kiosk, display board, status page and window actions through HTTP."""

import json

import pytest

from onevisit.queueing.models import Ticket
from tests.conftest import journey_events, login, nothing_written
from tests.factories import resident_id

pytestmark = pytest.mark.django_db


def post_json(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def test_guide_finds_matters_by_pinyin_initials(guide_client):
    html = guide_client.get("/guide/").content.decode()
    assert 'data-search="参保登记 cbdj canbaodengji cbdj"' in html
    assert "退休" in html  # a bundle with a matter this hall serves


def test_guide_desk_page_issues_and_prints_with_fallback(guide_client):
    response = guide_client.post(
        "/guide/matters/gxzy/",
        {
            "materials": ["jfpz", "sqb"],
            "name": "孙八",
            "resident_id": resident_id(),
            "phone": "13812340000",
            "channel": "window",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "B001" in html and "打印小票 PDF" in html
    assert (
        "打印机不可用" in html or "已在" in html
    )  # the demo's printer at 127.0.0.1:9100 may or may not listen
    token = Ticket.objects.get().token
    pdf = guide_client.get(f"/guide/tickets/{token}.pdf")
    assert pdf["Content-Type"] == "application/pdf"


def test_tolerance_on_the_page_asks_for_the_commitment(guide_client):
    data = {
        "materials": ["jfpz"],
        "name": "孙八",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "channel": "window",
    }
    with nothing_written():
        response = guide_client.post("/guide/matters/gxzy/", data)
    assert response.status_code == 422 and "容缺承诺" in response.content.decode()
    data |= {"commitment": "on"}
    assert "容缺材料" in guide_client.post("/guide/matters/gxzy/", data, follow=True).content.decode()


def test_consultation_from_the_guide_page(guide_client):
    guide_client.post("/guide/consultations/", {"target": "matter:jfhd", "note": "问缴费基数"})
    assert journey_events().filter(type="consultation.recorded", matter="jfhd").count() == 1


def test_kiosk_page_takes_a_ticket_with_the_keypad_and_id(hall):
    kiosk = login("zizhu")
    page = kiosk.get("/guide/kiosk/matters/jfhd/").content.decode()
    assert "缴费基数申报表" in page and 'data-keypad="kiosk-id"' in page
    response = kiosk.post(
        "/guide/kiosk/matters/jfhd/", {"resident_id": resident_id(), "idempotency_key": "x1"}, follow=True
    )
    assert "C001" in response.content.decode()
    with nothing_written():
        bad = kiosk.post("/guide/kiosk/matters/jfhd/", {"resident_id": "123", "idempotency_key": "x2"})
    assert bad.status_code == 422 and "18位" in bad.content.decode()
    assert login("chuangkou1").get("/guide/kiosk/").status_code == 403


def test_board_and_status_pages_are_public_and_carry_no_personal_data(client, guide_client, clerk_client):
    rid = resident_id()
    guide_client.post(
        "/guide/matters/cbdj/",
        {
            "materials": ["ldht", "hkb", "zp"],
            "name": "周九",
            "resident_id": rid,
            "phone": "13812340000",
            "channel": "window",
        },
    )
    clerk_client.post("/window/w1/call/")
    board = client.get("/board/demo/").content.decode()
    assert "A001" in board and "1号窗口" in board and 'data-speech="请 A 0 0 1 号到1号窗口"' in board
    feed = client.get("/board/demo/feed/").content.decode()
    assert "A001" in feed and "周九" not in feed and rid not in feed
    token = Ticket.objects.get().token
    status = client.get(f"/t/{token}/").content.decode()
    assert "已叫号" in status and "1号窗口" in status and "周九" not in status and rid[-4:] not in status
    assert client.get("/t/NOSUCHTOKEN1/").status_code == 404
    api = client.get("/api/queueing/halls/demo/board").json()
    assert api["calls"][0]["number"] == "A001"


def test_window_actions_through_pages_and_api(guide_client, clerk_client, hall):
    for _ in range(2):
        guide_client.post(
            "/guide/matters/gxzy/",
            {
                "materials": ["jfpz", "sqb"],
                "name": "吴十",
                "resident_id": resident_id(),
                "phone": "13812340000",
            },
        )
    call = post_json(clerk_client, "/api/queueing/windows/w1/call-next", None).json()
    first = Ticket.objects.get(number=call["ticket"]["number"])
    clerk_client.post(f"/window/w1/tickets/{first.pk}/recall/")
    assert Ticket.objects.get(pk=first.pk).recalls == 1
    moved = post_json(
        clerk_client, f"/api/queueing/windows/w1/tickets/{first.pk}/transfer", {"queue": "cbdj"}
    )
    assert moved.status_code == 200 and moved.json()["queue"] == "cbdj"
    assert post_json(clerk_client, "/api/queueing/windows/w1/pause").status_code == 204
    paused = post_json(clerk_client, "/api/queueing/windows/w1/call-next")
    assert paused.status_code == 409 and "暂停" in paused.json()["detail"]
    assert "恢复叫号" in clerk_client.get("/window/w1/").content.decode()
    assert post_json(clerk_client, "/api/queueing/windows/w1/resume").status_code == 204
    wrong = post_json(clerk_client, "/api/queueing/windows/w1/call-next?queue=jfhd")
    assert wrong.status_code == 422 and "不服务队列" in wrong.json()["detail"]


def test_issuing_is_idempotent_through_the_api(guide_client):
    body = {
        "matter": "jfhd",
        "materials": ["sbb", "gzmx"],
        "name": "郑一",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "idempotency_key": "retry-me",
    }
    first = post_json(guide_client, "/api/intake/prereviews", body).json()
    again = post_json(guide_client, "/api/intake/prereviews", body).json()
    assert first["ticket"]["token"] == again["ticket"]["token"] and Ticket.objects.count() == 1


def test_prereview_api_with_a_bundle_and_situations(guide_client):
    body = {
        "bundle": "retirement",
        "answers": {"transferred": True},
        "materials": [],
        "name": "郑一",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "channel": "online_assisted",
    }
    response = post_json(guide_client, "/api/intake/prereviews", body)
    assert response.status_code == 201, response.content
    assert "gxzy" in response.json()["matters"] and response.json()["verdict"] == "incomplete"
    bad = post_json(guide_client, "/api/intake/prereviews", body | {"answers": {"transferred": "maybe"}})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "answers.transferred"


def test_printers_are_configured_in_the_admin_with_a_checked_address(hall):
    admin = login("admin")
    page = admin.post(
        "/admin/intake/printer/add/",
        {
            "hall": hall.pk,
            "code": "w1-printer",
            "name": "1号窗口打印机",
            "kind": "escpos",
            "address": "not-an-address",
            "location": "w1",
            "timeout_seconds": 3,
        },
    )
    assert page.status_code == 200 and "须为 主机:端口" in page.content.decode()
    assert admin.get("/admin/intake/printer/").status_code == 200


def test_the_desk_says_at_once_when_no_window_here_takes_the_answered_matters(guide_client, hall):
    """Seen in `make demo`: 退休 without a transfer to receive gave '本大厅不办理' only after the whole form was
    filled. The answers that lead there now bring the warning with them."""
    from onevisit.queueing.models import Queue

    Queue.objects.filter(hall=hall, code="tx").delete()  # a hall without the retirement queue
    html = guide_client.get("/guide/bundles/retirement/?q-transferred=false").content.decode()
    assert 'id="unserved"' in html and "不能在此取号" in html
    assert (
        'id="unserved"'
        not in guide_client.get("/guide/bundles/retirement/?q-transferred=true").content.decode()
    )


def test_the_demo_hall_takes_the_retirement_bundle_at_its_comprehensive_window(guide_client):
    materials = ["txsqb", "dysl-sqb", "yhk", "ybtx-hdb"]
    body = {
        "bundle": "retirement",
        "answers": {"transferred": False},
        "materials": materials,
        "name": "郑一",
        "resident_id": resident_id(),
        "phone": "13812340000",
        "channel": "window",
    }
    response = post_json(guide_client, "/api/intake/prereviews", body)
    assert response.status_code == 201, response.content
    assert response.json()["verdict"] == "complete" and Ticket.objects.get().queue.code == "tx"
