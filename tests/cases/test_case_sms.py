"""The citizen hears by SMS what happens to their case away from the window (issue 17): 退回补正 sent to them, the
case finished in the back office, its result sent out. Case numbers and window names only; never the reasons (free
text), a tracking number a clerk typed, or a name."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.core.models import Notification
from tests.journey import called, fill_form, handed_over

pytestmark = pytest.mark.django_db

PHONE = "13812345678"  # the journey's pre-review phone


@pytest.fixture
def social(hall):
    return actor_for(get_user_model().objects.get(username="houtai1"))


def _case(guide, clerk, window):
    ticket = called(guide, clerk, window, "gxzy")  # a back-office task
    return handed_over(clerk, services.accept(actor=clerk, window=window, code=ticket.token))


def _texts(kind: str) -> list[str]:
    return list(Notification.objects.filter(kind=kind, status="sent").values_list("text", flat=True))


def test_a_return_to_the_citizen_a_back_office_completion_and_a_delivery_each_send_one_message(
    guide, clerk, window1, social, sms, hall
):
    case = _case(guide, clerk, window1)
    task = case.tasks.get()
    services.return_task(actor=social, task_id=task.pk, reasons="缴费凭证印章不清，张三请补正", to="citizen")
    (returned,) = _texts("returned")
    assert (
        returned
        == f"【{hall.name}】办件 {case.number} 需要补正，请联系{window1.name}或到大厅查看需补正的内容。"
    )
    assert "印章" not in returned and "张三" not in returned
    services.correct(actor=clerk, case_id=case.pk, via="window", window=window1)
    services.approve_task(actor=social, task_id=case.tasks.get().pk)
    (ready,) = _texts("ready")
    assert f"办件 {case.number}" in ready and "已办结" in ready and window1.name in ready
    services.deliver(actor=clerk, case_id=case.pk, method="mail", tracking_number="13912345678")
    (delivered,) = _texts("delivered")
    assert delivered == f"【{hall.name}】办件 {case.number} 已出件（邮寄）。"
    assert [text for text in sms.to(PHONE) if "办件" in text] == [returned, ready, delivered]


def test_a_return_to_the_window_and_a_completion_at_the_window_send_nothing(
    guide, clerk, window1, social, sms
):
    case = _case(guide, clerk, window1)
    services.return_task(actor=social, task_id=case.tasks.get().pk, reasons="材料不全", to="window")
    ticket = called(guide, clerk, window1, "cbdj")
    quick = services.accept(actor=clerk, window=window1, code=ticket.token)
    fill_form(clerk, quick)
    assert services.complete(actor=clerk, case_id=quick.pk).status == "completed"
    assert not Notification.objects.filter(kind__in=["returned", "ready", "delivered"]).exists()


def test_a_citizen_is_reminded_once_the_day_before_a_tolerated_material_is_due(
    guide, clerk, window1, hall, sms
):
    """容缺补交提醒, the periodic job: tomorrow's and today's open commitments, once each; not those supplied or
    further off."""
    from datetime import timedelta

    from onevisit.cases import tolerance
    from onevisit.cases.models import Commitment
    from onevisit.core import clock, jobs

    assert ("容缺补交提醒", tolerance.REMIND) in [(p.name, p.func) for p in jobs.PERIODIC]
    ticket = called(guide, clerk, window1, "cbdj")
    case = services.accept(actor=clerk, window=window1, code=ticket.token)
    today = clock.local_date(hall.timezone)
    hkb = Commitment.objects.create(case=case, material="hkb", name="户口簿", due=today + timedelta(days=1))
    far = Commitment.objects.create(case=case, material="zp", name="照片", due=today + timedelta(days=5))
    Commitment.objects.create(
        case=case, material="sfz", name="身份证", due=today, status=Commitment.Status.SUPPLIED
    )
    assert tolerance.remind_due_commitments() == 1
    (text,) = [t for t in sms.to(PHONE) if "容缺" in t]
    tomorrow = today + timedelta(days=1)
    assert (
        text
        == f"【{hall.name}】办件 {case.number} 的容缺材料「户口簿」请于{tomorrow.month}月{tomorrow.day}日前补交。"
    )
    assert tolerance.remind_due_commitments() == 0, "once per commitment"
    far.refresh_from_db()
    hkb.refresh_from_db()
    assert far.reminded_at is None and hkb.reminded_at is not None
