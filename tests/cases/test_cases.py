import pytest

from onevisit.accounts.services import actor_for
from onevisit.cases import services
from onevisit.cases.models import Case
from onevisit.core.errors import Conflict, NotFound
from onevisit.core.models import Event
from onevisit.queueing import services as queueing
from tests.conftest import nothing_written
from tests.factories import HallFactory, StaffFactory
from tests.journey import called, fill_form, ticket


def test_accept_opens_a_case_with_an_item_and_a_visit(guide, clerk, window1):
    t = called(guide, clerk, window1)
    case = services.accept(actor=clerk, window=window1, code=t.token)
    assert case.status == "accepted" and case.person == t.person
    assert [i.matter.code for i in case.items.all()] == ["cbdj"]
    assert case.visits.get().seq == 1
    t.refresh_from_db()
    assert t.status == "served"
    event = Event.objects.get(type="case.accepted")
    assert (event.case, event.ticket, event.window, event.data["verdict"]) == (
        str(case.pk),
        str(t.pk),
        "w1",
        "complete",
    )


def test_the_typed_number_is_the_backup_for_an_unreadable_barcode(guide, clerk, window1):
    t = called(guide, clerk, window1)
    assert services.accept(actor=clerk, window=window1, code=t.number.lower()).visits.get().ticket == t


def test_complete_closes_the_case_once(guide, clerk, window1):
    case = services.accept(actor=clerk, window=window1, code=called(guide, clerk, window1).token)
    fill_form(clerk, case)
    done = services.complete(actor=clerk, case_id=case.pk)
    assert done.status == "completed" and done.completed_at is not None
    with nothing_written(), pytest.raises(Conflict, match="已于") as err:
        services.complete(actor=clerk, case_id=case.pk)
    assert err.value.status == 409
    assert Event.objects.filter(type="case.completed").count() == 1


def test_a_used_ticket_cannot_open_a_second_case(guide, clerk, window1):
    t = called(guide, clerk, window1)
    services.accept(actor=clerk, window=window1, code=t.token)
    with nothing_written(), pytest.raises(Conflict, match="已受理，不能重复使用"):
        services.accept(actor=clerk, window=window1, code=t.token)


def test_an_unknown_token_is_a_clear_message(clerk, window1):
    with nothing_written(), pytest.raises(NotFound, match="未找到小票 NOSUCHTOKEN1"):
        services.accept(actor=clerk, window=window1, code="nosuchtoken1")


def test_a_ticket_not_yet_called_cannot_be_accepted(guide, clerk, window1):
    t = ticket(guide, "cbdj")
    with nothing_written(), pytest.raises(Conflict, match="尚未叫号"):
        services.accept(actor=clerk, window=window1, code=t.token)


def test_a_ticket_called_to_another_window_cannot_be_accepted_here(guide, clerk, clerk2, window1, window2):
    t = called(guide, clerk2, window2, "gxzy")
    with nothing_written(), pytest.raises(Conflict, match="已叫到其他窗口"):
        services.accept(actor=clerk, window=window1, code=t.token)


def test_another_halls_ticket_and_case_are_invisible(guide, clerk, window1):
    case = services.accept(actor=clerk, window=window1, code=called(guide, clerk, window1).token)
    stranger = actor_for(StaffFactory(clerk=True, hall=HallFactory(code="south")).user)
    with nothing_written(), pytest.raises(NotFound):
        services.complete(actor=stranger, case_id=case.pk)
    with pytest.raises(NotFound):
        queueing.find_ticket(hall=stranger.hall, code=case.visits.get().ticket.token)
    assert Case.objects.get().status == "accepted"
