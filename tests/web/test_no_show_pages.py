"""过号 on the pages: the desk re-queues, the window recalls, the board and the status page state the rule."""

import pytest

from onevisit.queueing import services
from onevisit.queueing.models import Ticket
from tests.conftest import journey_events, nothing_written
from tests.journey import ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_show(guide, clerk, window1):
    first = ticket(guide, "cbdj")
    ticket(guide, "cbdj")
    assert services.call_next(window=window1, actor=clerk) == first
    return services.mark_no_show(window=window1, ticket_id=first.pk, actor=clerk)


def test_desk_page_states_the_rule_and_requeues_a_returning_no_show(no_show, guide_client, settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 25
    page = guide_client.get("/guide/no-show/").content.decode()
    assert "25 分钟内" in page and "A001" in page  # the rule, and today's 过号 to choose from
    assert 'href="/guide/no-show/"' in guide_client.get("/guide/").content.decode()
    done = guide_client.post("/guide/no-show/", {"code": "a001"}, follow=True).content.decode()
    assert "A001 已重新排队" in done and "前面还有 0 人" in done
    assert Ticket.objects.get(pk=no_show.pk).status == Ticket.Status.WAITING
    with nothing_written():
        again = guide_client.post("/guide/no-show/", {"code": "A001"})
    assert again.status_code == 409 and "不是过号" in again.content.decode()


def test_window_recalls_a_scanned_no_show_standing_at_the_counter(no_show, clerk_client):
    home = clerk_client.get("/window/w1/").content.decode()
    assert "过号" in home and "A001" in home and f"/window/w1/tickets/{no_show.pk}/return/" in home
    scanned = clerk_client.post("/window/w1/scan/", {"code": no_show.token}).content.decode()
    assert f'action="/window/w1/tickets/{no_show.pk}/return/"' in scanned and "号码不变" in scanned
    done = clerk_client.post(f"/window/w1/tickets/{no_show.pk}/return/", follow=True).content.decode()
    assert "已重新叫号 A001" in done
    assert journey_events().filter(type="ticket.called", ticket=str(no_show.pk)).count() == 2


def test_window_that_does_not_serve_the_queue_is_refused_in_words(no_show, hall):
    from tests.conftest import login

    other = login("chuangkou2")  # w2 serves queues B and C, not A
    with nothing_written():
        page = other.post(f"/window/w2/tickets/{no_show.pk}/return/", follow=True).content.decode()
    assert "不服务队列" in page and "导引台" in page


def test_board_and_status_page_show_the_no_show_and_the_way_back(no_show, client, settings):
    settings.ONEVISIT_NO_SHOW_RETURN_MINUTES = 30
    board = client.get("/board/demo/feed/").content.decode()
    assert "过号" in board and "A001" in board and "30 分钟内" in board
    status = client.get(f"/t/{no_show.token}/").content.decode()
    assert "过号" in status and "30 分钟内" in status and "导引台" in status
