"""核验: the answer (属实 / 不符, with its text) reaches the asking task and the case page; every request has a
deadline and an overdue one is flagged; durations read as people say them."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Verification
from onevisit.core import clock
from onevisit.core.errors import Invalid
from onevisit.queueing import services as queueing
from tests.conftest import journey_events, login, nothing_written
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db

HR, HR_CODE = "区人力资源和社会保障局", "rsj"


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


def _asked(guide, clerk, window, *, due_days=1):
    t = called(guide, clerk, window, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))
    v = services.request_verification(
        actor=_actor("houtai1"),
        task_id=case.tasks.get().pk,
        department=HR_CODE,
        question="核实与原单位的劳动关系",
        due_days=due_days,
    )
    return case, v


def test_each_request_has_a_deadline_in_working_days(guide, clerk, window1):
    _, v = _asked(guide, clerk, window1, due_days=3)
    assert v.due_at == queueing.add_working_days(v.requested_at, 3)
    assert journey_events().get(type="verification.started").data["due"] == v.due_at.isoformat()


def test_a_bad_deadline_or_a_mismatch_without_its_reason_is_refused_and_writes_nothing(guide, clerk, window1):
    t = called(guide, clerk, window1, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))
    with nothing_written(), pytest.raises(Invalid) as err:
        services.request_verification(
            actor=_actor("houtai1"),
            task_id=case.tasks.get().pk,
            department=HR_CODE,
            question="核实",
            due_days=30,
        )
    assert list(err.value.errors) == ["due_days"]
    office = login("houtai1")
    with nothing_written():
        page = office.post(
            f"/office/tasks/{case.tasks.get().pk}/verify/",
            {"department": HR_CODE, "question": "核实", "due_days": "abc"},
        )
    assert page.status_code == 422 and 'aria-describedby="verify-due-error"' in page.content.decode()
    v = services.request_verification(
        actor=_actor("houtai1"), task_id=case.tasks.get().pk, department=HR_CODE, question="核实"
    )
    with nothing_written(), pytest.raises(Invalid) as err:
        services.answer_verification(
            actor=_actor("houtai2"), verification_id=v.pk, confirmed=False, answer=" "
        )
    assert list(err.value.errors) == ["answer"]
    with nothing_written():
        page = login("houtai2").post(
            f"/office/verifications/{v.pk}/answer/", {"confirmed": "no", "answer": ""}
        )
    assert page.status_code == 422 and "核验不符须写明不符的情况" in page.content.decode()


def test_the_answer_reaches_the_asking_task_and_the_case_page(guide, clerk, window1):
    case, v = _asked(guide, clerk, window1)
    services.answer_verification(
        actor=_actor("houtai2"),
        verification_id=v.pk,
        confirmed=False,
        answer="原单位无该职工劳动合同备案，联系人13700001111",
    )
    task = case.tasks.get()
    office = login("houtai1")
    listed = office.get("/office/").content.decode()
    assert "不符" in listed and "原单位无该职工劳动合同备案" in listed  # on the asking department's work list
    page = office.get(f"/office/tasks/{task.pk}/").content.decode()
    assert "核验不符" in page and "原单位无该职工劳动合同备案" in page and "137****1111" in page
    assert "13700001111" not in page
    window = login("chuangkou1").get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "核验不符：原单位无该职工劳动合同备案" in window and f"{HR}答复" in window
    body = office.get(f"/api/cases/office/tasks/{task.pk}").json()
    (answered,) = body["verifications"]
    assert answered["confirmed"] is False and answered["answer"].startswith("原单位无该职工劳动合同备案")
    assert "13700001111" not in json.dumps(body)


def test_a_confirmed_answer_reads_as_such(guide, clerk, window1):
    case, v = _asked(guide, clerk, window1)
    services.answer_verification(
        actor=_actor("houtai2"), verification_id=v.pk, confirmed=True, answer="劳动关系属实"
    )
    page = login("houtai1").get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()
    assert "核验属实" in page and "劳动关系属实" in page


def test_overdue_requests_are_flagged_where_they_are_awaited_and_where_they_were_asked(guide, clerk, window1):
    case, v = _asked(guide, clerk, window1)
    inbox = login("houtai2").get("/office/").content.decode()
    assert "已超期" not in inbox
    Verification.objects.filter(pk=v.pk).update(due_at=clock.now() - timedelta(hours=1))
    inbox = login("houtai2").get("/office/").content.decode()
    assert "已超期" in inbox.split("待答复的核验请求", 1)[1]
    asked = login("houtai1")
    assert "核验超期" in asked.get("/office/").content.decode()
    assert "核验超期" in asked.get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()
    assert "核验已超期未答复" in login("chuangkou1").get(f"/window/w1/cases/{case.pk}/").content.decode()
    services.answer_verification(actor=_actor("houtai2"), verification_id=v.pk, confirmed=True)
    assert journey_events().get(type="verification.finished").data["overdue"] is True
    assert "逾期答复" in asked.get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()


def test_a_quick_answer_reads_in_seconds_not_hours(guide, clerk, window1, monkeypatch):
    case, v = _asked(guide, clerk, window1)
    later = v.requested_at + timedelta(seconds=38)
    monkeypatch.setattr(clock, "now", lambda: later)
    services.answer_verification(actor=_actor("houtai2"), verification_id=v.pk, confirmed=True)
    page = login("houtai1").get(f"/office/tasks/{case.tasks.get().pk}/").content.decode()
    assert "用时 38 秒" in page and "小时" not in page.split("本环节", 1)[1].split("办理经过", 1)[0]
