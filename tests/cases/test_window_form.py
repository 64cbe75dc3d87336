"""The window's merged form (issue 13, item 4): a draft always saves, completion needs every required field, the
dictionary's types drive the widgets, and an absurd amount is a 422 with nothing written."""

from datetime import date

import pytest

from onevisit.cases import services
from onevisit.cases.models import Case, FieldEntry
from onevisit.catalog.fields import FieldValueError, check_value
from onevisit.core.errors import Invalid
from tests.conftest import journey_events, login, nothing_written
from tests.journey import CBDJ_FORM, called

pytestmark = pytest.mark.django_db


def _case(guide, clerk, window, matter="cbdj"):
    t = called(guide, clerk, window, matter)
    return services.accept(actor=clerk, window=window, code=t.token)


def test_a_draft_saves_with_required_fields_still_empty(guide, clerk, window1):
    case = _case(guide, clerk, window1)
    services.save_form(actor=clerk, case_id=case.pk, submitted={"address": "滨江区江南大道1号"})
    typed = FieldEntry.objects.filter(case=case, source="typed")
    assert list(typed.values_list("field", flat=True)) == ["address"]


def test_a_wrong_value_is_refused_naming_only_that_field_and_nothing_is_written(guide, clerk, window1):
    case = _case(guide, clerk, window1)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.save_form(
            actor=clerk, case_id=case.pk, submitted={"address": "某地", "employer_credit_code": "bad"}
        )
    assert set(err.value.errors) == {"employer_credit_code"}
    assert "统一社会信用代码" in err.value.message


def test_a_draft_keeps_the_valid_values_and_leaves_the_invalid_one_out_marked_at_its_field(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    page = clerk_client.post(
        f"/window/w1/cases/{case.pk}/form/",
        {"address": "滨江区江南大道1号", "employer_credit_code": "bad", "employer_name": "示范科技有限公司"},
    )
    html = page.content.decode()
    assert page.status_code == 422
    assert services.case_form(case).entered == {
        "address": "滨江区江南大道1号",
        "employer_name": "示范科技有限公司",
    }
    entered = journey_events().filter(type="field.entered", case=str(case.pk))
    assert sorted(e.data["field"] for e in entered) == ["address", "employer_name"]
    # The invalid field keeps what was typed, marked and focused, with its reason beside it; the valid ones
    # show what was saved, unmarked.
    tag = html.split('name="employer_credit_code"')[1].split(">")[0]
    assert 'value="bad"' in tag and 'aria-invalid="true"' in tag and "autofocus" in tag
    assert "统一社会信用代码格式不正确" in html.split('id="err-employer_credit_code"')[1].split("</p>")[0]
    address = html.split('name="address"')[1].split(">")[0]
    assert 'value="滨江区江南大道1号"' in address and "aria-invalid" not in address
    alert = html.split('class="error-summary" role="alert"')[1].split("</div>")[0]
    assert "统一社会信用代码" in alert and "其余已保存" in alert


def test_f10_with_an_invalid_value_saves_the_valid_ones_and_does_not_complete(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    page = clerk_client.post(
        f"/window/w1/cases/{case.pk}/complete/", {**CBDJ_FORM, "employer_credit_code": "bad"}
    )
    assert page.status_code == 422 and "不能办结" in page.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED
    stored = set(FieldEntry.objects.filter(case=case, source="typed").values_list("field", flat=True))
    assert stored == set(CBDJ_FORM) - {"employer_credit_code"}
    assert not journey_events().filter(type="case.completed").exists()


def test_f10_is_refused_for_an_invalid_value_even_in_a_field_that_may_stay_empty(
    guide, clerk, window1, clerk_client
):
    from onevisit.catalog.models import MatterField

    MatterField.objects.filter(matter__code="cbdj", field__code="address").update(required=False)
    case = _case(guide, clerk, window1)
    page = clerk_client.post(f"/window/w1/cases/{case.pk}/complete/", {**CBDJ_FORM, "address": "长" * 201})
    assert page.status_code == 422 and "居住地址不超过200字" in page.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED  # not completed with what was typed silently left out
    assert not FieldEntry.objects.filter(case=case, field="address").exists()


def test_completion_is_refused_while_a_required_field_is_empty_and_names_the_fields(guide, clerk, window1):
    case = _case(guide, clerk, window1)
    services.save_form(actor=clerk, case_id=case.pk, submitted={"address": "滨江区江南大道1号"})
    with nothing_written(), pytest.raises(Invalid) as err:
        services.complete(actor=clerk, case_id=case.pk)
    assert err.value.status == 422
    assert {"employer_name", "employer_credit_code", "employment_start", "insurance_types"} == set(
        err.value.errors
    )
    assert "用人单位名称" in err.value.message and "address" not in err.value.message
    services.save_form(actor=clerk, case_id=case.pk, submitted=CBDJ_FORM)
    assert services.complete(actor=clerk, case_id=case.pk).status == Case.Status.COMPLETED


def test_f10_on_an_empty_form_answers_422_on_the_page_with_the_fields_named(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    with nothing_written():
        page = clerk_client.post(f"/window/w1/cases/{case.pk}/complete/")
    html = page.content.decode()
    assert page.status_code == 422 and "不能办结" in html and "用人单位名称" in html
    assert 'role="alert"' in html


def test_an_absurd_amount_is_a_422_naming_the_field_on_the_page_and_in_the_api(guide, clerk2, window2):
    case = _case(guide, clerk2, window2, "jfhd")
    client = login("chuangkou2")
    with nothing_written():
        page = client.post(f"/window/w2/cases/{case.pk}/form/", {"monthly_wage": "1e30"})
        api = client.post(
            f"/api/cases/{case.pk}/form",
            {"values": {"monthly_wage": "1e30"}},
            content_type="application/json",
        )
    assert page.status_code == 422 and "上年度月平均工资" in page.content.decode()
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "monthly_wage"
    ok = client.post(
        f"/api/cases/{case.pk}/form", {"values": {"monthly_wage": "8000"}}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["saved"] == ["monthly_wage"]


@pytest.mark.parametrize(
    ("kind", "validation", "raw"),
    [
        ("money", {"min": 0}, "1e30"),
        ("money", {}, "-1e30"),
        ("number", {"min": 0}, "1e999999"),
        ("money", {"min": 0}, "12.345"),
    ],
)
def test_numbers_and_amounts_are_bounded(kind, validation, raw):
    with pytest.raises(FieldValueError, match="工资"):
        check_value(kind, validation, raw, label="工资", today=date(2026, 11, 22))


def test_a_hundred_is_written_as_a_hundred():
    assert check_value("number", {}, "100", label="车辆数", today=date(2026, 11, 22)) == "100"


def test_the_dictionary_types_choose_the_widgets():
    from onevisit.catalog.fields import widget

    assert widget("choice", {"choices": ["男", "女"]}) == {"input": "select", "choices": ["男", "女"]}
    assert widget("date", {})["input"] == "date"
    money = widget("money", {"min": 0})
    assert money["input"] == "number" and money["min"] == "0" and money["step"] == "0.01" and money["max"]


def test_the_case_page_draws_checkbox_groups_dates_bounded_numbers_and_required_marks(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    html = clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert '<input type="checkbox" name="insurance_types" value="养老"' in html
    assert 'type="date" name="employment_start"' in html
    assert "的为必填项：保存草稿时可以暂缺，办结前须填齐" in html
    assert (
        'name="employer_name"' in html and "required" in html.split('name="employer_name"')[1].split(">")[0]
    )


def test_a_field_in_error_points_to_its_message_and_takes_focus(guide, clerk, window1, clerk_client):
    case = _case(guide, clerk, window1)
    page = clerk_client.post(f"/window/w1/cases/{case.pk}/form/", {"employer_credit_code": "x"})
    html = page.content.decode()
    tag = html.split('name="employer_credit_code"')[1].split(">")[0]
    assert 'aria-invalid="true"' in tag and 'aria-describedby="err-employer_credit_code"' in tag
    assert "autofocus" in tag and 'id="err-employer_credit_code"' in html
    assert page.status_code == 422 and not journey_events().filter(type="field.entered").exists()


def test_a_refused_action_at_the_window_is_an_alert_styled_as_an_error(hall, clerk_client):
    with nothing_written():
        page = clerk_client.post("/window/w1/tickets/999999/recall/")
    html = page.content.decode()
    assert page.status_code == 404
    alert = html.split('role="alert"')[1].split("</div>")[0]
    assert 'class="error"' in alert and "没有这张小票" in alert


def test_window_and_case_controls_have_visible_labels(guide, clerk, window1, clerk_client):
    case = _case(guide, clerk, window1)
    services.save_form(actor=clerk, case_id=case.pk, submitted=CBDJ_FORM)
    services.complete(actor=clerk, case_id=case.pk)
    html = clerk_client.get("/window/w1/").content.decode()
    assert f'<label for="tracking-{case.pk}">运单号' in html and "placeholder" not in html
    page = clerk_client.post(f"/window/w1/cases/{case.pk}/outlier/", {"note": ""})
    tag = page.content.decode().split('id="outlier-note"')[1].split(">")[0]
    assert page.status_code == 422 and 'aria-invalid="true"' in tag and "outlier-error" in tag


def test_hand_over_to_the_back_office_needs_the_form_and_starts_the_first_tasks(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1, "gxzy")  # 15 working days: back-office work
    assert case.status == "accepted" and set(case.tasks.values_list("status", flat=True)) == {"waiting"}
    html = clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert "移交后台" in html
    with nothing_written():
        page = clerk_client.post(f"/window/w1/cases/{case.pk}/hand-over/")
    assert (
        page.status_code == 422
        and "不能移交后台" in page.content.decode()
        and "转出地" in page.content.decode()
    )
    assert not journey_events().filter(type="task.started").exists()
    services.save_form(
        actor=clerk,
        case_id=case.pk,
        submitted={"transfer_out_region": "上海市", "transfer_in_region": "杭州市"},
    )
    assert clerk_client.post(f"/window/w1/cases/{case.pk}/hand-over/").status_code == 302
    case.refresh_from_db()
    assert case.status == "in_progress" and case.tasks.get().status == "ready"
    assert journey_events().filter(type="task.started").count() == 1


def test_f10_sends_what_was_typed_with_it_so_a_filled_form_completes_without_f8_first(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    page = clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    assert f'formaction="/window/w1/cases/{case.pk}/complete/"' in page  # F10 is a button of the merged form
    done = clerk_client.post(f"/window/w1/cases/{case.pk}/complete/", CBDJ_FORM)
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.COMPLETED
    assert set(FieldEntry.objects.filter(case=case, source="typed").values_list("field", flat=True)) == set(
        CBDJ_FORM
    )


def test_f10_with_a_field_still_empty_keeps_what_was_typed_and_names_the_rest(
    guide, clerk, window1, clerk_client
):
    case = _case(guide, clerk, window1)
    page = clerk_client.post(f"/window/w1/cases/{case.pk}/complete/", {"address": "滨江区江南大道1号"})
    html = page.content.decode()
    assert page.status_code == 422 and "用人单位名称" in html and "滨江区江南大道1号" in html
    case.refresh_from_db()
    assert case.status == Case.Status.ACCEPTED


def test_emptying_a_typed_value_clears_it_instead_of_keeping_the_old_one(guide, clerk, window1, clerk_client):
    """Seen while building the multiple-choice boxes: an emptied field, or every box unticked, was skipped as
    'still empty in a draft', so F8 kept the old value and the page showed it again."""
    case = _case(guide, clerk, window1)
    services.save_draft(
        actor=clerk,
        case_id=case.pk,
        submitted={"employer_name": "错的单位", "insurance_types": ["养老", "医疗"]},
    )
    page = clerk_client.post(
        f"/window/w1/cases/{case.pk}/form/", {"employer_name": "", "insurance_types": ""}
    )
    assert page.status_code == 302  # saved, back to the case page
    assert not FieldEntry.objects.filter(case=case, field__in=["employer_name", "insurance_types"]).exists()
    cleared = journey_events().filter(type="field.cleared", case=str(case.pk))
    assert sorted(e.data["field"] for e in cleared) == ["employer_name", "insurance_types"]
    assert "错的单位" not in clerk_client.get(f"/window/w1/cases/{case.pk}/").content.decode()
    with nothing_written():  # nothing typed there: emptying it again changes nothing
        services.save_draft(actor=clerk, case_id=case.pk, submitted={"employer_name": ""})


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("employer_name", "示范科技有限公司 联系人13800138000"),
        ("address", "滨江区江南大道1号（身份证 1101 0519 4912 3100 2X）"),
        ("address", "滨江区江南大道1号 电话１３８-0013-8000"),
    ],
)
def test_a_text_of_the_form_holds_no_resident_id_or_phone_and_nothing_is_written(
    guide, clerk, window1, field, typed
):
    """Issue 16, hole 9: the merged form's texts pass the one free-text rule; the numbers have their own fields."""
    case = _case(guide, clerk, window1)
    with nothing_written(), pytest.raises(Invalid) as err:
        services.save_form(actor=clerk, case_id=case.pk, submitted={field: typed})
    assert set(err.value.errors) == {field} and "不能写身份证号或手机号" in err.value.errors[field]


def test_a_sensitive_field_may_hold_digits_that_look_like_a_phone():
    account = "6222 1380 0138 0001 234"  # a bank card whose digits hold 13800138000
    assert check_value(
        "text", {}, account, label="银行账号", today=date(2026, 12, 5), sensitivity="sensitive"
    )
    with pytest.raises(FieldValueError, match="不能写身份证号或手机号"):
        check_value("text", {}, "13800138000", label="企业名称", today=date(2026, 12, 5))
