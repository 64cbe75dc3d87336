"""The same journey through the JSON API, and its error shapes."""

import json

import pytest

from tests.conftest import journey_events, nothing_written
from tests.factories import resident_id
from tests.journey import CBDJ_FORM

pytestmark = pytest.mark.django_db


def post(client, url, body=None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def _prereview(client, **overrides):
    body = {
        "matter": "cbdj",
        "materials": ["ldht", "hkb", "zp"],
        "name": "王五",
        "resident_id": resident_id(),
        "phone": "13700001111",
    }
    body.update(overrides)
    return post(client, "/api/intake/prereviews", body)


def test_the_whole_journey_through_the_api(guide_client, clerk_client, analyst_client):
    created = _prereview(guide_client)
    assert created.status_code == 201, created.content
    ticket = created.json()["ticket"]
    assert ticket["number"] == "A001" and ticket["waiting_ahead"] == 0

    call = post(clerk_client, "/api/queueing/windows/w1/call-next").json()
    assert call["ticket"]["number"] == "A001" and call["ticket"]["window"] == "w1"
    detail = clerk_client.get(f"/api/cases/tickets/{ticket['token']}").json()
    assert detail["verdict"] == "complete" and detail["applicant"]["resident_id_masked"].count("*") == 10

    case = post(clerk_client, "/api/cases/windows/w1/accept", {"code": ticket["token"]})
    assert case.status_code == 201
    assert post(clerk_client, f"/api/cases/{case.json()['id']}/complete").status_code == 422  # the form first
    form = post(
        clerk_client,
        f"/api/cases/{case.json()['id']}/form",
        {"values": CBDJ_FORM},
    )
    assert form.status_code == 200 and form.json()["missing"] == {}
    done = post(clerk_client, f"/api/cases/{case.json()['id']}/complete")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    again = post(clerk_client, f"/api/cases/{case.json()['id']}/complete")
    assert again.status_code == 409 and "办结" in again.json()["detail"]

    today = analyst_client.get("/api/metrics/today").json()
    assert today["total"]["accepted"] == 1 and today["total"]["one_visit_rate"] == 1.0
    assert today["by_matter"][0]["key"] == "cbdj" and today["by_window"][0]["key"] == "w1"
    assert today["total"]["mean_handling_seconds"] >= 0


def test_invalid_resident_id_is_422_naming_field_and_reason(guide_client):
    with nothing_written():
        response = _prereview(guide_client, resident_id="11010519850230123X")
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "resident_id", "message": "公民身份号码中的出生日期不存在"}
    ]


def test_missing_field_is_422_naming_it(guide_client):
    with nothing_written():
        response = post(guide_client, "/api/intake/prereviews", {"matter": "gxzy", "name": "王五"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"resident_id", "phone"}


def test_unknown_matter_is_404_naming_it(guide_client):
    with nothing_written():
        response = _prereview(guide_client, matter="nosuch")
    assert response.status_code == 404 and "nosuch" in response.json()["detail"]


def test_unknown_ticket_token_at_the_window(clerk_client):
    with nothing_written():
        response = post(clerk_client, "/api/cases/windows/w1/accept", {"code": "NOSUCHTOKEN1"})
    assert response.status_code == 404 and "未找到小票" in response.json()["detail"]


def test_call_with_nobody_waiting(clerk_client):
    response = post(clerk_client, "/api/queueing/windows/w1/call-next")
    assert response.status_code == 200 and response.json() == {"ticket": None, "detail": "当前没有等候的群众"}
    assert not journey_events().exists()


def test_api_checks_login_role_and_hall(client, guide_client, clerk_client):
    assert client.get("/api/metrics/today").status_code == 401
    assert client.get("/api/catalog/matters").status_code == 200  # the catalog is public
    assert post(guide_client, "/api/queueing/windows/w1/call-next").status_code == 403
    assert _prereview(clerk_client).status_code == 403
    assert clerk_client.get("/api/metrics/today").status_code == 403
    assert post(clerk_client, "/api/queueing/windows/other-hall-window/call-next").status_code == 404


def test_openapi_is_published(guide_client):
    assert guide_client.get("/api/docs").status_code == 200
    schema = guide_client.get("/api/openapi.json").json()
    assert "/api/intake/prereviews" in schema["paths"]
