from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from onevisit.core.ids import (
    PROVINCE_CODES,
    RESIDENT_ID_IN_TEXT,
    PersonalDataError,
    check_digit,
    contains_personal_number,
    mask_name,
    mask_phone,
    mask_resident_id,
    normalize_phone,
    parse_resident_id,
    personal_number_in,
    redact,
)

TODAY = date(2026, 11, 22)


def make(region="110105", born=date(1985, 6, 15), seq="123"):
    first17 = f"{region}{born:%Y%m%d}{seq}"
    return first17 + check_digit(first17)


def test_known_valid_number_from_the_standard():
    # The worked example of GB 11643-1999: 11010519491231002X.
    parsed = parse_resident_id("11010519491231002x", today=TODAY)
    assert parsed.value == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.male is False


@given(
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    seq=st.integers(0, 999),
)
def test_every_well_formed_number_is_accepted_and_masked(province, born, seq):
    value = make(f"{province}0101", born, f"{seq:03d}")
    parsed = parse_resident_id(value, today=TODAY)
    assert parsed.birth_date == born
    assert mask_resident_id(value) == value[:6] + "********" + value[-4:]


@given(born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY), wrong=st.sampled_from("0123456789X"))
def test_any_wrong_check_digit_is_refused(born, wrong):
    value = make(born=born)
    if wrong == value[-1]:
        return
    with pytest.raises(PersonalDataError, match="校验码错误"):
        parse_resident_id(value[:17] + wrong, today=TODAY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "请填写"),
        ("1101051985061512", "应为18位，当前为16位"),
        ("11010519850615123X1", "应为18位"),
        ("1101051985061A123X", "前17位须为数字"),
        (make(region="990105"), "地址码不存在"),
        (make(born=TODAY + timedelta(days=1)), "出生日期不合理"),
        (make(born=date(1899, 12, 31)), "出生日期不合理"),
    ],
)
def test_malformed_numbers_name_the_reason(value, reason):
    with pytest.raises(PersonalDataError, match=reason) as err:
        parse_resident_id(value, today=TODAY)
    assert err.value.field == "resident_id"


def test_impossible_birth_date_is_refused_before_the_check_digit():
    first17 = "11010519850230123"
    with pytest.raises(PersonalDataError, match="出生日期不存在"):
        parse_resident_id(first17 + check_digit(first17), today=TODAY)


def test_phone_rules_and_masks():
    assert normalize_phone("+86 138 1234 5678") == "13812345678"
    assert normalize_phone("0571-87654321") == "0571-87654321"
    assert mask_phone("13812345678") == "138****5678"
    with pytest.raises(PersonalDataError, match="联系电话格式不正确"):
        normalize_phone("12345")
    assert mask_name("欧阳娜娜") == "欧***"


def test_redact_masks_numbers_in_free_text():
    rid = make()
    text = f"looked up {rid} and 13812345678 at window 3"
    assert not contains_personal_number(redact(text))
    assert mask_resident_id(rid) in redact(text)
    assert "138****5678" in redact(text)


@given(st.text(alphabet="0112345678913Xx -号:", max_size=48))
def test_the_quick_look_for_personal_numbers_agrees_with_the_exact_patterns(text):
    assert personal_number_in(text) == contains_personal_number(text)
    assert personal_number_in(text, phones=False) == bool(RESIDENT_ID_IN_TEXT.search(text))
    assert personal_number_in(f"回电 13812345678 {text}")
    assert personal_number_in(f"{text} {make()} ", phones=False)
