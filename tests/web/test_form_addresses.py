"""A form's address opened with GET (a reload after a refused form keeps it in the address bar) goes back to its
page instead of an empty 405 the browser shows in English."""

import pytest

from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_reloading_a_form_address_returns_to_its_page(guide, clerk, window1):
    from onevisit.cases import services
    from tests.journey import called

    case = services.accept(actor=clerk, window=window1, code=called(guide, clerk, window1).token)
    window = login("chuangkou1")
    for action in ("hand-over", "form", "complete"):
        reloaded = window.get(f"/window/w1/cases/{case.pk}/{action}/")
        assert (reloaded.status_code, reloaded["Location"]) == (302, f"/window/w1/cases/{case.pk}/")
    assert window.get("/window/w1/scan/")["Location"] == "/window/w1/"
    page = window.get(f"/window/w1/cases/{case.pk}/hand-over/", follow=True)
    assert page.status_code == 200 and case.number in page.content.decode()


def test_a_form_address_with_no_page_above_it_explains_in_chinese(rf):
    from django.http import HttpResponseNotAllowed

    from onevisit.web.middleware import FormAddressOpened

    response = FormAddressOpened(lambda request: HttpResponseNotAllowed(["POST"]))(rf.get("/nowhere/"))
    assert response.status_code == 405 and "这个地址用于提交表单" in response.content.decode()


def test_the_api_keeps_its_405(hall):
    assert login("houtai1").get("/api/cases/office/tasks/1/verify").status_code == 405
