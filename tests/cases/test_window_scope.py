"""A clerk acts on the cases of their own window (and those that came to it); another window's case is read only
with a stated reason, which is recorded; a delivered case changes no more (issue 16, hole 1)."""

from __future__ import annotations

from urllib.parse import unquote

import lxml.html
import pytest
from django.test import Client

from onevisit.cases import services
from onevisit.cases.models import Case, Commitment
from onevisit.cases.views import READ_GRANT, READ_GRANTS
from onevisit.core import clock
from onevisit.core.errors import Conflict, NotFound
from onevisit.core.models import AccessRecord
from onevisit.queueing import services as queueing
from tests.conftest import login, nothing_written
from tests.factories import resident_id
from tests.journey import CBDJ_FORM, fill_form, prereview

pytestmark = pytest.mark.django_db


def _accepted(guide, clerk, window, matter="cbdj", **options):
    pr = prereview(guide, matter, **options)
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return services.accept(actor=clerk, window=window, code=pr.ticket.token)


@pytest.fixture
def w1_case(guide, clerk, window1):
    """A 参保登记 case accepted at window 1, two materials promised for later (容缺)."""
    return _accepted(guide, clerk, window1, present=["ldht"])


def _writes(case: Case) -> dict:
    """Every write use case of the window on this case, as a clerk would ask for it."""
    commitment = case.commitments.first()
    return {
        "complete": lambda a: services.complete(actor=a, case_id=case.pk),
        "hand_over": lambda a: services.hand_over(actor=a, case_id=case.pk),
        "deliver": lambda a: services.deliver(actor=a, case_id=case.pk, method="pickup"),
        "save_form": lambda a: services.save_form(actor=a, case_id=case.pk, submitted={"address": "别处1号"}),
        "save_draft": lambda a: services.save_draft(
            actor=a, case_id=case.pk, submitted={"address": "别处1号"}
        ),
        "flag_outlier": lambda a: services.flag_outlier(actor=a, case_id=case.pk, note="系统故障等待两小时"),
        "continue_into": lambda a: services.continue_into(actor=a, case_id=case.pk, bundle_code="retirement"),
        "correct": lambda a: services.correct(actor=a, case_id=case.pk, via="online"),
        "supply": lambda a: services.supply(actor=a, commitment_id=commitment.pk, via="online"),
    }


WRITES = [
    "complete",
    "hand_over",
    "deliver",
    "save_form",
    "save_draft",
    "flag_outlier",
    "continue_into",
    "correct",
    "supply",
]


@pytest.mark.parametrize("action", WRITES)
def test_a_clerk_of_window_2_cannot_act_on_a_case_of_window_1(w1_case, clerk2, action):
    with nothing_written(), pytest.raises(NotFound, match="本窗口"):
        _writes(w1_case)[action](clerk2)


POSTS = {
    "complete": ("complete/", {}),
    "hand-over": ("hand-over/", {}),
    "deliver": ("deliver/", {"method": "pickup"}),
    "form": ("form/", {"address": "别处1号"}),
    "outlier": ("outlier/", {"note": "系统故障等待两小时"}),
    "continue": ("continue/", {"bundle": "retirement"}),
    "correct": ("correct/", {"via": "online"}),
}


@pytest.mark.parametrize("action", list(POSTS))
def test_the_window_pages_refuse_another_windows_case_as_not_found(w1_case, action):
    page = login("chuangkou2")
    path, data = POSTS[action]
    with nothing_written():
        response = page.post(f"/window/w2/cases/{w1_case.pk}/{path}", data)
    assert response.status_code == 404
    assert "本窗口没有这个办件" in response.content.decode()
    assert not response.content.decode().count(w1_case.number)  # nothing tells that it exists


def test_a_commitment_cannot_be_supplied_through_another_cases_address(guide, clerk, window1, w1_case):
    other = _accepted(guide, clerk, window1)  # window 1's own case, with no commitment
    commitment = w1_case.commitments.first()
    page = login("chuangkou1")
    with nothing_written():
        response = page.post(
            f"/window/w1/cases/{other.pk}/commitments/{commitment.pk}/supply/", {"via": "hall"}
        )
    assert response.status_code == 404
    page2 = login("chuangkou2")
    with nothing_written():
        response = page2.post(
            f"/window/w2/cases/{w1_case.pk}/commitments/{commitment.pk}/supply/", {"via": "hall"}
        )
    assert response.status_code == 404
    assert Commitment.objects.get(pk=commitment.pk).status == "open"


@pytest.mark.parametrize(
    "call",
    [
        ("post", "/api/cases/{id}/complete", None),
        ("post", "/api/cases/{id}/hand-over", None),
        ("post", "/api/cases/{id}/deliver", {"method": "pickup"}),
        ("post", "/api/cases/{id}/form", {"values": {"address": "别处1号"}}),
        ("post", "/api/cases/{id}/correct", {"via": "online"}),
        ("get", "/api/ferry/cases/{id}", None),
    ],
)
def test_the_api_refuses_another_windows_case_as_not_found(w1_case, call):
    method, path, body = call
    api = login("chuangkou2")
    with nothing_written():
        response = getattr(api, method)(
            path.format(id=w1_case.pk), body or {}, content_type="application/json"
        )
    assert response.status_code == 404, response.content
    assert "本窗口没有这个办件" in response.json()["detail"]


def test_a_case_whose_ticket_was_transferred_is_acted_on_at_the_window_that_took_it(
    guide, clerk, clerk2, window1, window2
):
    """A ticket called at window 1 and transferred to queue C is called and accepted at window 2: the case is
    window 2's, and window 1 no longer acts on it."""
    t = prereview(guide, "gxzy").ticket
    assert queueing.call_next(window=window1, actor=clerk) == t
    queueing.transfer(window=window1, ticket_id=t.pk, queue_code="jfhd", actor=clerk)
    assert queueing.call_next(window=window2, actor=clerk2) == t
    case = services.accept(actor=clerk2, window=window2, code=t.token)
    fill_form(clerk2, case)
    assert services.hand_over(actor=clerk2, case_id=case.pk).status == "in_progress"
    with pytest.raises(NotFound):
        services.flag_outlier(actor=clerk, case_id=case.pk, note="系统故障等待两小时")


def test_a_returning_citizen_served_at_another_window_brings_the_case_to_it(
    guide, clerk, clerk2, window1, window2
):
    rid = resident_id()
    case = _accepted(guide, clerk, window1, "gxzy", rid=rid)
    with pytest.raises(NotFound):
        services.save_form(actor=clerk2, case_id=case.pk, submitted=CBDJ_FORM)
    again = _accepted(guide, clerk2, window2, "gxzy", rid=rid)  # the citizen's new ticket, at window 2
    assert again.pk == case.pk
    fill_form(clerk2, case)
    assert services.hand_over(actor=clerk2, case_id=case.pk).status == "in_progress"


def test_scanning_a_ticket_another_window_accepted_names_that_window_and_leads_to_its_case(w1_case):
    """The walk met a bare "该小票已受理，不能在本窗口受理" and had to type the case's address by hand."""
    page = login("chuangkou2")
    html = page.post("/window/w2/scan/", {"code": w1_case.visits.get().ticket.token}).content.decode()
    assert f"办件 {w1_case.number} 由1号窗口办理" in html and "不能在本窗口受理" in html
    link = lxml.html.fromstring(html).xpath("//a[contains(., '查阅该办件')]/@href")
    assert link == [f"/window/w2/cases/{w1_case.pk}/"]
    assert "查阅原因" in page.get(link[0]).content.decode(), "the link asks for the reason first"


def test_reading_another_windows_case_needs_a_reason_which_is_recorded(w1_case):
    page = login("chuangkou2")
    address = f"/window/w2/cases/{w1_case.pk}/"
    before = AccessRecord.objects.count()
    refused = page.get(address)
    assert refused.status_code == 403
    assert "查阅原因" in refused.content.decode() and "张三" not in refused.content.decode()
    assert AccessRecord.objects.count() == before
    with nothing_written():
        short = page.post(address, {"reason": "看"})
    assert short.status_code == 422 and "请写明查阅原因（至少 2 个字）" in short.content.decode()
    assert f"查阅办件 {w1_case.number}" in short.content.decode(), "the refusal still names the case"
    assert AccessRecord.objects.count() == before and READ_GRANTS not in page.session
    stated = page.post(address, {"reason": "群众来电查询进度"})
    assert stated.status_code == 302 and stated["Location"] == address
    shown = page.get(address)
    assert shown.status_code == 200
    assert "本窗口仅可查阅" in shown.content.decode()
    read = AccessRecord.objects.order_by("-seq").first()
    assert (read.staff, read.person, read.case, read.where, read.reason) == (
        "chuangkou2",
        w1_case.person_id,
        str(w1_case.pk),
        address,
        "群众来电查询进度",
    )
    assert AccessRecord.objects.count() == before + 1  # the showing, once


def test_the_reason_to_read_another_windows_case_never_travels_in_an_address(w1_case):
    """The walk found the reason sent as GET ?reason=…: in proxy logs and the browser's history."""
    page = login("chuangkou2")
    address = f"/window/w2/cases/{w1_case.pk}/"
    form = lxml.html.fromstring(page.get(address).content.decode()).get_element_by_id("reason").getparent()
    assert (form.tag, form.get("method"), form.get("action")) == ("form", "post", address)
    assert "novalidate" in form.attrib and form.xpath(".//input[@name='csrfmiddlewaretoken']")
    before = AccessRecord.objects.count()
    in_address = page.get(address, {"reason": "群众来电查询进度"})
    assert in_address.status_code == 403 and "本窗口仅可查阅" not in in_address.content.decode()
    assert AccessRecord.objects.count() == before
    walked = page.post(address, {"reason": "群众来电查询进度"}, follow=True)
    assert walked.status_code == 200 and "本窗口仅可查阅" in walked.content.decode()
    assert all("群众来电" not in unquote(url) for url, _ in walked.redirect_chain)
    checked = Client(enforce_csrf_checks=True)
    checked.cookies = page.cookies
    assert checked.post(address, {"reason": "群众来电查询进度"}).status_code == 403  # no CSRF token


def test_a_stated_reason_opens_another_windows_case_for_a_few_minutes_only(w1_case):
    page = login("chuangkou2")
    address = f"/window/w2/cases/{w1_case.pk}/"
    page.post(address, {"reason": "群众来电查询进度"})
    assert page.get(address).status_code == 200
    assert login("chuangkou2").get(address).status_code == 403  # the grant is this session's only
    session = page.session
    grant = session[READ_GRANTS][str(w1_case.pk)]
    assert grant["until"] - clock.now().timestamp() <= READ_GRANT.total_seconds()
    grant["until"] = clock.now().timestamp() - 1
    session.save()
    assert page.get(address).status_code == 403  # asked again


def test_another_windows_case_read_for_a_reason_offers_nothing_to_act_on(w1_case):
    """The walk found the read-only page offering F8, F10, the receipt, the outlier flag and the ferry panel,
    each of which then failed (the panel's error page nested inside the case page)."""
    own = login("chuangkou1").get(f"/window/w1/cases/{w1_case.pk}/").content.decode()
    assert all(a in own for a in ('data-hotkey="F8"', 'data-hotkey="F10"', "受理回执 PDF", "标记为极端案例"))
    page = login("chuangkou2").post(
        f"/window/w2/cases/{w1_case.pk}/", {"reason": "群众来电查询进度"}, follow=True
    )
    html = page.content.decode()
    assert page.status_code == 200 and "本窗口仅可查阅" in html
    for offered in (
        'data-hotkey="F8"',
        'data-hotkey="F10"',
        "受理回执 PDF",
        "标记为极端案例",
        "登记补交",
        "/ferry/window/",
    ):
        assert offered not in html, offered
    assert '<fieldset class="bare" disabled>' in html


def test_the_own_windows_case_page_needs_no_reason_and_is_recorded(w1_case):
    response = login("chuangkou1").get(f"/window/w1/cases/{w1_case.pk}/")
    assert response.status_code == 200
    read = AccessRecord.objects.order_by("-seq").first()
    assert (read.staff, read.person, read.reason) == ("chuangkou1", w1_case.person_id, "")


@pytest.fixture
def delivered(clerk, w1_case):
    fill_form(clerk, w1_case)
    services.complete(actor=clerk, case_id=w1_case.pk)
    services.deliver(actor=clerk, case_id=w1_case.pk, method="pickup")
    case = Case.objects.get(pk=w1_case.pk)
    assert case.status == "delivered" and case.commitments.filter(status="open").exists()
    return case


@pytest.mark.parametrize(
    "action",
    ["complete", "hand_over", "deliver", "save_form", "save_draft", "flag_outlier", "correct", "supply"],
)
def test_nothing_changes_on_a_delivered_case(delivered, clerk, action):
    with nothing_written(), pytest.raises(Conflict, match="已出件|不能"):
        _writes(delivered)[action](clerk)


@pytest.mark.parametrize("action", ["form", "outlier", "complete", "deliver"])
def test_the_window_pages_refuse_every_write_on_a_delivered_case(delivered, action):
    path, data = POSTS[action]
    page = login("chuangkou1")
    with nothing_written():
        response = page.post(f"/window/w1/cases/{delivered.pk}/{path}", data)
    assert response.status_code == 409
    assert "已出件" in response.content.decode()


def test_the_api_refuses_a_form_edit_after_delivery(delivered):
    api = login("chuangkou1")
    with nothing_written():
        response = api.post(
            f"/api/cases/{delivered.pk}/form",
            {"values": {"address": "别处1号"}},
            content_type="application/json",
        )
    assert response.status_code == 409 and "已出件" in response.json()["detail"]


def test_a_scanned_ticket_is_shown_only_at_the_window_it_was_called_to(guide, clerk, window1):
    """The API's ticket lookup shows the applicant and the desk's findings: only to the window that called them
    (found by the access matrix: window 2 could read window 1's called ticket)."""
    pr = prereview(guide, "cbdj")
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    url = f"/api/cases/tickets/{pr.ticket.token}"
    assert login("chuangkou1").get(url).status_code == 200
    refused = login("chuangkou2").get(url)
    assert refused.status_code == 404 and "本窗口" in refused.json()["detail"]
    assert not AccessRecord.objects.filter(staff="chuangkou2").exists()


@pytest.mark.parametrize(
    ("typed", "said"),
    [("", "请写明查看原因（至少 2 个字）"), ("核对 110105194912310025", "查看原因中不能写身份证号或手机号")],
)
def test_the_full_id_reason_is_checked_by_the_server_in_chinese_naming_the_field(w1_case, typed, said):
    """The walk met the browser's English bubble on the reason field: the forms leave checking to the server."""
    page = login("chuangkou1")
    case_page = lxml.html.fromstring(page.get(f"/window/w1/cases/{w1_case.pk}/").content.decode())
    assert "novalidate" in case_page.get_element_by_id("full-id-form").attrib
    before = AccessRecord.objects.count()
    with nothing_written():
        refused = page.post(f"/window/w1/cases/{w1_case.pk}/full-id/", {"reason": typed})
    assert refused.status_code == 422 and AccessRecord.objects.count() == before
    again = lxml.html.fromstring(refused.content.decode())
    assert said in again.get_element_by_id("reason-error").text_content()
    field = again.get_element_by_id("full-id-reason")
    assert field.get("aria-invalid") == "true" and "novalidate" in field.getparent().attrib


def test_the_reason_page_is_neutral_on_arrival_and_marks_the_field_only_after_a_refused_reason(w1_case):
    """The walk found the first arrival looking like an error: a red note and a red-bordered empty field."""
    page = login("chuangkou2")
    address = f"/window/w2/cases/{w1_case.pk}/"
    arrival = lxml.html.fromstring(page.get(address).content.decode())
    field = arrival.get_element_by_id("reason")
    assert field.get("aria-invalid") is None and not arrival.xpath(
        "//*[@role='alert'] | //*[contains(@class, 'error')]"
    )
    explained = [arrival.get_element_by_id(i).text_content() for i in field.get("aria-describedby").split()]
    assert "查阅须写明原因" in explained[0] and "记录您的账号" in explained[1]
    refused = lxml.html.fromstring(page.post(address, {"reason": "看"}).content.decode())
    field = refused.get_element_by_id("reason")
    error = refused.get_element_by_id(field.get("aria-describedby").split()[0])
    assert (
        field.get("aria-invalid") == "true" and error.get("role") == "alert" and "error" in error.get("class")
    )
    assert "请写明查阅原因（至少 2 个字）" in error.text_content()


@pytest.mark.parametrize(
    ("address", "field", "typed", "kept"),
    [
        ("/window/w2/cases/{pk}/", "reason", "看", "看"),
        ("/window/w2/cases/{pk}/", "reason", "查询 13912345678 的进度", ""),
        ("/window/w1/cases/{pk}/full-id/", "full-id-reason", "x", "x"),
        ("/window/w1/cases/{pk}/full-id/", "full-id-reason", "核对 110105194912310025", ""),
    ],
)
def test_a_refused_reason_stays_in_its_field_unless_it_holds_a_personal_number(
    w1_case, address, field, typed, kept
):
    """The walk found the reason field emptied after a refusal; a number refused as such is never shown back."""
    page = login("chuangkou2" if "/w2/" in address else "chuangkou1")
    refused = page.post(address.format(pk=w1_case.pk), {"reason": typed})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert lxml.html.fromstring(html).get_element_by_id(field).get("value", "") == kept
    assert "13912345678" not in html and "110105194912310025" not in html
