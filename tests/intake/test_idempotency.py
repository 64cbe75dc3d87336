"""A retried request is answered once: the same key and content give the same result, other content a 409."""

import pytest

from onevisit.core.errors import Conflict
from onevisit.core.models import Person
from onevisit.intake import services
from onevisit.intake.models import PreReview
from onevisit.queueing.models import Ticket
from tests.conftest import login, nothing_written
from tests.factories import resident_id
from tests.intake.at_once import at_once
from tests.journey import prereview

pytestmark = pytest.mark.django_db

LONG = "k" * 64  # two keys sharing their first 64 characters, as a client's long request ids do


def _kiosk(kiosk_actor, rid, key, matter="cbdj"):
    return services.issue_at_kiosk(
        actor=kiosk_actor, matter_code=matter, resident_id=rid, idempotency_key=key
    )


@pytest.fixture
def kiosk_actor(hall):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    return actor_for(get_user_model().objects.get(username="zizhu"))


def test_a_kiosk_retry_with_the_same_key_and_content_returns_the_same_ticket(kiosk_actor):
    rid = resident_id()
    first = _kiosk(kiosk_actor, rid, "req-1")
    with nothing_written():
        again = _kiosk(kiosk_actor, rid, "req-1")
    assert again == first and Ticket.objects.count() == 1


def test_a_kiosk_retry_with_the_same_key_and_another_citizens_id_is_refused_naming_the_id(kiosk_actor):
    first = _kiosk(kiosk_actor, resident_id(seq="101"), "req-1")
    with nothing_written(), pytest.raises(Conflict) as err:
        _kiosk(kiosk_actor, resident_id(seq="202"), "req-1")
    assert "resident_id" in err.value.errors and "公民身份号码" in err.value.message
    assert Ticket.objects.get() == first


def test_a_kiosk_retry_with_the_same_key_and_another_matter_is_refused_naming_the_matter(kiosk_actor):
    rid = resident_id()
    _kiosk(kiosk_actor, rid, "req-1")
    with nothing_written(), pytest.raises(Conflict) as err:
        _kiosk(kiosk_actor, rid, "req-1", matter="gxzy")
    assert list(err.value.errors)[0] == "matter" and "办理事项" in err.value.message


def test_kiosk_keys_sharing_their_first_64_characters_are_different_requests(kiosk_actor):
    a = _kiosk(kiosk_actor, resident_id(seq="101"), LONG + "-a")
    b = _kiosk(kiosk_actor, resident_id(seq="202"), LONG + "-b")
    assert a != b and a.person != b.person and Ticket.objects.count() == 2


def test_prereview_keys_sharing_their_first_64_characters_are_different_requests(guide):
    a = prereview(guide, "cbdj", rid=resident_id(seq="101"), idempotency_key=LONG + "-a")
    b = prereview(guide, "cbdj", rid=resident_id(seq="202"), idempotency_key=LONG + "-b")
    assert a != b and a.ticket != b.ticket and PreReview.objects.count() == 2


def test_a_prereview_retry_with_the_same_key_and_content_returns_the_first_result(guide):
    rid = resident_id()
    first = prereview(guide, "cbdj", rid=rid, idempotency_key="desk-1")
    with nothing_written():
        again = prereview(guide, "cbdj", rid=rid, idempotency_key="desk-1")
    assert again == first and again.ticket == first.ticket


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rid": "other"}, "resident_id"),
        ({"present": ["sfz", "ldht"]}, "materials"),
        ({"name": "李四"}, "name"),
        ({"matter": "gxzy"}, "matter"),
    ],
)
def test_a_prereview_retry_with_the_same_key_and_other_content_is_refused_naming_the_field(
    guide, change, field
):
    rid = resident_id(seq="101")
    prereview(guide, "cbdj", rid=rid, idempotency_key="desk-1")
    kwargs = {"rid": rid, "idempotency_key": "desk-1"}
    matter = change.pop("matter", "cbdj")
    if change.get("rid") == "other":
        change["rid"] = resident_id(seq="202")
    kwargs.update(change)
    with nothing_written(), pytest.raises(Conflict) as err:
        prereview(guide, matter, **kwargs)
    assert field in err.value.errors
    assert "请求" in err.value.message


def test_no_full_resident_id_is_kept_in_the_request_fingerprint(guide):
    rid = resident_id()
    pr = prereview(guide, "cbdj", rid=rid, idempotency_key="desk-1")
    assert rid not in str(pr.idempotency_fingerprint) and rid not in str(pr.ticket.idempotency_fingerprint)
    assert "desk-1" not in pr.idempotency_key  # stored hashed, whole


def test_the_kiosk_api_answers_409_naming_the_field(hall):
    client = login("zizhu")
    body = {"matter": "cbdj", "resident_id": resident_id(seq="101"), "idempotency_key": LONG}
    first = client.post("/api/intake/kiosk/tickets", body, content_type="application/json")
    assert first.status_code == 201
    again = client.post("/api/intake/kiosk/tickets", body, content_type="application/json")
    assert again.status_code == 201 and again.json()["token"] == first.json()["token"]
    with nothing_written():
        other = client.post(
            "/api/intake/kiosk/tickets",
            body | {"resident_id": resident_id(seq="202")},
            content_type="application/json",
        )
    assert other.status_code == 409
    assert [e["field"] for e in other.json()["errors"]] == ["resident_id"]


def test_the_kiosk_page_shows_the_refusal_in_chinese(hall):
    client = login("zizhu")
    client.post(
        "/guide/kiosk/matters/cbdj/", {"resident_id": resident_id(seq="101"), "idempotency_key": "k1"}
    )
    with nothing_written():
        page = client.post(
            "/guide/kiosk/matters/cbdj/", {"resident_id": resident_id(seq="202"), "idempotency_key": "k1"}
        )
    assert page.status_code == 409 and "公民身份号码" in page.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_content", [True, False])
def test_concurrent_kiosk_retries_write_one_ticket(hall, same_content):
    """Six retries of one request at once: one ticket; a retry with other content gets a 409, never a 500."""
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    actor = actor_for(get_user_model().objects.get(username="zizhu"))
    ids = [resident_id(seq=f"{100 + i}") for i in range(6)]
    if same_content:
        ids = [ids[0]] * 6
    results = at_once(6, lambda i: _kiosk(actor, ids[i], LONG))
    tickets = [r for r in results if isinstance(r, Ticket)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(tickets) + len(refused) == 6, results
    assert Ticket.objects.count() == 1 and {t.pk for t in tickets} == {Ticket.objects.get().pk}
    if same_content:
        assert not refused
    else:
        assert len(refused) == 5 and Person.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_prereview_retries_write_one_prereview_and_one_ticket(hall):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    guide = actor_for(get_user_model().objects.get(username="daoban"))
    rid = resident_id()
    results = at_once(4, lambda i: prereview(guide, "cbdj", rid=rid, idempotency_key=LONG))
    assert all(isinstance(r, PreReview) for r in results), results
    assert {r.pk for r in results} == {PreReview.objects.get().pk} and Ticket.objects.count() == 1
