"""退件 and 补正: the reasons reach the window, its list and the citizen; 补正 at the hall is a visit, online or by
mail it is not; no new ticket is needed; the catalog says whether the time limit stops meanwhile."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case, CaseReturn, Task, Visit
from onevisit.catalog.models import Matter
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.models import Event
from onevisit.metrics.queries import day_summary
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket
from tests.conftest import journey_events, login, nothing_written
from tests.journey import called, handed_over, prereview

pytestmark = pytest.mark.django_db

REASONS = "缴费凭证印章不清，请补正；可联系13812345678"  # a phone typed into free text is kept masked


@pytest.fixture
def social(hall):
    return actor_for(get_user_model().objects.get(username="houtai1"))


def _returned(guide, clerk, window, social, *, to="citizen"):
    t = called(guide, clerk, window, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))
    services.return_task(actor=social, task_id=case.tasks.get().pk, reasons=REASONS, to=to)
    return Case.objects.get(pk=case.pk), t


def test_the_reasons_are_kept_masked_and_never_in_an_event(guide, clerk, window1, social):
    case, _ = _returned(guide, clerk, window1, social)
    r = CaseReturn.objects.get(case=case)
    assert r.reasons == "缴费凭证印章不清，请补正；可联系138****5678" and r.to == "citizen"
    assert r.department.name == "区社会保险经办机构" and r.pauses_clock is True and r.open
    event = journey_events().get(type="case.returned")
    assert "印章" not in json.dumps(event.data, ensure_ascii=False) and event.data["pauses_clock"] is True


def test_the_window_sees_the_reasons_on_its_list_as_work_to_do_and_on_the_case_page(
    guide, clerk, window1, social
):
    case, _ = _returned(guide, clerk, window1, social)
    window = login("chuangkou1")
    page = window.get("/window/w1/").content.decode()
    todo = page.split('id="returned-title"', 1)[1].split("</ul>", 1)[0]
    assert "退回待补正" in page and case.number in todo and "缴费凭证印章不清" in todo
    assert "13812345678" not in page
    page = window.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "退件理由：缴费凭证印章不清" in page and "区社会保险经办机构" in page
    assert "补正期间办理时限暂停计算" in page and "登记补正" in page and "无需重新取号" in page


def test_the_status_page_tells_the_citizen_why_and_how_without_personal_data(guide, clerk, window1, social):
    case, ticket = _returned(guide, clerk, window1, social)
    page = login("daoban").get(f"/t/{ticket.token}/").content.decode()  # the same for anyone with the QR
    assert "退回待补正：缴费凭证印章不清" in page and "无需重新取号" in page and "网上或邮寄补正" in page
    assert "补正期间办理时限暂停计算" in page
    assert "13812345678" not in page and "张三" not in page
    assert 'hx-trigger="every 15s"' in page  # a return is not the end: the page keeps following the case


def test_correction_at_the_hall_is_a_visit_without_a_new_ticket(guide, clerk, window1, social):
    case, _ = _returned(guide, clerk, window1, social)
    # No one else was called at the window meanwhile: the correction is still a trip of its own (it took no ticket,
    # so it cannot be "a second ticket taken while the first was served").
    tickets = Ticket.objects.count()
    response = login("chuangkou1").post(f"/window/w1/cases/{case.pk}/correct/", {"via": "hall"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress" and case.tasks.get().status == "ready"
    assert Ticket.objects.count() == tickets  # no ticket was needed
    visit = Visit.objects.get(case=case, seq=2)
    assert visit.purpose == "correct" and visit.ticket is None and visit.window.code == "w1"
    recorded = journey_events().get(type="visit.recorded", case=str(case.pk))
    assert recorded.data == {"visit_seq": 2, "purpose": "correct"}
    corrected = journey_events().get(type="case.corrected")
    assert corrected.data["via"] == "hall" and corrected.data["visit"] is True
    r = CaseReturn.objects.get(case=case)
    assert (r.corrected_via, r.visit_id) == ("hall", visit.pk) and not r.open
    services.approve_task(actor=social, task_id=case.tasks.get().pk)
    summary = day_summary(hall=case.hall.code, day=clock.local_date(), tz_name=case.hall.timezone)
    assert summary.total["second_visit_cases"] == 1 and summary.total["mean_round_trips"] == 2


@pytest.mark.parametrize("via", ["online", "mail"])
def test_correction_online_or_by_mail_is_not_a_visit(guide, clerk, window1, social, via):
    case, _ = _returned(guide, clerk, window1, social)
    services.correct(actor=clerk, case_id=case.pk, via=via, window=window1)
    assert Case.objects.get(pk=case.pk).status == "in_progress"
    assert not Visit.objects.filter(case=case, seq__gt=1).exists()
    assert not journey_events().filter(type="visit.recorded").exists()
    assert journey_events().get(type="case.corrected").data["visit"] is False
    services.approve_task(actor=social, task_id=case.tasks.get().pk)
    summary = day_summary(hall=case.hall.code, day=clock.local_date(), tz_name=case.hall.timezone)
    assert summary.total["second_visit_cases"] == 0 and summary.total["mean_round_trips"] == 1


def test_a_new_ticket_still_works_and_corrects_the_return_as_a_visit(guide, clerk, window1, social):
    case, _ = _returned(guide, clerk, window1, social)
    again = prereview(guide, "gxzy", rid=case.person.resident_id, name=case.person.name).ticket
    assert queueing.call_next(window=window1, actor=clerk) == again
    assert services.accept(actor=clerk, window=window1, code=again.token).pk == case.pk
    r = CaseReturn.objects.get(case=case)
    assert r.corrected_via == "hall" and r.visit.ticket == again
    assert Case.objects.get(pk=case.pk).status == "in_progress"


def test_bad_corrections_write_nothing(guide, clerk, window1, social):
    case, _ = _returned(guide, clerk, window1, social)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.correct(actor=clerk, case_id=case.pk, via="pigeon")
    assert list(err.value.errors) == ["via"]
    window = login("chuangkou1")
    with nothing_written():
        page = window.post(f"/window/w1/cases/{case.pk}/correct/", {"via": "pigeon"})
    assert page.status_code == 422 and "补正方式须为" in page.content.decode()
    services.correct(actor=clerk, case_id=case.pk, via="online")
    with nothing_written(), pytest.raises(Conflict, match="没有待补正的退件"):
        services.correct(actor=clerk, case_id=case.pk, via="online")
    with nothing_written(), pytest.raises(Invalid) as err:
        services.return_task(actor=social, task_id=case.tasks.get().pk, reasons="x" * 501)
    assert list(err.value.errors) == ["reasons"]


def test_the_time_limit_pauses_during_correction_when_the_matter_says_so(
    guide, clerk, window1, social, monkeypatch
):
    case, _ = _returned(guide, clerk, window1, social)
    due = case.tasks.get().due_at
    later = clock.now() + timedelta(days=2, hours=3)
    monkeypatch.setattr(clock, "now", lambda: later)
    services.correct(actor=clerk, case_id=case.pk, via="mail")
    r = CaseReturn.objects.get(case=case)
    assert abs(r.paused_seconds - (2 * 86400 + 3 * 3600)) < 5
    assert case.tasks.get().due_at == due + timedelta(seconds=r.paused_seconds)  # moved on by the pause


def test_the_time_limit_runs_on_when_the_matter_says_so(guide, clerk, window1, social, monkeypatch):
    Matter.objects.filter(code="gxzy").update(correction_pauses_clock=False)
    case, ticket = _returned(guide, clerk, window1, social)
    assert "补正期间办理时限照常计算" in login("daoban").get(f"/t/{ticket.token}/").content.decode()
    assert (
        "补正期间办理时限照常计算" in login("chuangkou1").get(f"/window/w1/cases/{case.pk}/").content.decode()
    )
    due = case.tasks.get().due_at
    monkeypatch.setattr(clock, "now", lambda: due - timedelta(hours=1))
    services.correct(actor=clerk, case_id=case.pk, via="online")
    assert case.tasks.get().due_at == due and CaseReturn.objects.get(case=case).paused_seconds == 0


def test_the_return_form_says_whether_the_clock_stops(guide, clerk, window1):
    t = called(guide, clerk, window1, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))
    office = login("houtai1")
    assert "补正期间办理时限暂停计算" in office.get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()
    Matter.objects.filter(code="gxzy").update(correction_pauses_clock=False)
    assert "补正期间办理时限照常计算" in office.get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()


def test_correction_through_the_api(guide, clerk, window1, social):
    case, _ = _returned(guide, clerk, window1, social)
    window = login("chuangkou1")
    bad = window.post(
        f"/api/cases/{case.pk}/correct", json.dumps({"via": "x"}), content_type="application/json"
    )
    assert bad.status_code == 422
    ok = window.post(
        f"/api/cases/{case.pk}/correct", json.dumps({"via": "hall"}), content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["status"] == "in_progress"
    assert Visit.objects.get(case=case, seq=2).window.code == "w1"
    assert Task.objects.get(case=case).status == "ready"
    assert Event.objects.filter(type="case.corrected").count() == 1
