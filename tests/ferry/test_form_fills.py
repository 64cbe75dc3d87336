"""Ferry replies reach the open form as they arrive (issue 13, item 5), and what the ferry filled is no entry."""

import pytest

from tests.conftest import journey_events, login
from tests.ferry.conftest import accepted, drain

pytestmark = pytest.mark.django_db


def test_a_reply_that_arrives_while_the_form_is_open_fills_its_empty_fields(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    client = login("chuangkou1")
    page = client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page  # the panel keeps asking while replies are on their way
    assert 'name="employer_name" id="f-employer_name" value=""' in page
    drain()
    panel = client.get(f"/ferry/window/w1/case/{case.pk}/panel/", HTTP_HX_REQUEST="true").content.decode()
    assert '<data data-ferry-fill="employer_name" value="浙江滨江建设集团有限公司">' in panel
    assert 'data-ferry-fill="employer_credit_code"' in panel and "<script nonce=" in panel
    # The page's script wrote both values and marked them as the system's: saving them untouched is no entry.
    saved = client.post(
        f"/window/w1/cases/{case.pk}/form/",
        {
            "employer_name": "浙江滨江建设集团有限公司",
            "employer_credit_code": panel.split('data-ferry-fill="employer_credit_code" value="')[1].split(
                '"'
            )[0],
            "_prefilled": ["employer_name", "employer_credit_code"],
            "address": "滨江区江南大道1号",
        },
    )
    assert saved.status_code == 302
    entered = journey_events().filter(type="field.entered", case=str(case.pk))
    assert [e.data["field"] for e in entered] == ["address"]


def test_a_value_already_shown_is_not_filled_again(ferry, guide, clerk, window1):
    case = accepted(guide, clerk, window1, "cbdj")
    drain()
    client = login("chuangkou1")
    page = client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert 'name="employer_name" id="f-employer_name" value="浙江滨江建设集团有限公司"' in page
    assert "已由数据摆渡带出" in page


def test_a_back_end_failure_is_told_in_plain_words_at_the_window_and_in_detail_to_it(
    ferry, guide, clerk, window1
):
    from onevisit.ferry.models import Backend

    case = accepted(guide, clerk, window1, "cbdj")
    Backend.objects.update(
        breaker="open", last_error="RemoteProtocolError: Server disconnected without a response"
    )
    page = login("chuangkou1").get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "RemoteProtocolError" not in page and "社会保险业务系统暂不可用" in page
    console = login("xinxi").get("/ferry/").content.decode()
    assert "RemoteProtocolError" in console  # the information centre sees the detail
