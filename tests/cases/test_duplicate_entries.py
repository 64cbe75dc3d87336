"""Duplicate entries (issue 13, item 5; DESIGN §5): an entry is a field the clerk typed or changed at the window, a
duplicate when the system already knew that value. An untouched prefilled value is not an entry."""

import pytest

from onevisit.cases import services
from onevisit.cases.models import FieldEntry
from onevisit.queueing import services as queueing
from tests.conftest import journey_events
from tests.factories import resident_id
from tests.journey import CBDJ_FORM, prereview

pytestmark = pytest.mark.django_db


def _case(guide, clerk, window, matter, rid):
    t = prereview(guide, matter, rid=rid).ticket
    assert queueing.call_next(window=window, actor=clerk) == t
    return services.accept(actor=clerk, window=window, code=t.token)


def _second_case(guide, clerk, window):
    """A 转移接续 case of a citizen whose 参保登记 was completed: 现工作单位 is known from that first case."""
    rid = resident_id()
    first = _case(guide, clerk, window, "cbdj", rid)
    services.save_form(actor=clerk, case_id=first.pk, submitted=CBDJ_FORM)
    services.complete(actor=clerk, case_id=first.pk)
    return _case(guide, clerk, window, "gxzy", rid)


def _form_as_the_browser_sends_it(html: str) -> dict:
    """The form's inputs, hidden markers included, as a browser would post them untouched."""
    import re

    form = html.split('id="merged-form"')[1].split("</form>")[0]
    data: dict[str, list[str]] = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            data.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r"<option selected>([^<]*)</option>", body)
        data[name] = [chosen.group(1) if chosen else ""]
    return data


def test_saving_untouched_prefilled_fields_records_no_entry(guide, clerk, window1, clerk_client):
    second = _second_case(guide, clerk, window1)
    html = clerk_client.get(f"/window/w1/cases/{second.pk}/").content.decode()
    data = _form_as_the_browser_sends_it(html)
    assert data["employer_name"] == ["示范科技有限公司"]  # shown prefilled
    data.update(transfer_out_region=["上海市"], transfer_in_region=["杭州市"])  # what the clerk typed
    before = journey_events().filter(type="field.entered").count()
    assert clerk_client.post(f"/window/w1/cases/{second.pk}/form/", data).status_code == 302
    entered = journey_events().filter(type="field.entered", case=str(second.pk))
    assert sorted(e.data["field"] for e in entered) == ["transfer_in_region", "transfer_out_region"]
    assert journey_events().filter(type="field.entered").count() - before == 2
    assert not entered.filter(data__duplicate=True).exists()
    kept = FieldEntry.objects.get(case=second, field="employer_name")
    assert kept.source == "known" and not kept.duplicate


def test_changing_a_prefilled_value_is_an_entry_but_not_a_duplicate(guide, clerk, window1):
    second = _second_case(guide, clerk, window1)
    services.save_form(
        actor=clerk,
        case_id=second.pk,
        submitted={"employer_name": "新单位有限公司"},
        prefilled=["employer_name"],
    )
    (entry,) = journey_events().filter(type="field.entered", case=str(second.pk))
    assert entry.data == {"field": "employer_name", "duplicate": False, "known_from": "以往办件"}


def test_typing_what_the_system_knew_but_had_not_shown_is_a_duplicate(guide, clerk, window1):
    """A value typed into a field the page showed empty (e.g. the ferry's reply came after) is a duplicate."""
    second = _second_case(guide, clerk, window1)
    services.save_form(
        actor=clerk, case_id=second.pk, submitted={"employer_name": "示范科技有限公司"}, prefilled=[]
    )
    (entry,) = journey_events().filter(type="field.entered", case=str(second.pk))
    assert entry.data["duplicate"] is True and entry.data["known_from"] == "以往办件"
