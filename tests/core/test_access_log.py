"""Who looked at whom (issue 16, hole 3): every staff read of a citizen's personal data is recorded in a
hash-chained, append-only log that only the audit administrator searches, and `verify` names a changed record."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from onevisit.cases import services
from onevisit.core import access, appendonly
from onevisit.core.models import AccessRecord, AppendOnlyError
from onevisit.queueing import services as queueing
from tests.conftest import login
from tests.factories import StaffFactory, resident_id, signed_in
from tests.journey import handed_over, prereview

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def _accepted(guide, clerk, window, matter="cbdj", rid=None):
    pr = prereview(guide, matter, rid=rid)
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return services.accept(actor=clerk, window=window, code=pr.ticket.token)


@pytest.fixture
def auditor(hall):
    return signed_in(StaffFactory(auditor=True, hall=hall))


def _last():
    return AccessRecord.objects.order_by("-seq").first()


def test_the_pages_and_api_that_show_a_citizen_record_who_read_whom_and_where(guide, clerk, window1):
    rid = resident_id()
    case = handed_over(clerk, _accepted(guide, clerk, window1, "gxzy", rid=rid))
    reads = {
        "chuangkou1": [f"/window/w1/cases/{case.pk}/", f"/api/ferry/cases/{case.pk}"],
        "houtai1": [
            f"/office/tasks/{case.tasks.get().pk}/",
            f"/api/cases/office/tasks/{case.tasks.get().pk}",
        ],
    }
    for username, addresses in reads.items():
        browser = login(username)
        for address in addresses:
            before = AccessRecord.objects.count()
            assert browser.get(address).status_code == 200, address
            assert AccessRecord.objects.count() == before + 1, address
            read = _last()
            assert (read.staff, read.person, read.case, read.where, read.hall) == (
                username,
                case.person_id,
                str(case.pk),
                address,
                "demo",
            )
            assert rid not in str(vars(read))  # the citizen by the internal id only


def test_the_admin_sites_case_page_and_the_window_list_are_recorded(guide, clerk, window1):
    case = _accepted(guide, clerk, window1)
    assert login("admin").get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    assert (_last().staff, _last().person, _last().case, _last().hall) == (
        "admin",
        case.person_id,
        str(case.pk),
        "demo",
    )
    assert login("chuangkou1").get("/window/w1/").status_code == 200  # its open cases, by name
    assert (_last().staff, _last().person, _last().where) == ("chuangkou1", case.person_id, "/window/w1/")


def test_the_desk_result_and_the_scanned_ticket_are_recorded(guide, clerk, window1):
    pr = prereview(guide, "cbdj")
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket  # the applicant shows where called
    desk = login("daoban")
    assert desk.get(f"/guide/prereviews/{pr.pk}/").status_code == 200
    assert (_last().staff, _last().person) == ("daoban", pr.person_id)
    window = login("chuangkou1")
    assert window.post("/window/w1/scan/", {"code": pr.ticket.token}).status_code == 200
    assert (_last().staff, _last().person) == ("chuangkou1", pr.person_id)
    assert pr.ticket.token not in _last().where
    api = login("chuangkou1")
    assert api.get(f"/api/cases/tickets/{pr.ticket.token}").status_code == 200
    assert (_last().staff, _last().person) == ("chuangkou1", pr.person_id)
    assert pr.ticket.token not in _last().where


def test_the_log_is_append_only():
    access.record(actor="someone", persons=[1], where="/x/")
    row = _last()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.filter(pk=row.pk).update(reason="改")
    with pytest.raises(AppendOnlyError):
        AccessRecord.objects.all().delete()


def test_verify_names_the_first_altered_record(capsys):
    for n in range(4):
        access.record(actor="someone", persons=[n + 1], where=f"/x/{n}/")
    assert access.verify().ok and access.verify().checked == 4
    call_command("access", "verify")
    # what the ORM and the database's triggers refuse, by the owner's privileged path (as an attacker with the
    # owner's rights could)
    with appendonly.lifted(connection, ["core_accessrecord"]), connection.cursor() as cursor:
        cursor.execute("UPDATE core_accessrecord SET reason = %s WHERE seq = %s", ["随便看看", 3])
    verdict = access.verify()
    assert (verdict.ok, verdict.first_broken) == (False, 3)
    with pytest.raises(CommandError, match="record 3"):
        call_command("access", "verify")


def test_verify_names_a_removed_record():
    for n in range(3):
        access.record(actor="someone", persons=[n + 1], where=f"/x/{n}/")
    with appendonly.lifted(connection, ["core_accessrecord"]), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_accessrecord WHERE seq = %s", [2])
    assert access.verify().first_broken == 2


def test_the_auditor_searches_by_staff_person_and_date(auditor, guide, clerk, window1, hall):
    rid = resident_id()
    case = _accepted(guide, clerk, window1, rid=rid)
    other = _accepted(guide, clerk, window1)
    window = login("chuangkou1")
    window.get(f"/window/w1/cases/{case.pk}/")
    window.get(f"/window/w1/cases/{other.pk}/")
    login("chuangkou2").post(f"/window/w2/cases/{case.pk}/", {"reason": "群众来电查询进度"}, follow=True)
    assert auditor.get("/")["Location"] == "/audit/access/"  # the auditor's home
    page = auditor.get("/audit/access/")
    assert page.status_code == 200 and "个人信息访问记录" in page.content.decode()
    by_person = auditor.post("/audit/access/", {"resident_id": rid})
    html = by_person.content.decode()
    assert by_person.status_code == 200
    assert rid not in html and rid[6:14] not in html  # looked up by digest, never shown back
    assert "群众来电查询进度" in html and html.count("<tr><td>") == 2
    by_staff = auditor.post("/audit/access/", {"staff": "chuangkou2"})
    assert by_staff.content.decode().count("<tr><td>") == 1
    today = window1.hall.cases.first().accepted_at.date().isoformat()
    dated = auditor.post("/audit/access/", {"start": "2000-01-01", "end": "2000-01-02"})
    assert "没有符合条件的记录" in dated.content.decode()
    assert auditor.post("/audit/access/", {"start": "x"}).status_code == 422
    backwards = auditor.post("/audit/access/", {"start": "2026-12-10", "end": "2026-12-01"})
    assert backwards.status_code == 422
    (end,) = lxml.html.fromstring(backwards.content.decode()).xpath("//input[@name='end']")
    assert end.get("aria-invalid") == "true" and "结束日期不能早于开始日期" in backwards.content.decode()
    assert end.get("value") == "2026-12-01"  # what was typed stays
    assert auditor.post("/audit/access/", {"resident_id": "123"}).status_code == 422
    found = auditor.post(
        "/api/audit/access", {"resident_id": rid, "start": today}, content_type="application/json"
    ).json()
    assert found["count"] == 2 and {r["staff"] for r in found["records"]} == {"chuangkou1", "chuangkou2"}
    assert {r["person"] for r in found["records"]} == {case.person_id}


def _case_cells(html: str) -> list[str]:
    doc = lxml.html.fromstring(html)
    return [
        " ".join(td.text_content().split()) for td in doc.xpath("//table[@id='access-records']//tr/td[5]")
    ]


def test_the_log_names_each_case_by_its_number_in_one_query_for_the_page(
    auditor, guide, clerk, window1, django_assert_max_num_queries
):
    """The walk read the 办件 column as the database id (17), which no one at the hall knows a case by."""
    cases = [_accepted(guide, clerk, window1) for _ in range(3)]
    window = login("chuangkou1")
    window.get(f"/window/w1/cases/{cases[0].pk}/")
    access.record_one(actor=clerk, person=cases[0].person_id, where="/guide/")  # no case: left blank
    one = auditor.post("/audit/access/", {"staff": "chuangkou1"})
    assert _case_cells(one.content.decode()) == ["", cases[0].number]
    with django_assert_max_num_queries(100) as few:
        auditor.post("/audit/access/", {"staff": "chuangkou1"})
    two_rows = len(few.captured_queries)  # read now: the next request clears the connection's query log
    for case in cases[1:]:
        window.get(f"/window/w1/cases/{case.pk}/")
    with django_assert_max_num_queries(two_rows):  # four rows, three cases: no query more
        many = auditor.post("/audit/access/", {"staff": "chuangkou1"})
    assert _case_cells(many.content.decode()) == [c.number for c in reversed(cases[1:])] + [
        "",
        cases[0].number,
    ]
    api = auditor.post("/api/audit/access", {"staff": "chuangkou1"}, content_type="application/json").json()
    assert [r["case_number"] for r in api["records"]][-1] == cases[0].number


@pytest.mark.parametrize("username", ["admin", "chuangkou1", "fenxi", "daoban"])
def test_nobody_but_the_auditor_reads_the_log(hall, username):
    browser = login(username)
    assert browser.get("/audit/access/").status_code == 403
    assert browser.post("/audit/access/", {"staff": "chuangkou1"}).status_code == 403
    api = browser.post("/api/audit/access", {}, content_type="application/json")
    assert api.status_code == 403


def test_a_ticket_scanned_before_it_is_called_here_shows_no_applicant_and_records_no_read(guide, hall):
    pr = prereview(guide, "cbdj")  # waiting: not called to any window yet
    page = login("chuangkou1").post("/window/w1/scan/", {"code": pr.ticket.token}).content.decode()
    assert "小票 A001" in page and "办事人" not in page and pr.person.id_masked not in page
    assert not AccessRecord.objects.filter(staff="chuangkou1").exists()


def test_a_refused_search_lists_no_records(auditor, guide, clerk, window1):
    """The walk found a resident ID with a wrong check digit refused above a table of every record, which an
    auditor could read as its matches."""
    _accepted(guide, clerk, window1)
    login("chuangkou1").get("/window/w1/")
    rid = resident_id()
    bad = rid[:17] + ("0" if rid[17] != "0" else "1")  # the check digit wrong
    page = auditor.post("/audit/access/", {"resident_id": bad, "page": "1"})
    html = page.content.decode()
    assert page.status_code == 422 and "未列出记录" in html and 'id="access-records"' not in html


def test_a_refused_resident_id_is_told_beside_its_field_and_the_earlier_filter_is_not_shown(
    auditor, guide, clerk, window1
):
    """The walk found the error in the top banner, and the note of the earlier search's filter (已按办事人筛选)
    kept under a search that was refused."""
    case = _accepted(guide, clerk, window1)
    login("chuangkou1").get(f"/window/w1/cases/{case.pk}/")
    first = lxml.html.fromstring(
        auditor.post("/audit/access/", {"resident_id": case.person.resident_id}).content
    )
    assert first.get_element_by_id("person-filter") is not None
    person = first.xpath("//input[@name='person']/@value")
    rid = resident_id()
    bad = rid[:17] + ("0" if rid[17] != "0" else "1")
    refused = auditor.post("/audit/access/", {"resident_id": bad, "person": person, "page": "1"})
    doc = lxml.html.fromstring(refused.content.decode())
    field = doc.get_element_by_id("resident-id")
    assert (
        refused.status_code == 422
        and field.get("aria-invalid") == "true"
        and field.get("autofocus") is not None
    )
    beside = doc.get_element_by_id(field.get("aria-describedby"))
    assert "field-error" in beside.get("class") and "身份号码" in beside.text_content()
    assert beside.getprevious() is field, "the error stands right under its field"
    assert not doc.xpath("//*[@role='alert']"), "no banner above the form for a field's error"
    assert not doc.xpath("//*[@id='person-filter'] | //input[@name='person']"), "no filter is in force"
    assert "未列出记录" in doc.text_content()
    assert doc.get_element_by_id("staff").get("autofocus") is None


def test_the_logs_short_columns_never_wrap_and_a_narrow_window_scrolls_the_table(
    auditor, guide, clerk, window1
):
    """The walk found 查看 one character a line and case numbers split at their hyphen (20261206-/000001)."""
    case = _accepted(guide, clerk, window1)
    login("chuangkou1").get(f"/window/w1/cases/{case.pk}/")
    doc = lxml.html.fromstring(auditor.post("/audit/access/", {"staff": "chuangkou1"}).content.decode())
    table = doc.get_element_by_id("access-records")
    region = table.getparent()
    assert (
        "scroll" in region.get("class") and region.get("role") == "region" and region.get("tabindex") == "0"
    )
    row = table.xpath(".//tbody/tr")[0]
    cells = {
        th.text_content(): td for th, td in zip(table.xpath(".//thead//th"), row.xpath("./td"), strict=True)
    }
    assert cells["办件"].text_content().strip() == case.number and cells["类型"].text_content() == "查看"
    for name in ("办件", "类型"):
        assert "nowrap" in cells[name].get("class", "").split(), name
    # the time may break between its date and its clock (for the row to fit 1280 px), never inside either
    assert [span.get("class") for span in cells["时间"].xpath("./span")] == ["nowrap", "nowrap"]
    css = (ROOT / "src/onevisit/web/static/onevisit/site.css").read_text()
    assert ".nowrap { white-space: nowrap; }" in css and ".scroll { overflow-x: auto;" in css
