import pytest

from onevisit.accounts.services import actor_for
from onevisit.core.errors import Invalid, NotFound
from onevisit.core.models import Event, Person
from onevisit.intake import services
from tests.conftest import journey_events, nothing_written
from tests.factories import HallFactory, MatterFactory, QueueFactory, StaffFactory, resident_id
from tests.journey import prereview


def test_complete_materials_give_the_first_ticket_of_the_queue(guide):
    pr = prereview(guide, "cbdj")
    assert pr.verdict == "complete" and pr.missing == []
    assert pr.ticket.number == "A001" and pr.ticket.status == "waiting"
    assert len(pr.ticket.token) == 12
    types = list(journey_events().values_list("type", flat=True))
    assert types == ["prereview.completed", "triage.routed", "ticket.issued"]
    done = Event.objects.get(type="prereview.completed")
    assert (
        done.data["verdict"] == "complete" and done.data["present"] == done.data["required"] == 3
    )  # 居民身份证 is shared: the hall obtains it


def test_numbers_run_per_queue(guide):
    numbers = [prereview(guide, m).ticket.number for m in ("cbdj", "cbdj", "gxzy", "cbdj", "jfhd")]
    assert numbers == ["A001", "A002", "B001", "A003", "C001"]


def test_only_tolerable_items_missing_still_gives_a_ticket(guide):
    pr = prereview(guide, "cbdj", present=["sfz", "ldht"])
    assert pr.verdict == "tolerance" and pr.ticket is not None
    assert sorted(pr.missing) == ["hkb", "zp"]


def test_an_essential_item_missing_gives_the_notice_and_no_ticket(guide):
    pr = prereview(guide, "cbdj", present=["hkb"])
    assert pr.verdict == "incomplete" and pr.ticket is None
    assert [m.code for m in services.missing_materials(pr)] == ["ldht", "zp"]
    assert list(journey_events().values_list("type", flat=True)) == ["prereview.completed", "triage.routed"]


def test_no_full_resident_id_reaches_any_event(guide):
    rid = resident_id()
    prereview(guide, "cbdj", rid=rid)
    for event in Event.objects.all():
        assert rid not in str(event.data) and rid not in str(event.__dict__)


def test_unknown_matter_is_not_found_and_writes_nothing(guide):
    with nothing_written(), pytest.raises(NotFound, match="nosuch"):
        prereview(guide, "nosuch", present=[])


@pytest.mark.parametrize(
    ("rid", "reason"),
    [
        ("11010519850615123", "18位"),
        ("110105198502301234", "出生日期不存在"),
        ("110105198506151230", "校验码"),
    ],
)
def test_invalid_resident_id_names_the_field_and_writes_nothing(guide, rid, reason):
    if reason == "校验码":
        good = resident_id()
        rid = good[:17] + ("0" if good[17] != "0" else "1")
    with nothing_written(), pytest.raises(Invalid) as err:
        prereview(guide, "cbdj", rid=rid)
    assert reason in err.value.errors["resident_id"]


def test_unknown_material_is_refused(guide):
    with nothing_written(), pytest.raises(Invalid, match="没有材料 bogus"):
        prereview(guide, "cbdj", present=["sfz", "bogus"])


def test_a_matter_the_hall_does_not_serve_is_refused(guide):
    other = MatterFactory(code="elsewhere")
    with nothing_written(), pytest.raises(Invalid, match="本大厅不办理"):
        prereview(guide, other.code)


def test_halls_number_independently(guide, hall):
    other_hall = HallFactory(code="north")
    QueueFactory(hall=other_hall, prefix="A", matters=[hall.queues.get(prefix="A").matters.get()])
    other_guide = actor_for(StaffFactory(guide=True, hall=other_hall).user)
    assert prereview(guide, "cbdj").ticket.number == "A001"
    assert prereview(other_guide, "cbdj").ticket.number == "A001"
    assert Person.objects.count() == 2
