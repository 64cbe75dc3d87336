from datetime import timedelta
from functools import partial

import pytest
from django.db import connection

from onevisit.accounts.models import Window
from onevisit.core.errors import Invalid, NotFound
from onevisit.core.models import Event
from onevisit.queueing import services
from onevisit.queueing.models import Queue, Ticket
from tests.conftest import at_once, nothing_written
from tests.journey import ticket


def test_call_next_takes_the_earliest_ticket_of_the_windows_queues(guide, clerk, window1):
    c1 = ticket(guide, "jfhd")  # queue C: not served by window 1
    a1 = ticket(guide, "cbdj")
    b1 = ticket(guide, "gxzy")
    assert services.call_next(window=window1, actor=clerk) == a1
    assert services.call_next(window=window1, actor=clerk) == b1
    assert services.call_next(window=window1, actor=clerk) is None
    c1.refresh_from_db()
    assert c1.status == Ticket.Status.WAITING


def test_priority_comes_before_arrival(guide, clerk, window1):
    first = ticket(guide, "cbdj")
    urgent = ticket(guide, "cbdj")
    Ticket.objects.filter(pk=urgent.pk).update(priority=2)
    assert services.call_next(window=window1, actor=clerk) == urgent
    assert services.call_next(window=window1, actor=clerk) == first


def test_the_call_is_an_event_with_the_wait(guide, clerk, window1):
    t = ticket(guide, "cbdj")
    services.call_next(window=window1, actor=clerk)
    event = Event.objects.get(type="ticket.called")
    assert (event.window, event.ticket, event.matter, event.queue) == ("w1", str(t.pk), "cbdj", "cbdj")
    assert event.actor == "chuangkou1" and event.data["waited_seconds"] >= 0


def test_yesterdays_tickets_are_not_called_today(guide, clerk, window1):
    t = ticket(guide, "cbdj")
    Ticket.objects.filter(pk=t.pk).update(service_day=t.service_day - timedelta(days=1))
    assert services.call_next(window=window1, actor=clerk) is None


def test_a_window_with_no_queue_is_told_so(clerk, hall):
    bare = Window.objects.create(hall=hall, code="w9", name="9号窗口")
    with nothing_written(), pytest.raises(Invalid, match="未分配任何队列"):
        services.call_next(window=bare, actor=clerk)


def test_waiting_ahead_counts_tickets_before_this_one(guide):
    tickets = [ticket(guide, "cbdj") for _ in range(3)]
    assert [services.waiting_ahead(t) for t in tickets] == [0, 1, 2]


def test_find_ticket_by_token_or_typed_number(guide, hall):
    t = ticket(guide, "cbdj")
    assert services.find_ticket(hall=hall, code=t.token.lower()) == t
    assert services.find_ticket(hall=hall, code=" a001 ") == t
    with pytest.raises(NotFound, match="未找到小票"):
        services.find_ticket(hall=hall, code="ZZZZZZZZZZZZ")


@pytest.mark.django_db(transaction=True)
def test_concurrent_windows_never_call_the_same_ticket(hall):
    """8 windows call at once against 200 tickets: every ticket is called exactly once."""
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for
    from tests.journey import prereview

    guide = actor_for(get_user_model().objects.get(username="daoban"))
    clerk = actor_for(get_user_model().objects.get(username="chuangkou3"))
    queue = Queue.objects.get(hall=hall, prefix="A")
    windows = [Window.objects.create(hall=hall, code=f"c{i}", name=f"并发{i}") for i in range(8)]
    queue.windows.add(*windows)
    for _ in range(200):
        prereview(guide, "cbdj")

    def drain(window_pk: int) -> list[int]:
        window, called = Window.objects.get(pk=window_pk), []
        while (t := services.call_next(window=window, actor=clerk)) is not None:
            called.append(t.pk)
        return called

    calls = at_once(*(partial(drain, w.pk) for w in windows))
    assert not [c for c in calls if isinstance(c, BaseException)], calls
    called = [pk for per_window in calls for pk in per_window]
    assert len(called) == 200 and len(set(called)) == 200
    assert Ticket.objects.filter(status=Ticket.Status.CALLED).count() == 200
    per_ticket = Event.objects.filter(type="ticket.called").values_list("ticket", flat=True)
    assert sorted(per_ticket) == sorted(str(pk) for pk in called)
    if connection.vendor == "postgresql":
        assert sum(1 for c in calls if c) > 1, "on PostgreSQL the windows should share the work"
