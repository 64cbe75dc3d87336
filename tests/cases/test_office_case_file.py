"""The back office sees what it approves: a task's page shows its case file, to its own department only."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts import roles
from onevisit.accounts.models import Hall, Staff
from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case, Task
from onevisit.core import clock
from onevisit.core.errors import NotFound
from onevisit.intake import services as intake
from onevisit.queueing import services as queueing
from tests.conftest import hall_supervisor, login, nothing_written
from tests.journey import called, everything_for, handed_over

pytestmark = pytest.mark.django_db

RID = "11010519491231002X"


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


def _transfer_case(guide, clerk, window):
    t = called(guide, clerk, window, "gxzy")
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))


def _retirement_with_tolerance(guide, clerk, window):
    """退休 for 赵丽华, everything brought but the tolerable transfer application form, promised in three days."""
    answers = {"transferred": True}
    present = [m for m in everything_for("retirement", answers) if m != "sqb"]
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="retirement",
        answers=answers,
        present=present,
        name="赵丽华",
        resident_id=RID,
        phone="13912345678",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=3),
    )
    assert queueing.call_next(window=window, actor=clerk) == pr.ticket
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=pr.ticket.token))


def test_a_task_page_shows_the_case_file_masked(guide, clerk, window1):
    case = _retirement_with_tolerance(guide, clerk, window1)
    task = case.tasks.get(code="transfer")
    page = login("houtai1").get(f"/office/tasks/{task.pk}/").content.decode()
    assert "赵**" in page and "1101**********002X" in page and "139****5678" in page  # the masked applicant
    assert RID not in page and "13912345678" not in page and "赵丽华" not in page
    assert "容缺受理" in page  # the pre-review's verdict
    assert "关系转移接续申请表" in page and "容缺待补" in page  # the materials as the desk checked them
    assert "职工退休申请表" in page and "已收" in page and "免提交" in page
    assert "容缺承诺" in page
    assert "一表（合并申请表）" in page and "公民身份号码" in page and "转出地" in page  # the merged form
    assert "办理经过" in page and "受理（第1次到访" in page  # the history
    assert "审批通过" in page and "发起跨部门核验" in page  # the decisions, beside what they decide on


def test_the_api_gives_the_same_case_file(guide, clerk, window1):
    case = _retirement_with_tolerance(guide, clerk, window1)
    task = case.tasks.get(code="transfer")
    body = login("houtai1").get(f"/api/cases/office/tasks/{task.pk}").json()
    assert body["applicant"] == {
        "name": "赵**",
        "resident_id_masked": "1101**********002X",
        "phone_masked": "139****5678",
    }
    assert body["verdict"] == "容缺受理" and body["case"]["number"] == case.number
    states = {m["name"]: m["state"] for m in body["materials"]}
    assert states["关系转移接续申请表"] == "容缺待补" and states["职工退休申请表"] == "已收"
    assert RID not in json.dumps(body, ensure_ascii=False) and "13912345678" not in json.dumps(body)
    assert [h["kind"] for h in body["history"]][:1] == ["visit"]


def test_another_departments_task_is_not_found_on_pages_and_api_and_nothing_leaks(guide, clerk, window1):
    case = _retirement_with_tolerance(guide, clerk, window1)
    social_task = case.tasks.get(code="transfer")  # 区社会保险经办机构
    hr = login("houtai2")  # 区人力资源和社会保障局
    page = hr.get(f"/office/tasks/{social_task.pk}/")
    assert page.status_code == 404
    text = page.content.decode()
    assert case.number not in text and "赵" not in text and "110105" not in text
    assert hr.get(f"/api/cases/office/tasks/{social_task.pk}").status_code == 404
    assert case.number not in hr.get("/office/").content.decode()
    assert hr.get("/api/cases/office/tasks").json() == []
    with nothing_written():
        for action, data in (
            ("approve", {}),
            ("return", {"reasons": "x"}),
            ("verify", {"department": "rsj", "question": "x"}),
        ):
            assert hr.post(f"/office/tasks/{social_task.pk}/{action}/", data).status_code == 404
    assert Task.objects.get(pk=social_task.pk).status == "ready"
    # a window clerk has no back-office role at all; the hall admin sees every department
    assert login("chuangkou1").get(f"/office/tasks/{social_task.pk}/").status_code == 403
    assert login("chuangkou1").get(f"/api/cases/office/tasks/{social_task.pk}").status_code == 403
    assert hall_supervisor().get(f"/office/tasks/{social_task.pk}/").status_code == 200


def test_a_task_of_another_hall_is_not_found(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    other = Hall.objects.create(code="other", name="另一大厅")
    staff = Staff.objects.get(user__username="houtai1")
    Staff.objects.filter(pk=staff.pk).update(hall=other)
    assert login("houtai1").get(f"/office/tasks/{case.tasks.get().pk}/").status_code == 404


def test_office_staff_without_a_department_see_no_case(guide, clerk, window1):
    """A back-office account nobody gave a department is not a whole-hall account: it sees nothing."""
    case = _transfer_case(guide, clerk, window1)
    Staff.objects.filter(user__username="houtai1").update(department=None)
    nobody = _actor("houtai1")
    assert services.work_list(nobody) == [] and services.verification_inbox(nobody) == []
    with pytest.raises(NotFound):
        services.office_task(actor=nobody, task_id=case.tasks.get().pk)
    assert roles.HALL_ADMIN in _actor("admin").roles and services.work_list(_actor("admin"))


def test_a_verification_is_answered_only_by_the_department_asked(guide, clerk, window1):
    case = _transfer_case(guide, clerk, window1)
    social, hr = _actor("houtai1"), _actor("houtai2")
    v = services.request_verification(
        actor=social,
        task_id=case.tasks.get().pk,
        department="rsj",
        question="核实劳动关系",
    )
    assert services.verification_inbox(social) == []
    with nothing_written(), pytest.raises(NotFound):
        services.answer_verification(actor=social, verification_id=v.pk, confirmed=True)
    assert (
        login("houtai1").post(f"/office/verifications/{v.pk}/answer/", {"confirmed": "yes"}).status_code
        == 404
    )
    services.answer_verification(actor=hr, verification_id=v.pk, confirmed=True)
    assert Case.objects.get(pk=case.pk).tasks.get().status == "ready"


def test_department_scope_is_decided_in_one_place(monkeypatch, guide, clerk, window1):
    """Work lists, inboxes, pages and decisions all ask accounts.services.department_scope: a change of how
    departments are stored touches that function alone."""
    from onevisit.accounts import services as accounts
    from onevisit.cases import backoffice

    case = _transfer_case(guide, clerk, window1)
    calls = []
    real = accounts.department_scope

    def spy(actor, lookup="department"):
        calls.append(lookup)
        return real(actor, lookup)

    monkeypatch.setattr(backoffice, "department_scope", spy)
    social = _actor("houtai1")
    services.work_list(social)
    services.verification_inbox(social)
    services.office_task(actor=social, task_id=case.tasks.get().pk)
    services.approve_task(actor=social, task_id=case.tasks.get().pk)
    assert calls == ["department", "to_department", "department", "department"]
