"""Recall, no-show, transfer, pause, calling one queue, estimated wait, the board."""

import pytest

from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.queueing import services
from onevisit.queueing.models import Queue, Ticket
from tests.conftest import journey_events, nothing_written
from tests.journey import called, ticket

pytestmark = pytest.mark.django_db


def test_recall_then_no_show_after_the_queues_limit(guide, clerk, window1):
    t = called(guide, clerk, window1)
    limit = t.queue.max_recalls
    for n in range(1, limit + 1):
        assert services.recall(window=window1, ticket_id=t.pk, actor=clerk).recalls == n
    assert services.recall(window=window1, ticket_id=t.pk, actor=clerk).status == Ticket.Status.NO_SHOW
    assert journey_events().filter(type="ticket.recalled").count() == limit
    assert journey_events().filter(type="ticket.no_show").count() == 1
    with nothing_written(), pytest.raises(Conflict, match="当前不是叫到"):
        services.recall(window=window1, ticket_id=t.pk, actor=clerk)


def test_transfer_keeps_the_arrival_time(guide, clerk, clerk2, window1, window2):
    early = called(guide, clerk, window1, "gxzy")  # queue B
    later = ticket(guide, "jfhd")  # queue C, issued after
    moved = services.transfer(window=window1, ticket_id=early.pk, queue_code="jfhd", actor=clerk)
    assert moved.queue.prefix == "C" and moved.status == "waiting" and moved.issued_at == early.issued_at
    assert services.call_next(window=window2, actor=clerk2, queue_code="jfhd") == early  # arrived first
    assert services.call_next(window=window2, actor=clerk2, queue_code="jfhd") == later
    with pytest.raises(NotFound):
        services.transfer(window=window2, ticket_id=later.pk, queue_code="nosuch", actor=clerk2)


def test_a_window_calls_only_its_own_queues(guide, clerk, window1):
    ticket(guide, "jfhd")
    with nothing_written(), pytest.raises(Invalid, match="不服务队列"):
        services.call_next(window=window1, actor=clerk, queue_code="jfhd")


def test_a_paused_window_cannot_call(guide, clerk, window1):
    ticket(guide, "cbdj")
    services.set_paused(window=window1, paused=True, actor=clerk)
    with pytest.raises(Conflict, match="已暂停"):
        services.call_next(window=window1, actor=clerk)
    services.set_paused(window=window1, paused=False, actor=clerk)
    assert services.call_next(window=window1, actor=clerk) is not None
    assert [e.type for e in journey_events().filter(type__startswith="window.")] == [
        "window.paused",
        "window.resumed",
    ]


def test_estimated_wait_uses_open_windows(guide, clerk, window1, hall):
    tickets = [ticket(guide, "cbdj") for _ in range(5)]
    queue = Queue.objects.get(hall=hall, prefix="A")  # served by w1 and w3, 12 minutes each
    assert services.estimated_wait_minutes(tickets[4]) == round(4 * queue.service_minutes / 2)
    services.set_paused(window=window1, paused=True, actor=clerk)
    assert services.estimated_wait_minutes(tickets[4]) == 4 * queue.service_minutes


def test_board_shows_the_latest_call_per_window_and_speaks_it(guide, clerk, window1, hall):
    t = called(guide, clerk, window1)
    data = services.board(hall)
    assert (
        data["calls"][0]["number"] == t.number
        and data["calls"][0]["speech"] == f"请 {' '.join(t.number)} 号到1号窗口"
    )
    key = data["calls"][0]["key"]
    services.recall(window=window1, ticket_id=t.pk, actor=clerk)
    assert services.board(hall)["calls"][0]["key"] != key  # a recall is spoken again
