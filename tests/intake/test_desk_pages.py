"""Issue 13 on the guide desk's and the public notice's pages, through Django's test client."""

import re
from datetime import timedelta

import lxml.html
import pytest

from onevisit.core import clock
from onevisit.intake import rules, services
from onevisit.intake.models import PreReview
from onevisit.queueing.models import Ticket
from tests.conftest import nothing_written
from tests.factories import resident_id

pytestmark = pytest.mark.django_db


def _tag(html: str, pattern: str) -> str:
    match = re.search(pattern, html)
    assert match, pattern
    return match.group(0)


def _desk(rid=None, **data):
    base = {"name": "孙八", "resident_id": rid or resident_id(), "phone": "13812340000", "channel": "window"}
    return base | data


# ---- item 18: a question is a group named by its text ---------------------------------------------------------


@pytest.mark.parametrize("url", ["/guide/bundles/newborn/", "/notice/bundles/newborn/"])
def test_each_situation_question_is_a_fieldset_named_by_its_legend(guide_client, url):
    html = guide_client.get(url).content.decode()
    group = _tag(
        html,
        r'<fieldset class="question"[^>]*>\s*<legend class="q-text">新生儿是否在本市助产机构出生？</legend>',
    )
    assert 'role="radiogroup"' in group
    assert html.count('<fieldset class="question"') == html.count('<legend class="q-text">')


# ---- item 6: typed data survives a change of situation; the notice's URL stays clean --------------------------


def test_answering_a_question_at_the_desk_keeps_name_id_and_ticks(guide_client):
    rid = resident_id()
    data = _desk(rid, **{"q-born_local": "false", "materials": ["sfz"], "na": ["hkb"], "na-hkb": "已迁出"})
    with nothing_written():
        response = guide_client.post("/guide/bundles/newborn/", data | {"refresh": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="孙八"' in html and f'value="{rid}"' in html and 'value="13812340000"' in html
    assert re.search(r'name="materials" value="sfz" checked', html)
    assert re.search(r'name="na" value="hkb" checked', html) and 'value="已迁出"' in html
    assert re.search(r'name="q-born_local" value="false" checked', html)


def test_the_desk_refreshes_by_posting_the_whole_form_to_its_own_path(guide_client):
    html = guide_client.get("/guide/bundles/newborn/?q-born_local=true").content.decode()
    situations = _tag(html, r'<fieldset id="situations"[^>]*>')
    assert 'hx-post="/guide/bundles/newborn/"' in situations and 'hx-include="closest form"' in situations


def test_the_notice_asks_with_its_bare_path_so_unticked_options_stay_unticked(client):
    html = client.get("/notice/bundles/restaurant/").content.decode()
    form = _tag(html, r'<form [^>]*method="get"[^>]*class="situations"[^>]*>')
    assert 'hx-get="/notice/bundles/restaurant/"' in form


# ---- item 3: what the desk shows about each material, and "not applicable" ----------------------------------


def test_the_desk_shows_each_materials_note_stamp_copies_and_clause(guide_client):
    html = guide_client.get("/guide/matters/cbdj/").content.decode()
    assert "灵活就业人员无需提供" in html  # note
    assert "加盖用人单位公章" in html  # stamp
    assert "复印件 2份" in html  # copies of 照片
    assert "依据：《中华人民共和国社会保险法》第五十八条（2026-11版）" in html  # clause
    assert "5个工作日内补交" in html
    na = _tag(html, r'<input id="na-ldht"[^>]*>')
    assert 'value="灵活就业人员"' in na  # the catalog's own exemption, ready to tick


def test_marking_not_applicable_on_the_page_gets_a_ticket_and_shows_it(guide_client):
    data = _desk(materials=["hkb", "zp"], na=["ldht"], **{"na-ldht": "灵活就业人员"})
    response = guide_client.post("/guide/matters/cbdj/", data, follow=True)
    html = response.content.decode()
    assert response.status_code == 200 and "A001" in html
    assert "本次不适用的材料" in html and "劳动合同或用工证明：灵活就业人员" in html


def test_a_not_applicable_mark_without_reason_is_tied_to_its_field(guide_client):
    with nothing_written():
        response = guide_client.post(
            "/guide/matters/cbdj/", _desk(materials=["hkb", "zp"], na=["ldht"], **{"na-ldht": ""})
        )
    assert response.status_code == 422
    html = response.content.decode()
    field = _tag(html, r'<input id="na-ldht"[^>]*>')
    assert (
        'aria-invalid="true"' in field
        and 'aria-describedby="na-ldht-error"' in field
        and "autofocus" in field
    )
    assert 'id="na-ldht-error"' in html


# ---- item 21/22: errors tied to their fields, visible labels, required marked ---------------------------------


def test_errors_are_tied_to_their_fields_and_focus_goes_to_the_first(guide_client):
    with nothing_written():
        response = guide_client.post(
            "/guide/matters/cbdj/", _desk(resident_id="123", phone="12", materials=["ldht", "hkb", "zp"])
        )
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'<div class="error alert" role="alert"', html)
    rid = _tag(html, r'<input id="resident_id"[^>]*>')
    phone = _tag(html, r'<input id="phone"[^>]*>')
    assert (
        'aria-invalid="true"' in rid and 'aria-describedby="resident_id-error"' in rid and "autofocus" in rid
    )
    assert 'aria-invalid="true"' in phone and "autofocus" not in phone
    assert '<p class="field-error" id="resident_id-error">' in html


def test_labels_are_visible_and_required_fields_are_marked(guide_client):
    html = guide_client.get("/guide/matters/cbdj/").content.decode()
    assert "带 <span" in html and "的为必填项" in html
    for name in ("name", "resident_id", "phone"):
        assert f'<label for="{name}">' in html
        assert "required" in _tag(html, rf'<input id="{name}"[^>]*>')
    assert "placeholder" not in _tag(html, r"<form method=\"post\" novalidate>[\s\S]*</form>")


# ---- item 7 and 8 on the page ---------------------------------------------------------------------------------


def test_another_name_on_the_page_shows_the_known_masked_name_and_asks_to_confirm(guide_client):
    rid = resident_id()
    guide_client.post(
        "/guide/matters/cbdj/",
        _desk(rid, name="张三", channel="online_assisted", materials=["ldht", "hkb", "zp"]),
    )
    with nothing_written():
        response = guide_client.post(
            "/guide/matters/cbdj/",
            _desk(rid, name="王五", channel="online_assisted", materials=["ldht", "hkb", "zp"]),
        )
    assert response.status_code == 409
    html = response.content.decode()
    assert "张*" in html and "张三" not in html and 'name="confirm_name"' in html
    # the message names the box by the words beside it (it named a "确认更改姓名" the page did not have)
    doc = lxml.html.fromstring(html)
    (box,) = doc.xpath("//input[@name='confirm_name']/parent::label")
    words = " ".join(box.text_content().split())
    assert words.startswith("已核对证件，确认把姓名") and words.endswith("更改为填写的姓名")
    assert "勾选“已核对证件，确认把姓名……更改为填写的姓名”" in html
    confirmed = _desk(
        rid, name="王五", channel="online_assisted", materials=["ldht", "hkb", "zp"], confirm_name="on"
    )
    assert guide_client.post("/guide/matters/cbdj/", confirmed).status_code == 302


def test_a_second_prereview_on_the_page_names_the_waiting_ticket_and_offers_reprint_or_add(guide_client):
    rid = resident_id()
    guide_client.post("/guide/matters/cbdj/", _desk(rid, materials=["ldht", "hkb", "zp"]))
    ticket = Ticket.objects.get()
    with nothing_written():
        response = guide_client.post("/guide/matters/gxzy/", _desk(rid, materials=["jfpz", "sqb"]))
    assert response.status_code == 409
    html = response.content.decode()
    assert f"小票号 {ticket.number}" in html
    assert f'href="/guide/tickets/{ticket.token}.pdf"' in html and f"重新打印小票 {ticket.number}" in html
    assert 'name="join_waiting" value="1"' in html
    joined = guide_client.post(
        "/guide/matters/gxzy/", _desk(rid, materials=["jfpz", "sqb"], join_waiting="1"), follow=True
    )
    assert f"已把本次事项加入小票 {ticket.number}" in joined.content.decode()
    assert "办理事项：参保登记、养老保险关系转移接续" in joined.content.decode()
    assert Ticket.objects.count() == 1 and PreReview.objects.get().matters == ["cbdj", "gxzy"]


# ---- item 12: channels offered, and what 网办辅导 hands over -------------------------------------------------


def test_the_desk_offers_only_the_matters_channels(guide_client):
    html = guide_client.get("/guide/matters/cbdj/").content.decode()
    assert 'value="window"' in html and 'value="online_assisted"' in html
    assert 'value="self_service"' not in html


def test_assisted_online_hands_over_a_qr_and_link_to_the_matters_page(guide_client, settings):
    settings.ONEVISIT_PUBLIC_BASE_URL = "https://hall.example.gov.cn"
    response = guide_client.post(
        "/guide/matters/cbdj/", _desk(channel="online_assisted", materials=["ldht", "hkb", "zp"]), follow=True
    )
    html = response.content.decode()
    assert '<svg class="qr" role="img" aria-label="扫码在手机上办理"' in html
    assert 'href="https://hall.example.gov.cn/notice/matters/cbdj/"' in html


def test_assisted_online_for_a_bundle_links_the_citizens_situation(guide_client):
    data = _desk(channel="online_assisted", **{"q-transferred": "true"})

    checklist = services.checklist(bundle_code="retirement", answers={"transferred": True})
    data["materials"] = [m.code for m in checklist.materials if not m.shared]
    html = guide_client.post("/guide/bundles/retirement/", data, follow=True).content.decode()
    assert "http://testserver/notice/bundles/retirement/?q-transferred=true" in html


# ---- item 17 on the page --------------------------------------------------------------------------------------


def test_the_desk_proposes_a_due_date_within_the_materials_rule(guide_client):
    html = guide_client.get("/guide/matters/cbdj/").content.decode()
    today = clock.local_date()
    expected = min(today + timedelta(days=7), rules.add_working_days(today, 5, services.holidays()))
    assert f'name="tolerance_due" value="{expected.isoformat()}"' in html


def test_the_desk_names_the_citizens_open_case_when_they_take_a_new_ticket(
    guide_client, guide, clerk, window1
):
    from onevisit.cases import services as cases
    from onevisit.queueing import services as queueing
    from tests.journey import prereview

    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid, name="孙八").ticket
    queueing.call_next(window=window1, actor=clerk)
    case = cases.accept(actor=clerk, window=window1, code=first.token)
    response = guide_client.post("/guide/matters/gxzy/", _desk(rid, materials=["jfpz", "sqb"]), follow=True)
    html = response.content.decode()
    assert f"未办结的办件：办件 {case.number}（参保登记，" in html


def test_the_api_takes_not_applicable_confirmations_and_adding_to_the_waiting_ticket(guide_client):
    import json

    def post(**body):
        base = {"matter": "cbdj", "materials": ["hkb", "zp"], "name": "王五", "phone": "13700001111"}
        return guide_client.post(
            "/api/intake/prereviews", json.dumps(base | body), content_type="application/json"
        )

    rid = resident_id()
    first = post(resident_id=rid, not_applicable={"ldht": "灵活就业人员"})
    assert first.status_code == 201 and first.json()["verdict"] == "complete"
    again = post(resident_id=rid, matter="gxzy", materials=["jfpz", "sqb"], name="王六")
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"
    waiting = post(resident_id=rid, matter="gxzy", materials=["jfpz", "sqb"])
    assert waiting.status_code == 409 and waiting.json()["errors"][0]["field"] == "ticket"
    joined = post(resident_id=rid, matter="gxzy", materials=["jfpz", "sqb"], join_waiting=True)
    assert joined.status_code == 201 and joined.json()["id"] == first.json()["id"]
    assert joined.json()["matters"] == ["cbdj", "gxzy"]
