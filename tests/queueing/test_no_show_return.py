"""过号之后: a returning citizen is recalled at the window or rejoins the queue at the desk, keeping the ticket."""

from datetime import timedelta
from unittest import mock

import pytest

from onevisit.core import clock
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.queueing import services
from onevisit.queueing.models import Ticket
from tests.conftest import journey_events, nothing_written
from tests.journey import ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("daytime")]


def _no_show(guide, clerk, window):
    """A001 called and marked 过号 at `window`, with A002 and A003 waiting behind it."""
    first, second, third = (ticket(guide, "cbdj") for _ in range(3))
    assert services.call_next(window=window, actor=clerk) == first
    services.mark_no_show(window=window, ticket_id=first.pk, actor=clerk)
    return first, second, third


def _later(minutes: int):
    return mock.patch("onevisit.core.clock.now", return_value=clock.now() + timedelta(minutes=minutes))


def test_back_within_the_grace_rejoins_at_its_original_arrival(guide, clerk, window1, settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 30
    first, second, _ = _no_show(guide, clerk, window1)
    with _later(10):
        back = services.requeue_no_show(hall=window1.hall, code="A001", actor=guide)
    assert back.pk == first.pk and back.number == "A001" and back.status == Ticket.Status.WAITING
    assert services.waiting_ahead(back) == 0
    assert services.call_next(window=window1, actor=clerk) == first
    event = journey_events().get(type="ticket.requeued")
    assert event.data["rule"] == "original" and event.data["absent_minutes"] == 10
    assert event.actor == "daoban" and event.ticket == str(first.pk)


def test_back_after_the_grace_goes_behind_everyone_waiting_then(guide, clerk, window1, settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 30
    first, second, third = _no_show(guide, clerk, window1)
    with _later(31):
        back = services.requeue_no_show(hall=window1.hall, code=first.token, actor=guide)
        assert services.waiting_ahead(back) == 2
    later = ticket(guide, "cbdj")  # issued after the return (now, i.e. after clock + 31 min is over)
    with _later(40):
        later.issued_at = clock.now()
        later.save(update_fields=["issued_at"])
    order = [services.call_next(window=window1, actor=clerk) for _ in range(4)]
    assert order == [second, third, first, later]
    assert journey_events().get(type="ticket.requeued").data["rule"] == "behind_waiting"
    assert Ticket.objects.get(pk=first.pk).issued_at == first.issued_at  # the arrival itself is kept


def test_a_grace_of_zero_always_sends_the_returning_ticket_behind(guide, clerk, window1, settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 0
    first, *_ = _no_show(guide, clerk, window1)
    with _later(1):
        assert (
            services.waiting_ahead(services.requeue_no_show(hall=window1.hall, code="A001", actor=guide)) == 2
        )


def test_only_a_no_show_can_rejoin(guide, clerk, window1):
    _, second, _ = _no_show(guide, clerk, window1)
    with nothing_written(), pytest.raises(Conflict, match="A002 等候中，不是过号"):
        services.requeue_no_show(hall=window1.hall, code="A002", actor=guide)
    with nothing_written(), pytest.raises(NotFound, match="未找到小票 A999"):
        services.requeue_no_show(hall=window1.hall, code="A999", actor=guide)


def test_window_recalls_a_returning_no_show_and_accepts_it(guide, clerk, window1):
    first, *_ = _no_show(guide, clerk, window1)
    assert [t.number for t in services.recent_no_shows(window1.hall, window=window1)] == ["A001"]
    back = services.recall_no_show(window=window1, ticket_id=first.pk, actor=clerk)
    assert back.status == Ticket.Status.CALLED and back.called_window == window1
    assert services.recent_no_shows(window1.hall, window=window1) == []
    calls = journey_events().filter(type="ticket.called", ticket=str(first.pk)).order_by("id")
    assert [e.data.get("returned", False) for e in calls] == [False, True]
    assert services.claim_for_window(ticket=back, window=window1).status == Ticket.Status.SERVED


def test_window_cannot_recall_a_no_show_of_a_queue_it_does_not_serve(guide, clerk, clerk2, window1, window2):
    first, *_ = _no_show(guide, clerk, window1)  # queue A: window 2 serves B and C only
    with nothing_written(), pytest.raises(Invalid, match="不服务队列"):
        services.recall_no_show(window=window2, ticket_id=first.pk, actor=clerk2)
    waiting = ticket(guide, "cbdj")
    with nothing_written(), pytest.raises(Conflict, match="不是过号"):
        services.recall_no_show(window=window1, ticket_id=waiting.pk, actor=clerk)


def test_the_rule_is_stated_in_plain_words(settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 20
    rule = services.no_show_rule()
    assert "20 分钟内" in rule and "原取号时间" in rule and "号码不变" in rule
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 0
    assert "排在当时等候的所有人之后" in services.no_show_rule() and "分钟内" not in services.no_show_rule()
