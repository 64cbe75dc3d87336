"""The hall display board (叫号屏): voice switched on once, one stable live region, 过号 and paused windows shown."""

import re

import pytest

from onevisit.queueing import services
from tests.journey import ticket

pytestmark = pytest.mark.django_db


def test_board_offers_a_one_time_voice_switch_remembered_in_the_browser(client, hall):
    page = client.get("/board/demo/").content.decode()
    assert re.search(r"<button[^>]*data-voice-on[^>]*>开启语音</button>", page)
    assert "localStorage" in page and "onevisit.board.voice" in page


def test_board_live_region_lives_outside_the_polled_feed(client, guide, clerk, window1, hall):
    ticket(guide, "cbdj")
    services.call_next(window=window1, actor=clerk)
    page = client.get("/board/demo/").content.decode()
    feed = client.get("/board/demo/feed/").content.decode()
    assert "aria-live" not in feed  # the polled part is swapped; a live region there would be re-announced
    live = re.findall(r"<[^>]*aria-live[^>]*>", page)
    assert len(live) == 1 and 'id="board-announce"' in live[0]
    assert page.index("board-announce") < page.index('id="feed"')


def test_a_ticket_called_again_after_a_no_show_is_a_new_call_to_speak(guide, clerk, window1, hall):
    t = ticket(guide, "cbdj")
    services.call_next(window=window1, actor=clerk)
    first_key = services.board(hall)["calls"][0]["key"]
    services.mark_no_show(window=window1, ticket_id=t.pk, actor=clerk)
    services.recall_no_show(window=window1, ticket_id=t.pk, actor=clerk)
    assert services.board(hall)["calls"][0]["key"] != first_key


def test_board_shows_recent_no_shows_with_the_rule_and_paused_windows(client, guide, clerk, window1, hall):
    t = ticket(guide, "cbdj")
    services.call_next(window=window1, actor=clerk)
    services.mark_no_show(window=window1, ticket_id=t.pk, actor=clerk)
    services.set_paused(window=window1, paused=True, actor=clerk)
    feed = client.get("/board/demo/feed/").content.decode()
    assert re.search(r"过号.*A001", feed, re.S) and "号码不变" in feed
    assert re.search(r'<tr class="gone"[^>]*><td>A001</td><td>1号窗口</td><td>已过号</td>', feed)
    assert re.search(r"暂停服务.*1号窗口", feed, re.S)
    services.set_paused(window=window1, paused=False, actor=clerk)
    assert "暂停服务" not in client.get("/board/demo/feed/").content.decode()


def test_status_page_refreshes_itself_until_the_case_is_closed(client, guide, clerk, window1, hall):
    from onevisit.cases.models import Case

    t = ticket(guide, "cbdj")
    page = client.get(f"/t/{t.token}/").content.decode()
    live = re.search(r'<section[^>]*id="status-live"[^>]*>', page).group(0)
    assert 'hx-trigger="every 15s"' in live and 'hx-select="#status-live"' in live
    assert f'hx-get="/t/{t.token}/"' in live and 'hx-swap="outerHTML"' in live  # in place: the scroll stays
    services.call_next(window=window1, actor=clerk)
    from onevisit.cases import services as cases

    case = cases.accept(actor=clerk, window=window1, code=t.token)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DELIVERED)
    closed = client.get(f"/t/{t.token}/").content.decode()
    assert "hx-trigger" not in re.search(r'<section[^>]*id="status-live"[^>]*>', closed).group(0)
