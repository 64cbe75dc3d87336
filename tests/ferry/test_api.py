"""The ferry's API: the edge for envelopes, the window's view of a case, manual entry, back-end health."""

from __future__ import annotations

import pytest

from onevisit.ferry.models import AuditRecord, Backend, Envelope
from tests.conftest import login
from tests.ferry.conftest import LIN, accepted, drain

pytestmark = pytest.mark.django_db


def _post(client, body):
    return client.post("/api/ferry/envelopes", body, content_type="application/json")


def test_envelopes_are_handed_in_once_and_looked_up(ferry):
    it = login("xinxi")
    body = {
        "backend": "population",
        "field_set": "identity",
        "payload": {"resident_id": LIN},
        "idempotency_key": "api-1",
    }
    first = _post(it, body)
    assert first.status_code == 201 and first.json()["status"] == "pending"
    again = _post(it, body)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    drain()
    found = it.get(f"/api/ferry/envelopes/{first.json()['id']}").json()
    assert found["status"] == "delivered" and found["reply_fields"] == ["birth_date", "gender", "name"]
    assert it.get("/api/ferry/envelopes/not-a-uuid").status_code == 404


def test_a_bad_envelope_gets_a_named_error_and_only_an_audit_record(ferry):
    it = login("xinxi")
    before = (Envelope.objects.count(), AuditRecord.objects.count())
    response = _post(
        it,
        {
            "backend": "population",
            "field_set": "identity",
            "payload": {"resident_id": LIN, "phone": "13812345678"},
            "idempotency_key": "api-2",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "payload" and "phone" in response.json()["detail"]
    assert (Envelope.objects.count(), AuditRecord.objects.count()) == (before[0], before[1] + 1)
    assert "13812345678" not in str(AuditRecord.objects.last().detail)
    missing = _post(it, {"backend": "population", "field_set": "identity"})
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} >= {"payload"}


def test_roles_and_halls_are_checked(ferry, guide, clerk, window1):
    clerk_client = login("chuangkou1")
    assert (
        _post(
            clerk_client,
            {
                "backend": "population",
                "field_set": "identity",
                "payload": {"resident_id": LIN},
                "idempotency_key": "x",
            },
        ).status_code
        == 403
    )
    assert clerk_client.get("/api/ferry/backends").status_code == 403
    case = accepted(guide, clerk, window1, "cbdj")
    assert login("xinxi").get(f"/api/ferry/cases/{case.pk}").status_code == 403
    assert clerk_client.get("/api/ferry/cases/999999").status_code == 404


def test_the_window_reads_a_case_and_types_by_hand_when_a_back_end_is_down(ferry, guide, clerk, window1):
    client = login("chuangkou1")
    Backend.objects.filter(code="population").update(breaker="open", held=True)
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    states = {r["field_set"]: r["state"] for r in client.get(f"/api/ferry/cases/{case.pk}").json()}
    assert states == {"identity": "degraded", "insurance_status": "ok"}
    bad = client.post(
        f"/api/ferry/cases/{case.pk}/manual/identity",
        {"values": {"gender": "未知"}},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "gender"
    good = client.post(
        f"/api/ferry/cases/{case.pk}/manual/identity",
        {"values": {"name": "林星石", "gender": "男"}},
        content_type="application/json",
    )
    assert (
        good.status_code == 201
        and good.json()["state"] == "manual"
        and good.json()["manual_status"] == "queued"
    )
    again = client.post(
        f"/api/ferry/cases/{case.pk}/manual/identity",
        {"values": {"name": "林星石", "gender": "男"}},
        content_type="application/json",
    )
    assert again.status_code == 201 and case.manual_entries.count() == 1  # a double submit back-fills once
    health = {b["code"]: b for b in login("xinxi").get("/api/ferry/backends").json()}
    assert health["population"]["breaker"] == "open" and health["population"]["backfill_waiting"] == 1


def test_one_hall_cannot_see_or_probe_another_halls_envelopes(ferry, guide, clerk, window1):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from onevisit.accounts.models import Hall, Staff
    from onevisit.web import demo

    case = accepted(guide, clerk, window1, "cbdj")
    other_hall = Hall.objects.create(code="other", name="另一大厅")
    user = get_user_model().objects.create_user("xinxi2", password=demo.DEMO_PASSWORD)
    user.groups.add(Group.objects.get(name="it"))
    Staff.objects.create(user=user, hall=other_hall, display_name="另一信息中心")
    outsider = login("xinxi2")
    probe = {
        "backend": "population",
        "field_set": "identity",
        "payload": {"resident_id": LIN},
        "idempotency_key": f"case-{case.pk}-identity-v1-query",
    }
    response = _post(outsider, probe)
    assert response.status_code == 201  # a fresh envelope in its own hall, not the other hall's
    assert (
        Envelope.objects.filter(idempotency_key=f"case-{case.pk}-identity-v1-query", case=case).count() == 1
    )
    mine = _post(login("xinxi"), {**probe, "idempotency_key": "shared"}).json()["id"]
    assert outsider.get(f"/api/ferry/envelopes/{mine}").status_code == 404


def test_outside_text_that_looks_personal_is_refused_not_crashed(ferry):
    response = _post(
        login("xinxi"),
        {
            "backend": "13812345678",
            "field_set": "identity",
            "payload": {"resident_id": LIN},
            "idempotency_key": "x" * 40,
        },
    )
    assert response.status_code == 422 and "没有后端系统" in response.json()["detail"]
    assert "13812345678" not in str(AuditRecord.objects.last().detail)
    too_long = _post(
        login("xinxi"),
        {
            "backend": "population",
            "field_set": "identity",
            "payload": {"resident_id": LIN},
            "idempotency_key": "k" * 65,
        },
    )
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "idempotency_key"
