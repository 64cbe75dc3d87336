"""Regressions from review: each of these once misbehaved."""

from functools import partial

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case, Task
from onevisit.core import people
from onevisit.core.errors import Conflict
from onevisit.queueing.models import Queue
from tests.conftest import at_once, login, nothing_written
from tests.factories import resident_id
from tests.journey import called, everything_for, handed_over

pytestmark = pytest.mark.django_db


def _actor(username):
    return actor_for(get_user_model().objects.get(username=username))


def _gxzy_case(guide, clerk, window, **kw):
    t = called(guide, clerk, window, "gxzy", **kw)
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=t.token))


def test_a_continued_case_completes_when_its_new_tasks_are_done(guide, clerk, window1, hall):
    case = _gxzy_case(guide, clerk, window1)
    services.continue_into(
        actor=clerk,
        case_id=case.pk,
        bundle_code="retirement",
        answers={"transferred": True},
        present=everything_for("retirement", {"transferred": True}),
    )
    handed_over(clerk, case)  # the added matters leave the window too
    admin = _actor("admin")  # no department: sees every task
    for _ in range(10):
        ready = case.tasks.filter(status="ready").first()
        if ready is None:
            break
        services.approve_task(actor=admin, task_id=ready.pk)
    assert Case.objects.get(pk=case.pk).status == "completed"
    assert dict(case.tasks.values_list("code", "after"))["approval"] == [
        "gxzy"
    ]  # waits for the existing task


def test_a_returned_task_cannot_come_back_through_a_late_verification_answer(guide, clerk, window1):
    case = _gxzy_case(guide, clerk, window1)
    social, hr = _actor("houtai1"), _actor("houtai2")
    task = case.tasks.get()
    v = services.request_verification(actor=social, task_id=task.pk, department="rsj", question="劳动关系")
    services.return_task(actor=social, task_id=task.pk, reasons="材料不符，联系电话13812345678")  # no 500
    with pytest.raises(Conflict, match="已答复|不在核验中"):
        services.answer_verification(actor=hr, verification_id=v.pk, confirmed=True)
    assert Task.objects.get(pk=task.pk).status == "returned"


def test_a_delivered_case_cannot_be_continued(guide, clerk, window1):
    case = _gxzy_case(guide, clerk, window1)
    services.approve_task(actor=_actor("houtai1"), task_id=case.tasks.get().pk)
    services.deliver(actor=clerk, case_id=case.pk, method="pickup")
    with nothing_written(), pytest.raises(Conflict, match="不能接续"):
        services.continue_into(actor=clerk, case_id=case.pk, bundle_code="retirement")


def test_check_in_does_not_redirect_off_site(guide_client):
    response = guide_client.post("/guide/check-in/", {"code": "NOPE", "back": "https://evil.example/x"})
    assert response.status_code == 302 and response["Location"] == "/guide/"


def test_online_booking_never_rewrites_a_known_citizen(client, hall):
    rid = resident_id()
    known = people.register(people.check_identity(name="本人", resident_id=rid, phone="13811112222"))
    slot = Queue.objects.get(hall=hall, prefix="B").slots.first()
    client.post(
        "/book/demo/",
        {"slot": slot.pk, "matter": "gxzy", "name": "冒名", "resident_id": rid, "phone": "13900000000"},
    )
    known.refresh_from_db()
    assert known.name == "本人" and known.phone == "13811112222"
    with nothing_written():
        assert (
            client.post(
                "/book/demo/",
                {
                    "slot": "²",
                    "matter": "gxzy",
                    "name": "张三",
                    "resident_id": resident_id(),
                    "phone": "13900000000",
                },
            ).status_code
            == 422
        )


def test_a_clerk_works_at_their_own_window(hall):
    response = login("chuangkou1").post(
        "/api/queueing/windows/w2/call-next", "{}", content_type="application/json"
    )
    assert response.status_code == 403 and "2号窗口" in response.json()["detail"]


@pytest.mark.django_db(transaction=True)
def test_parallel_approvals_of_the_last_two_tasks_complete_the_case(hall):
    """Two departments approve the two last parallel tasks at the same moment: the case still completes."""

    from onevisit.cases.models import Case
    from tests.conftest import load_seed_catalog

    load_seed_catalog()
    guide, clerk, admin = _actor("daoban"), _actor("chuangkou1"), _actor("admin")
    window = clerk.staff.window
    cases = []
    for _ in range(3):
        case = _gxzy_case(guide, clerk, window)
        services.continue_into(
            actor=clerk,
            case_id=case.pk,
            bundle_code="retirement",
            answers={"transferred": False},
            present=everything_for("retirement", {"transferred": False}),
        )
        handed_over(clerk, case)
        for code in ("gxzy", "approval"):
            services.approve_task(actor=admin, task_id=case.tasks.get(code=code).pk)
        cases.append(case)
    for case in cases:
        ids = list(case.tasks.filter(status="ready").values_list("pk", flat=True))
        assert len(ids) == 2  # pension and medical insurance, in parallel
        results = at_once(*(partial(services.approve_task, actor=admin, task_id=i) for i in ids), timeout=60)
        assert not [r for r in results if isinstance(r, BaseException)], results
    assert [Case.objects.get(pk=c.pk).status for c in cases] == ["completed"] * 3


def test_a_tolerable_material_added_by_the_bundle_can_be_promised(guide, clerk, window1, hall):
    """公司住所变更: the bundle adds 住所使用证明 (tolerable); accepting without it records the commitment."""
    from datetime import timedelta

    from onevisit.catalog.models import Matter
    from onevisit.core import clock
    from onevisit.intake import services as intake
    from onevisit.queueing import services as queueing

    Queue.objects.get(hall=hall, prefix="A").matters.add(Matter.objects.get(code="company-change-reg"))
    answers = {"change_type": "address"}
    checklist = intake.checklist(bundle_code="company-change", answers=answers)
    present = [m.code for m in checklist.materials if m.code != "zscl"]
    pr = intake.submit_prereview(
        actor=guide,
        bundle_code="company-change",
        answers=answers,
        present=present,
        name="李老板",
        resident_id=resident_id(),
        phone="13700001111",
        commitment_signed=True,
        tolerance_due=clock.local_date() + timedelta(days=5),
    )
    assert pr.verdict == "tolerance" and pr.missing == ["zscl"]
    assert queueing.call_next(window=window1, actor=clerk) == pr.ticket
    case = services.accept(actor=clerk, window=window1, code=pr.ticket.token)
    assert list(case.commitments.values_list("material", flat=True)) == ["zscl"]
