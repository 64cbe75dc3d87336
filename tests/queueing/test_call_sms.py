"""A call tells the citizen by SMS where to go, and the one now a few places from the front to come back (issue 17):
numbers and window names only, never a name; a reminder honours 退订; a phone hears at most so many an hour."""

from __future__ import annotations

import pytest

from onevisit.core import notify, people
from onevisit.core.models import Notification
from onevisit.queueing import services as queueing
from tests.factories import resident_id

pytestmark = pytest.mark.django_db


def _ticket(hall, guide, phone: str, name: str = "赵六"):
    person = people.register(people.check_identity(name=name, resident_id=resident_id(), phone=phone))
    return queueing.issue_ticket(hall=hall, matter=_matter(hall), person=person, actor=guide)


def _matter(hall):
    return hall.windows.get(code="w1").queues.order_by("prefix").first().matters.order_by("code").first()


def test_the_called_citizen_is_told_where_to_go_and_the_fourth_in_line_to_come_back(
    hall, guide, clerk, window1, settings, sms
):
    settings.ONEVISIT_SMS_SOON_AHEAD = 3
    phones = [f"1371234{n:04d}" for n in range(6)]
    tickets = [_ticket(hall, guide, phone) for phone in phones]
    called = queueing.call_next(window=window1, actor=clerk)
    assert called == tickets[0]
    assert sms.to(phones[0]) == [f"【{hall.name}】请 {called.number} 号到{window1.name}办理。"]
    # after the call, tickets[1..3] wait ahead of tickets[4]
    assert sms.to(phones[4]) == [
        f"【{hall.name}】{tickets[4].number} 号前面还有 3 人，请回到叫号屏附近等候。"
    ]
    assert all(sms.to(phone) == [] for phone in phones[1:4] + phones[5:])
    assert all("赵六" not in text for phone in phones for text in sms.to(phone))
    assert set(Notification.objects.values_list("kind", "status")) == {("called", "sent"), ("soon", "sent")}


def test_a_citizen_who_opted_out_gets_no_reminder_but_a_booking_answer_still_goes(
    hall, guide, clerk, window1, sms
):
    ticket = _ticket(hall, guide, "13712340100")
    ticket.person.sms_opt_out = True
    ticket.person.save()
    queueing.call_next(window=window1, actor=clerk)
    assert sms.to("13712340100") == []
    assert notify.tell(ticket.person, kind="booking", text="预约结果").status == "sent"


def test_a_citizen_without_a_phone_is_called_without_a_message(hall, guide, clerk, window1, sms):
    person = people.register(people.check_resident_id(resident_id()))  # known by the ID alone
    queueing.issue_ticket(hall=hall, matter=_matter(hall), person=person, actor=guide)
    assert queueing.call_next(window=window1, actor=clerk) is not None
    assert not Notification.objects.exists()


def test_a_phone_hears_at_most_so_many_messages_an_hour_and_the_rest_are_recorded_unsent(settings, sms):
    settings.ONEVISIT_SMS_PER_PHONE_HOUR = 3
    rows = [notify.queue(phone="13712340200", text=f"第 {n} 条", kind="booking") for n in range(5)]
    assert [r.status for r in rows] == ["sent"] * 3 + ["skipped"] * 2
    assert sms.to("13712340200") == ["第 0 条", "第 1 条", "第 2 条"]
    assert all(r.phone_sealed == "" and r.phone_masked == "137****0200" for r in rows)


def test_a_message_that_names_the_citizen_or_holds_a_number_is_refused_before_anything_is_kept(sms):
    person = people.register(
        people.check_identity(name="孙八", resident_id=resident_id(), phone="13712340300")
    )
    with pytest.raises(ValueError):
        notify.tell(person, kind="called", text="孙八请到1号窗口")
    with pytest.raises(ValueError):
        notify.queue(phone="13712340300", text=f"证件 {resident_id()}", kind="called")
    assert not Notification.objects.exists() and sms.to("13712340300") == []
