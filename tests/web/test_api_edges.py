"""Issue 16, hole 10: inputs that gave a 500 are 422s naming their field; the API reads only JSON objects with
their declared fields; its map (/api/docs, /api/openapi.json) is for logged-in staff."""

import json

import pytest

from onevisit.cases import services
from onevisit.cases.models import Case
from onevisit.core.errors import Invalid
from tests.conftest import login, nothing_written
from tests.journey import called, handed_over

pytestmark = pytest.mark.django_db


@pytest.fixture
def completed_case(guide, clerk, window1):
    from django.contrib.auth import get_user_model

    from onevisit.accounts.services import actor_for

    t = called(guide, clerk, window1, "gxzy")
    case = handed_over(clerk, services.accept(actor=clerk, window=window1, code=t.token))
    office = actor_for(get_user_model().objects.get(username="houtai1"))
    services.approve_task(actor=office, task_id=case.tasks.get().pk)
    assert Case.objects.get(pk=case.pk).status == "completed"
    return case


def test_a_tracking_number_longer_than_its_column_is_a_422_naming_it(completed_case, clerk):
    long = "SF" + "1" * 39
    window = login("chuangkou1")
    with nothing_written():
        with pytest.raises(Invalid) as err:
            services.deliver(actor=clerk, case_id=completed_case.pk, method="mail", tracking_number=long)
        assert list(err.value.errors) == ["tracking_number"]
        api = window.post(
            f"/api/cases/{completed_case.pk}/deliver",
            json.dumps({"method": "mail", "tracking_number": long}),
            content_type="application/json",
        )
        assert api.status_code == 422 and api.json()["errors"][0]["field"] == "tracking_number"
        page = window.post(
            f"/window/w1/cases/{completed_case.pk}/deliver/",
            {"method": "mail", "tracking_number": long},
            follow=True,
        )
        assert "运单号不超过 40 个字符" in page.content.decode()
    services.deliver(actor=clerk, case_id=completed_case.pk, method="mail", tracking_number="SF" + "1" * 38)
    assert Case.objects.get(pk=completed_case.pk).status == "delivered"


def test_an_unknown_json_field_is_refused_naming_it(guide_client):
    body = {"matter": "gxzy", "note": "问时限", "is_admin": True}
    with nothing_written():
        answer = guide_client.post(
            "/api/intake/consultations", json.dumps(body), content_type="application/json"
        )
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"] == [{"field": "is_admin", "message": "不接受未声明的字段"}]
    assert "is_admin" in answer.json()["detail"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_a_body_that_is_not_application_json_is_a_415(guide_client, content_type):
    body = json.dumps({"matter": "gxzy", "note": "问时限"})
    with nothing_written():
        answer = guide_client.post("/api/intake/consultations", body, content_type=content_type)
    assert answer.status_code == 415, answer.content
    assert answer.json()["errors"][0]["field"] == "body" and "application/json" in answer.json()["detail"]


def test_a_body_that_is_not_json_at_all_is_refused_in_chinese(guide_client):
    with nothing_written():
        answer = guide_client.post("/api/intake/consultations", "{not json", content_type="application/json")
    assert answer.status_code == 400 and answer.json()["detail"] == "请求内容不是合法的 JSON"


def test_the_api_docs_and_schema_need_a_login(client, guide_client):
    for url in ("/api/docs", "/api/openapi.json"):
        anonymous = client.get(url)
        assert anonymous.status_code == 302 and "/login" in anonymous["Location"], url
        assert guide_client.get(url).status_code == 200, url
