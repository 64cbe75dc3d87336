"""Multiple choice fields (issue 13, item 4): a citizen insures for several kinds, so 参保险种 is ticked, not chosen.
The value is stored normalised (the dictionary's order, joined by 、), drawn as a group of checkboxes, and keeps its
meaning wherever it travels: known values, the duplicate-entry figure, the data ferry's fills and the API."""

from datetime import date

import pytest

from onevisit.cases import known, services
from onevisit.cases.models import FieldEntry
from onevisit.catalog.fields import FieldValueError, check_value, ticked, widget
from onevisit.queueing import services as queueing
from tests.conftest import journey_events, login, nothing_written
from tests.factories import resident_id
from tests.journey import prereview

INSURANCE = {"choices": ["养老", "医疗", "失业", "工伤", "生育"], "multiple": True}
TODAY = date(2026, 11, 22)
REST_OF_CBDJ = {
    "address": "滨江区江南大道1号",
    "employer_name": "示范科技有限公司",
    "employer_credit_code": "91330108MA2H0XXX0X",
    "employment_start": "2026-11-01",
}


def _check(raw, validation=INSURANCE):
    return check_value("choice", validation, raw, label="参保险种", today=TODAY)


# ---- the rule, pure --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (["医疗", "养老"], "养老、医疗"),  # ticked boxes, in any order
        ("工伤、养老", "养老、工伤"),  # the stored form itself, reordered
        ("医疗,养老，医疗", "养老、医疗"),  # commas of either width; a kind named twice counts once
        (["", "生育", ""], "生育"),  # the group's empty marker is no kind
        ("养老", "养老"),
    ],
)
def test_ticked_kinds_are_stored_in_the_dictionarys_order_joined_by_the_enumeration_comma(raw, stored):
    assert _check(raw) == stored


@pytest.mark.parametrize("raw", [["养老", "商业保险"], "养老、商业保险", "养老、、商业保险"])
def test_a_kind_the_dictionary_does_not_list_is_refused_naming_the_field_and_the_kind(raw):
    with pytest.raises(FieldValueError) as err:
        _check(raw)
    assert "参保险种" in err.value.reason and "商业保险" in err.value.reason


@pytest.mark.parametrize("raw", [[], [""], "", " 、 "])
def test_none_ticked_is_empty(raw):
    with pytest.raises(FieldValueError, match="请填写参保险种"):
        _check(raw)


def test_a_single_choice_takes_one_value_only():
    single = {"choices": ["男", "女"]}
    assert check_value("choice", single, ["女"], label="性别", today=TODAY) == "女"
    with pytest.raises(FieldValueError, match="性别只能选择一项"):
        check_value("choice", single, ["男", "女"], label="性别", today=TODAY)
    with pytest.raises(FieldValueError, match="性别"):
        check_value("choice", single, "男、女", label="性别", today=TODAY)


def test_a_list_is_refused_where_the_field_takes_one_value():
    with pytest.raises(FieldValueError, match="单位名称只能填写一项"):
        check_value("text", {}, ["甲公司", "乙公司"], label="单位名称", today=TODAY)


def test_a_multiple_choice_is_drawn_as_checkboxes_and_its_ticks_read_back_from_any_spelling():
    assert widget("choice", INSURANCE) == {"input": "checkboxes", "choices": INSURANCE["choices"]}
    assert widget("choice", {"choices": ["男", "女"]})["input"] == "select"
    assert ticked("医疗，养老") == ["医疗", "养老"] and ticked(["", "失业"]) == ["失业"] and ticked("") == []


# ---- at the window ---------------------------------------------------------------------------------------------


def _case(guide, clerk, window, rid=None):
    t = prereview(guide, "cbdj", rid=rid or resident_id()).ticket
    assert queueing.call_next(window=window, actor=clerk) == t
    return services.accept(actor=clerk, window=window, code=t.token)


def _stored(case, field="insurance_types"):
    return FieldEntry.objects.get(case=case, field=field).value


def _group(html: str) -> str:
    return html.split('data-field="insurance_types"')[1].split("</fieldset>")[0]


def _checked(html: str) -> list[str]:
    """The kinds whose boxes the page shows ticked."""
    boxes = [
        b.split(">")[0] for b in _group(html).split("<input")[1:] if 'type="checkbox"' in b.split(">")[0]
    ]
    return [b.split('value="')[1].split('"')[0] for b in boxes if " checked" in b]


@pytest.mark.django_db
def test_the_seed_dictionary_marks_insurance_kinds_multiple(catalog):
    from onevisit.catalog.models import FieldDefinition

    assert FieldDefinition.objects.get(code="insurance_types").validation.get("multiple") is True


@pytest.mark.django_db
def test_the_case_page_draws_the_kinds_as_a_group_of_checkboxes_with_a_legend(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    html = clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert '<select name="insurance_types"' not in html and "{#" not in html
    group = _group(html)
    assert "<fieldset" in group and "<legend" in group and "参保险种" in group.split("</legend>")[0]
    assert '<input type="hidden" name="insurance_types" value="">' in group  # none ticked still says so
    boxes = [line for line in group.split("<input")[1:] if 'type="checkbox"' in line]
    assert [b.split('value="')[1].split('"')[0] for b in boxes] == INSURANCE["choices"]
    assert not any("checked" in b.split(">")[0] for b in boxes)


@pytest.mark.django_db
def test_ticked_boxes_are_stored_normalised_and_shown_ticked(guide, clerk, window1, clerk_client):
    case = _case(guide, clerk, window1)
    saved = clerk_client.post(
        f"/window/w1/cases/{case.pk}/form/", {"insurance_types": ["", "医疗", "养老"], "address": "某街1号"}
    )
    assert saved.status_code == 302
    assert _stored(case) == "养老、医疗"
    assert _checked(clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()) == ["养老", "医疗"]
    done = clerk_client.post(
        f"/window/w1/cases/{case.pk}/complete/", {**REST_OF_CBDJ, "insurance_types": ["", "养老", "医疗"]}
    )
    assert done.status_code == 302 and _stored(case) == "养老、医疗"
    window = clerk_client.get("/window/w1/").content.decode()  # 待出件 leads back to the completed case
    assert f'<a href="/window/w1/cases/{case.pk}/"><b>{case.number}</b></a>' in window.split("待出件")[1]
    entered = journey_events().filter(type="field.entered", case=str(case.pk), data__field="insurance_types")
    assert entered.count() == 1  # sent back the same: no second entry


@pytest.mark.django_db
def test_a_forged_kind_is_refused_at_the_field_and_not_stored(guide, clerk, window1, clerk_client):
    case = _case(guide, clerk, window1)
    with nothing_written():
        page = clerk_client.post(
            f"/window/w1/cases/{case.pk}/form/", {"insurance_types": ["", "养老", "商业"]}
        )
    html = page.content.decode()
    assert page.status_code == 422
    group = _group(html)
    assert 'id="err-insurance_types"' in group and "商业" in group
    first_box = group.split('type="checkbox"')[1].split(">")[0]
    assert 'aria-invalid="true"' in first_box and 'aria-describedby="err-insurance_types"' in first_box
    assert "autofocus" in first_box


@pytest.mark.django_db
def test_none_ticked_leaves_the_field_for_completion_to_ask(guide, clerk, window1, clerk_client):
    case = _case(guide, clerk, window1)
    page = clerk_client.post(
        f"/window/w1/cases/{case.pk}/complete/", {**REST_OF_CBDJ, "insurance_types": [""]}
    )
    assert page.status_code == 422 and "参保险种" in page.content.decode()
    assert not FieldEntry.objects.filter(case=case, field="insurance_types").exists()
    assert services.form_problems(case) == {"insurance_types": "请填写参保险种"}


@pytest.mark.django_db
def test_kinds_known_from_an_earlier_case_come_back_ticked_and_untouched_are_no_entry(
    guide, clerk, window1, clerk_client
):
    rid = resident_id()
    first = _case(guide, clerk, window1, rid)
    services.save_form(
        actor=clerk, case_id=first.pk, submitted={**REST_OF_CBDJ, "insurance_types": ["医疗", "养老"]}
    )
    services.complete(actor=clerk, case_id=first.pk)
    second = _case(guide, clerk, window1, rid)
    html = clerk_client.get(f"/window/w1/cases/{second.pk}/").content.decode()
    group = _group(html)
    assert _checked(html) == ["养老", "医疗"] and "已由以往办件带出" in group
    assert '<input type="hidden" name="_prefilled" value="insurance_types">' in group
    saved = clerk_client.post(
        f"/window/w1/cases/{second.pk}/form/",
        {"insurance_types": ["", "养老", "医疗"], "_prefilled": ["insurance_types"]},
    )
    assert saved.status_code == 302
    assert not journey_events().filter(type="field.entered", case=str(second.pk)).exists()
    kept = FieldEntry.objects.get(case=second, field="insurance_types")
    assert kept.source == "known" and kept.value == "养老、医疗"


class _Backend:
    """A known-values source that spells the kinds its own way (another order, ASCII commas)."""

    name = "数据摆渡"

    def values(self, case):
        return {"insurance_types": "医疗,养老"}


@pytest.mark.django_db
def test_kinds_a_source_spells_its_own_way_are_shown_ticked_and_counted_as_the_same_value(
    guide, clerk, window1, clerk_client, monkeypatch
):
    monkeypatch.setattr(known, "PROVIDERS", [_Backend(), *known.PROVIDERS])
    case = _case(guide, clerk, window1)
    assert services.case_form(case).known["insurance_types"] == ("养老、医疗", "数据摆渡")
    assert _checked(clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()) == ["养老", "医疗"]
    # Ticked again by hand, in another order, without the prefilled marker: the same kinds, a duplicate entry.
    services.save_form(actor=clerk, case_id=case.pk, submitted={"insurance_types": ["医疗", "养老"]})
    entry = FieldEntry.objects.get(case=case, field="insurance_types")
    assert entry.source == "typed" and entry.duplicate and entry.value == "养老、医疗"
    # One more kind ticked: a change, not a duplicate.
    services.save_form(actor=clerk, case_id=case.pk, submitted={"insurance_types": "养老、医疗、失业"})
    entry.refresh_from_db()
    assert entry.value == "养老、医疗、失业" and not entry.duplicate


@pytest.mark.django_db
def test_the_ferry_fills_the_kinds_in_their_stored_form(guide, clerk, window1, monkeypatch):
    from onevisit.ferry import hooks as ferry_hooks
    from onevisit.ferry import services as ferry

    monkeypatch.setattr(ferry, "known_for_case", lambda case: {"insurance_types": "医疗,养老"})
    case = _case(guide, clerk, window1)
    assert ("insurance_types", "养老、医疗") in ferry_hooks.form_fills(case)


# ---- the API ---------------------------------------------------------------------------------------------------


def _post(client, case, values):
    return client.post(f"/api/cases/{case.pk}/form", {"values": values}, content_type="application/json")


@pytest.mark.django_db
@pytest.mark.parametrize("kinds", [["医疗", "养老"], "医疗、养老"])
def test_the_api_takes_the_kinds_as_a_list_or_joined(guide, clerk, window1, clerk_client, kinds):
    case = _case(guide, clerk, window1)
    answer = _post(clerk_client, case, {"insurance_types": kinds})
    assert answer.status_code == 200 and answer.json()["saved"] == ["insurance_types"]
    assert _stored(case) == "养老、医疗"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"insurance_types": ["养老", "商业"], "address": "某街1号"},
        {"insurance_types": "养老、商业"},
        {"gender": ["男", "女"]},
        {"address": ["某街1号", "某街2号"]},
    ],
)
def test_the_api_refuses_a_bad_choice_naming_the_field_and_writes_nothing(
    guide, clerk, window1, clerk_client, values
):
    case = _case(guide, clerk, window1)
    field = next(iter(values))
    with nothing_written():
        answer = _post(clerk_client, case, values)
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == [field]


@pytest.mark.django_db
def test_an_api_client_and_the_window_see_the_same_value(guide, clerk, window1):
    case = _case(guide, clerk, window1)
    client = login("chuangkou1")
    assert _post(client, case, {"insurance_types": ["生育", "养老"]}).status_code == 200
    assert _checked(client.get(f"/window/w1/cases/{case.pk}/").content.decode()) == ["养老", "生育"]
