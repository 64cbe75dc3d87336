import pytest

from onevisit.core import people
from onevisit.core.errors import Invalid
from onevisit.core.models import Person
from tests.factories import resident_id


def test_a_returning_citizen_is_matched_by_keyed_digest_and_stored_sealed(db):
    rid = resident_id()
    first = people.register(people.check_identity(name="张三", resident_id=rid, phone="13812345678"))
    again = people.register(people.check_identity(name="张三", resident_id=rid.lower(), phone="13900001111"))
    assert first.pk == again.pk and Person.objects.count() == 1
    stored = Person.objects.get()
    assert rid not in (stored.id_sealed + stored.id_digest + stored.id_masked)
    assert stored.id_masked == rid[:4] + "*" * 10 + rid[-4:]
    assert stored.resident_id == rid and stored.phone == "13900001111"
    assert stored.phone_masked == "139****1111"
    assert people.find_by_resident_id(rid).pk == stored.pk


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(Invalid) as err:
        people.check_identity(name="", resident_id="123", phone="abc")
    assert set(err.value.errors) == {"name", "resident_id", "phone"}
