"""One ticket at a time (issue 13 item 8), on every path that issues one: the guide desk, the kiosk, and the
check-in of a booking at the desk and at the kiosk. A citizen whose ticket still waits or is being served gets
no second ticket: the refusal names the waiting number, writes nothing, and a retry of the same request still
gets its own ticket back."""

from functools import partial

import pytest
from django.contrib.auth import get_user_model

from onevisit.accounts.services import actor_for
from onevisit.cases import services as cases
from onevisit.core import people
from onevisit.core.errors import Conflict
from onevisit.intake import services
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Appointment, Ticket
from tests.conftest import at_once, login, nothing_written
from tests.factories import resident_id
from tests.intake.test_check_in import RID, _all_materials, _at, booking  # noqa: F401  (the booking fixture)
from tests.journey import prereview

pytestmark = pytest.mark.django_db


@pytest.fixture
def kiosk_actor(hall):
    return actor_for(get_user_model().objects.get(username="zizhu"))


def _kiosk(actor, rid, key, matter="jfhd"):
    return services.issue_at_kiosk(actor=actor, matter_code=matter, resident_id=rid, idempotency_key=key)


# ---- the kiosk -----------------------------------------------------------------------------------------------


def test_a_second_kiosk_ticket_while_the_first_waits_is_refused_naming_it(kiosk_actor):
    rid = resident_id()
    first = _kiosk(kiosk_actor, rid, "k1")
    with nothing_written(), pytest.raises(Conflict) as err:
        _kiosk(kiosk_actor, rid, "k2", matter="cbdj")
    assert err.value.status == 409 and err.value.ticket == first
    assert first.number in err.value.message and "不用再取号" in err.value.message
    assert "errors" not in err.value.message and Ticket.objects.count() == 1


def test_a_kiosk_retry_of_the_same_request_still_gets_its_own_ticket(kiosk_actor):
    rid = resident_id()
    first = _kiosk(kiosk_actor, rid, "k1")
    with nothing_written():
        assert _kiosk(kiosk_actor, rid, "k1") == first


def test_a_desk_ticket_waiting_blocks_the_kiosk(guide, kiosk_actor):
    rid = resident_id()
    waiting = prereview(guide, "cbdj", rid=rid).ticket
    with nothing_written(), pytest.raises(Conflict) as err:
        _kiosk(kiosk_actor, rid, "k1")
    assert err.value.ticket == waiting and waiting.number in err.value.message


def test_a_ticket_being_served_blocks_the_kiosk_and_once_served_it_does_not(
    guide, clerk, window1, kiosk_actor
):
    rid = resident_id()
    called = prereview(guide, "cbdj", rid=rid).ticket
    assert queueing.call_next(window=window1, actor=clerk) == called
    with nothing_written(), pytest.raises(Conflict, match="正在窗口办理"):
        _kiosk(kiosk_actor, rid, "k1")
    cases.accept(actor=clerk, window=window1, code=called.token)
    assert _kiosk(kiosk_actor, rid, "k1") != called


def test_the_kiosk_page_shows_the_waiting_number_and_reprints_only_its_own_ticket(hall):
    kiosk = login("zizhu")
    rid = resident_id()
    assert (
        kiosk.post("/guide/kiosk/matters/jfhd/", {"resident_id": rid, "idempotency_key": "k1"}).status_code
        == 302
    )
    ticket = Ticket.objects.get()
    with nothing_written():
        page = kiosk.post("/guide/kiosk/matters/cbdj/", {"resident_id": rid, "idempotency_key": "k2"})
    html = page.content.decode()
    main = html.split("<main", 1)[1]
    assert page.status_code == 409 and 'role="alert"' in main
    assert ticket.number in main and "不用再取号" in main
    assert f'href="/guide/tickets/{ticket.token}.pdf"' in main and "data-kiosk-print" in main
    assert "重新打印" in main
    assert rid not in html and ticket.person.id_masked not in html
    assert ticket.matter.name not in main, "what the other ticket is for is not shown"
    assert "退出" not in html.split("<main", 1)[0], "citizens see no staff bar"


def test_the_kiosk_sends_a_citizen_whose_ticket_it_did_not_print_to_the_desk(guide):
    rid = resident_id()
    waiting = prereview(guide, "cbdj", rid=rid, name="张三").ticket
    kiosk = login("zizhu")
    with nothing_written():
        page = kiosk.post("/guide/kiosk/matters/jfhd/", {"resident_id": rid, "idempotency_key": "k1"})
    html = page.content.decode()
    main = html.split("<main", 1)[1]
    assert page.status_code == 409 and waiting.number in main and "导引台" in main
    assert waiting.token not in html, "no reprint of a ticket another desk printed"
    assert "张三" not in html and "张*" not in html and waiting.person.id_masked not in html


def test_the_kiosk_api_refuses_a_second_ticket_with_409_naming_the_number(hall):
    client = login("zizhu")
    rid = resident_id()
    body = {"matter": "jfhd", "resident_id": rid, "idempotency_key": "a1"}
    first = client.post("/api/intake/kiosk/tickets", body, content_type="application/json")
    assert first.status_code == 201
    with nothing_written():
        again = client.post(
            "/api/intake/kiosk/tickets", body | {"idempotency_key": "a2"}, content_type="application/json"
        )
    assert again.status_code == 409 and first.json()["number"] in again.json()["detail"]
    assert [e["field"] for e in again.json()["errors"]] == ["ticket"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_kiosk_requests_of_one_citizen_give_one_ticket(hall):
    """Four presses with different request keys at once: one ticket, three refusals naming it, never a 500.
    The citizen is known already (a first visit's row insert would serialise them by itself)."""
    actor = actor_for(get_user_model().objects.get(username="zizhu"))
    rid = resident_id()
    people.register(people.check_resident_id(rid))
    results = at_once(*(partial(_kiosk, actor, rid, f"press-{i}") for i in range(4)))
    tickets = [r for r in results if isinstance(r, Ticket)]
    refused = [r for r in results if isinstance(r, services.AlreadyWaiting)]
    assert len(tickets) == 1 and len(refused) == 3, results
    assert Ticket.objects.count() == 1 and all(r.ticket == tickets[0] for r in refused)


# ---- checking a booking in -----------------------------------------------------------------------------------


def test_kiosk_check_in_while_a_ticket_waits_is_refused_and_the_booking_kept(booking, kiosk_actor):  # noqa: F811
    kiosk = login("zizhu")
    with _at(booking, 17, 45):
        waiting = _kiosk(kiosk_actor, RID, "k1")
        with nothing_written():
            confirm = kiosk.post("/guide/check-in/", {"code": booking.code, "back": "intake:kiosk"})
            done = kiosk.post(
                "/guide/check-in/", {"code": booking.code, "back": "intake:kiosk", "confirmed": "yes"}
            )
    for page in (confirm, done):
        main = page.content.decode().split("<main", 1)[1]
        assert page.status_code == 409 and waiting.number in main and "不用再取号" in main
        assert "请确认已带齐材料" not in main
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED and Ticket.objects.count() == 1


def test_the_check_in_api_refuses_while_a_ticket_waits(booking, kiosk_actor):  # noqa: F811
    kiosk = login("zizhu")
    with _at(booking, 17, 45):
        waiting = _kiosk(kiosk_actor, RID, "k1")
        with nothing_written():
            response = kiosk.post(
                "/api/intake/appointments/check-in", {"code": booking.code}, content_type="application/json"
            )
    assert response.status_code == 409 and waiting.number in response.json()["detail"]
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED


def test_desk_check_in_while_a_ticket_waits_is_refused_and_the_booking_kept(booking, guide, kiosk_actor):  # noqa: F811
    with _at(booking, 17, 45):
        waiting = _kiosk(kiosk_actor, RID, "k1")
        with nothing_written(), pytest.raises(services.AlreadyWaiting) as err:
            services.check_in_at_desk(
                actor=guide,
                appointment_code=booking.code,
                matter_code="gxzy",
                present=_all_materials(),
                name="赵六",
                resident_id=RID,
                phone="13600001111",
            )
    assert err.value.ticket == waiting and waiting.number in err.value.message
    booking.refresh_from_db()
    assert booking.status == Appointment.Status.BOOKED


def test_an_appointment_ticket_waiting_blocks_the_desk_and_the_kiosk(booking, guide, kiosk_actor):  # noqa: F811
    kiosk = login("zizhu")
    with _at(booking, 17, 45):
        kiosk.post("/guide/check-in/", {"code": booking.code, "back": "intake:kiosk", "confirmed": "yes"})
        checked_in = Ticket.objects.get()
        with nothing_written(), pytest.raises(services.AlreadyWaiting):
            _kiosk(kiosk_actor, RID, "k1")
        with nothing_written(), pytest.raises(services.AlreadyWaiting) as err:
            prereview(guide, "cbdj", rid=RID, name="赵六", phone="13600001111")
    assert err.value.ticket == checked_in
