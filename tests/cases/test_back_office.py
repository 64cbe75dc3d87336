"""The parallel back office: tasks by department, dependencies, verification, return, completion, delivery."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case, Task
from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.intake import services as intake
from onevisit.metrics.queries import day_summary
from onevisit.queueing import services as queueing
from tests.conftest import journey_events, login, nothing_written
from tests.factories import resident_id
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


@pytest.fixture
def social(hall):
    return _actor("houtai1")  # 区社会保险经办机构


@pytest.fixture
def hr(hall):
    return _actor("houtai2")  # 区人力资源和社会保障局


def _transfer_case(guide, clerk, window):
    t = called(guide, clerk, window, "gxzy")  # 15 working days: a back-office task
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))


def _retirement_case(guide, clerk, window):
    checklist = intake.checklist(bundle_code="retirement", answers={"transferred": True})
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers={"transferred": True},
        present=[m.code for m in checklist.materials],
        name="退休人",
        resident_id=resident_id(),
        phone="13700001111",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=3),
    )
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=pr.ticket.token))


def test_a_case_with_back_office_work_cannot_be_completed_at_the_window(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    assert case.status == "in_progress"
    task = case.tasks.get()
    assert (task.status, task.department.name) == (
        "ready",
        "区社会保险经办机构",
    ) and task.due_at > task.ready_at
    with nothing_written(), pytest.raises(Conflict, match="后台任务未完成"):
        services.complete(actor=clerk, case_id=case.pk)


def test_the_last_approval_completes_the_case_and_delivery_closes_it(guide, clerk, window1, social):
    case = _transfer_case(guide, clerk, window1)
    services.approve_task(actor=social, task_id=case.tasks.get().pk)
    case.refresh_from_db()
    assert case.status == "completed"
    completed = journey_events().get(type="case.completed", case=str(case.pk))
    assert completed.data["at_window"] is False
    summary = day_summary(hall=case.hall.code, day=clock.local_date(), tz_name=case.hall.timezone)
    assert summary.total["handled"] == 0  # back-office completion is not window handling time
    with nothing_written(), pytest.raises(Invalid, match="运单号"):
        services.deliver(actor=clerk, case_id=case.pk, method="mail")
    services.deliver(actor=clerk, case_id=case.pk, method="mail", tracking_number="SF1234567890")
    assert Case.objects.get(pk=case.pk).status == "delivered"
    with pytest.raises(Conflict, match="已出件，不能再作任何修改"):
        services.deliver(actor=clerk, case_id=case.pk, method="pickup")


def test_serial_steps_wait_and_the_rest_run_in_parallel(guide, clerk, window1, social, hr):
    case = _retirement_case(guide, clerk, window1)
    status = dict(case.tasks.values_list("code", "status"))
    assert status == {"transfer": "ready", "approval": "waiting", "pension": "waiting", "medins": "waiting"}
    approval = case.tasks.get(code="approval")
    with nothing_written(), pytest.raises(Conflict, match="前置任务尚未完成"):
        services.approve_task(actor=hr, task_id=approval.pk)
    with nothing_written(), pytest.raises(NotFound, match="本部门没有后台任务"):
        services.approve_task(actor=hr, task_id=case.tasks.get(code="transfer").pk)
    services.approve_task(actor=social, task_id=case.tasks.get(code="transfer").pk)
    services.approve_task(actor=hr, task_id=approval.pk)
    ready = set(case.tasks.filter(status="ready").values_list("code", flat=True))
    assert ready == {"pension", "medins"}  # offered together, to their departments
    assert [t.code for t in services.work_list(social)] == ["pension"]


def test_verification_is_a_timed_request_to_a_known_department(guide, clerk, window1, social, hr):
    case = _transfer_case(guide, clerk, window1)
    task = case.tasks.get()
    with nothing_written(), pytest.raises(Invalid, match="没有部门"):
        services.request_verification(actor=social, task_id=task.pk, department="外星局", question="?")
    v = services.request_verification(
        actor=social, task_id=task.pk, department="rsj", question="核实劳动关系"
    )
    assert Task.objects.get(pk=task.pk).status == "on_hold"
    with pytest.raises(Conflict, match="核验中"):
        services.approve_task(actor=social, task_id=task.pk)
    assert [x.pk for x in services.verification_inbox(hr)] == [v.pk]
    services.answer_verification(actor=hr, verification_id=v.pk, confirmed=True, answer="属实")
    finished = journey_events().get(type="verification.finished")
    assert finished.data["confirmed"] is True and finished.data["seconds"] >= 0
    assert Task.objects.get(pk=task.pk).status == "ready"
    with pytest.raises(Conflict, match="已答复"):
        services.answer_verification(actor=hr, verification_id=v.pk, confirmed=True)


def test_return_needs_reasons_and_is_recorded(guide, clerk, window1, social):
    case = _transfer_case(guide, clerk, window1)
    task = case.tasks.get()
    with nothing_written(), pytest.raises(Invalid, match="理由"):
        services.return_task(actor=social, task_id=task.pk, reasons=" ")
    services.return_task(actor=social, task_id=task.pk, reasons="缴费凭证印章不清", to="citizen")
    assert Case.objects.get(pk=case.pk).status == "returned"
    assert journey_events().get(type="case.returned").data["to"] == "citizen"


def test_overdue_tasks_come_first(guide, clerk, window1, social):
    first = _transfer_case(guide, clerk, window1)
    second = _transfer_case(guide, clerk, window1)
    Task.objects.filter(case=second).update(due_at=clock.now() - timedelta(days=1))
    assert [t.case_id for t in services.work_list(social)] == [second.pk, first.pk]


def test_the_office_page(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    office = login("houtai1")
    task = case.tasks.get()
    page = office.get("/office/").content.decode()
    assert case.number in page and f"/office/tasks/{task.pk}/" in page  # the list leads to the task's page
    assert "审批通过" in office.get(f"/office/tasks/{task.pk}/").content.decode()
    office.post(f"/office/tasks/{task.pk}/approve/", {"note": "同意"})
    assert Case.objects.get(pk=case.pk).status == "completed"
    assert login("chuangkou1").get("/office/").status_code == 403


def test_office_and_delivery_through_the_api(guide, clerk, window1, hall):
    import json

    case = _transfer_case(guide, clerk, window1)
    office = login("houtai1")
    tasks = office.get("/api/cases/office/tasks").json()
    assert [t["case"] for t in tasks] == [case.number]
    bad = office.post(
        f"/api/cases/office/tasks/{tasks[0]['id']}/verify",
        json.dumps({"department": "外星局", "question": "?"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "没有部门" in bad.json()["detail"]
    approved = office.post(
        f"/api/cases/office/tasks/{tasks[0]['id']}/approve", "{}", content_type="application/json"
    )
    assert approved.status_code == 200 and approved.json()["status"] == "done"
    window = login("chuangkou1")
    assert case.number in window.get("/window/w1/").content.decode()  # listed to deliver
    window.post(f"/window/w1/cases/{case.pk}/deliver/", {"method": "pickup"})
    assert Case.objects.get(pk=case.pk).status == "delivered"
    again = window.post(
        f"/api/cases/{case.pk}/deliver", json.dumps({"method": "pickup"}), content_type="application/json"
    )
    assert again.status_code == 409


def test_the_promise_follows_the_longest_chain_of_tasks_not_the_first_one_started(guide, clerk, window1):
    """Seen in `make demo`: 退休 handed over on a Saturday promised 12月11日 — only 退休审批's own five working
    days — while 待遇核定 waits for it and takes five more. With the transfer (3 days) first: 3 + 5 + 5."""
    case = _retirement_case(guide, clerk, window1)
    by_code = {t.code: t for t in case.tasks.all()}
    transfer_due = by_code["transfer"].due_at
    expected = queueing.add_working_days(queueing.add_working_days(transfer_due, 5), 5)
    assert services.promised_by(case) == f"{clock.localtime(expected, case.hall.timezone):%Y年%m月%d日}前"
    assert services.promised_by(case) != f"{clock.localtime(transfer_due, case.hall.timezone):%Y年%m月%d日}前"


def test_the_promise_does_not_move_to_the_day_the_tasks_were_done(guide, clerk, window1):
    """The walk reprinted the receipt after every department approved on the same day: it promised that day."""
    case = _transfer_case(guide, clerk, window1)
    promised = services.promised_by(case)
    office = actor_for(get_user_model().objects.get(username="houtai1"))
    services.approve_task(actor=office, task_id=case.tasks.get().pk)
    case.refresh_from_db()
    assert case.status == "completed" and services.promised_by(case) == promised


def test_a_bundle_case_is_listed_at_the_window_by_its_bundle_not_its_first_matter(guide, clerk, window1):
    """The walk read 退休一件事 as “企业职工退休申请（退休审批）” in every window list."""
    case = _retirement_case(guide, clerk, window1)
    assert case.status == Case.Status.IN_PROGRESS  # listed among the window's 在办件
    page = login("chuangkou1").get("/window/w1/").content.decode()
    assert f"<b>{case.number}</b></a> 退休一件事" in page
    assert f"<b>{case.number}</b></a> 企业职工退休申请" not in page
