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
    normalize_name,
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
    assert mask_resident_id(value) == value[:4] + "*" * 10 + value[-4:]


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


def test_the_province_list_is_the_gb_2260_codes_and_the_permit_codes():
    assert sorted(PROVINCE_CODES) == [
        *(11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46),
        *(50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83),
    ]


@pytest.mark.parametrize("province", [10, 16, 20, 24, 30, 38, 40, 47, 49, 55, 60, 66, 70, 72, 80, 84, 91])
def test_a_number_from_no_province_is_refused(province):
    with pytest.raises(PersonalDataError) as err:
        parse_resident_id(make(region=f"{province}0101"), today=TODAY)
    assert err.value.reason == "公民身份号码的地址码不存在"


def test_check_digit_wants_exactly_seventeen_digits():
    assert check_digit("11010519491231002") == "X"
    with pytest.raises(ValueError):
        check_digit("1101051949123100")
    with pytest.raises(ValueError):
        check_digit("110105194912310021")


def test_a_parsed_number_gives_region_birth_date_and_sex():
    male = parse_resident_id(make(region="320102", born=date(1990, 1, 2), seq="011"), today=TODAY)
    assert (male.region, male.birth_date, male.male) == ("320102", date(1990, 1, 2), True)
    female = parse_resident_id(make(region="320102", born=date(1990, 1, 2), seq="012"), today=TODAY)
    assert female.male is False
    assert female.masked == "3201" + "*" * 10 + female.value[-4:]


def test_spaces_and_full_width_digits_are_folded_before_the_rules():
    value = make()
    spaced = f" {value[:6]} {value[6:14]} {value[14:]} "
    assert parse_resident_id(spaced, today=TODAY).value == value
    full_width = value.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert parse_resident_id(full_width, today=TODAY).value == value


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "请填写公民身份号码"),
        (None, "请填写公民身份号码"),
        ("   ", "请填写公民身份号码"),
        ("110105198506151", "公民身份号码应为18位，当前为15位"),
        ("1101051985061A123X", "公民身份号码前17位须为数字，末位为数字或X"),
        (make(region="990105"), "公民身份号码的地址码不存在"),
        ("110105198502301230", "公民身份号码中的出生日期不存在"),
        (make(born=date(1899, 12, 31)), "公民身份号码中的出生日期不合理"),
        (make()[:17] + ("0" if make()[-1] != "0" else "1"), "公民身份号码校验码错误"),
    ],
)
def test_each_refusal_names_its_field_and_says_why_in_full(value, reason):
    with pytest.raises(PersonalDataError) as err:
        parse_resident_id(value, today=TODAY, field="applicant_id")
    assert (err.value.field, err.value.reason) == ("applicant_id", reason)
    assert str(err.value) == f"applicant_id: {reason}"


def test_fifteen_digit_first_generation_ids_are_refused_with_their_length():
    with pytest.raises(PersonalDataError) as err:
        parse_resident_id("110105491231002", today=TODAY)
    assert err.value.reason == "公民身份号码应为18位，当前为15位"


def test_birth_date_bounds_are_inclusive():
    assert parse_resident_id(make(born=TODAY), today=TODAY).birth_date == TODAY
    assert parse_resident_id(make(born=date(1900, 1, 1)), today=TODAY).birth_date == date(1900, 1, 1)
    with pytest.raises(PersonalDataError, match="出生日期不合理"):
        parse_resident_id(make(born=TODAY + timedelta(days=1)), today=TODAY)


def test_a_short_or_long_value_is_masked_whole():
    assert mask_resident_id("1101") == "****"
    assert mask_resident_id("1" * 19) == "*" * 19
    assert mask_resident_id("") == ""


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("(0571) 87654321", "057187654321"),
        ("0571-87654321", "0571-87654321"),
        ("010-1234567", "010-1234567"),
        ("02112345678", "02112345678"),
    ],
)
def test_mobiles_and_landlines_with_area_code_are_accepted(raw, normal):
    assert normalize_phone(raw) == normal


@pytest.mark.parametrize(
    "raw", ["12812345678", "1381234567", "138123456789", "87654321", "0571-123456", "0571-123456789", "abc"]
)
def test_other_phone_shapes_are_refused_naming_the_field(raw):
    with pytest.raises(PersonalDataError) as err:
        normalize_phone(raw, field="contact")
    assert (err.value.field, err.value.reason) == (
        "contact",
        "联系电话格式不正确，应为11位手机号或带区号的固定电话",
    )


@pytest.mark.parametrize("raw", ["", None, "  ", "+86", "( )"])
def test_an_empty_phone_is_asked_for(raw):
    with pytest.raises(PersonalDataError) as err:
        normalize_phone(raw)
    assert (err.value.field, err.value.reason) == ("phone", "请填写联系电话")


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0571-87654321", "057*******21"),
        ("02112345678", "021******78"),
        ("0101234", "010**34"),
        ("010-123", "******"),
        ("12345", "*****"),
    ],
)
def test_phone_masks_keep_area_code_and_last_digits_only(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("张三", "张三"),
        ("  欧阳  娜娜 ", "欧阳 娜娜"),
        ("阿卜杜·热合曼", "阿卜杜·热合曼"),
        ("Mary O'Neil-Smith", "Mary O'Neil-Smith"),
        ("𠀋一", "𠀋一"),
        ("王", "王"),
        ("李" * 50, "李" * 50),
    ],
)
def test_names_of_han_characters_letters_and_separators_are_accepted(raw, normal):
    assert normalize_name(raw) == normal


@pytest.mark.parametrize("raw", ["李" * 51, "张3", "·张三", "张三!", "@", "王-"[::-1] + "-"])
def test_other_names_are_refused_naming_the_field(raw):
    with pytest.raises(PersonalDataError) as err:
        normalize_name(raw, field="agent_name")
    assert (err.value.field, err.value.reason) == (
        "agent_name",
        "姓名只能包含汉字、字母和间隔号，最长50个字符",
    )


@pytest.mark.parametrize("raw", ["", None, " \t "])
def test_an_empty_name_is_asked_for(raw):
    with pytest.raises(PersonalDataError) as err:
        normalize_name(raw)
    assert (err.value.field, err.value.reason) == ("name", "请填写姓名")


def test_name_masks_keep_the_first_character():
    assert mask_name("张三") == "张*"
    assert mask_name("王") == "王*"
    assert mask_name("") == ""


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("no numbers here", False),
        ("call 13812345678", True),
        (f"id {make()}", True),
        ("order 1234567", False),
    ],
)
def test_contains_personal_number_finds_either_kind(text, found):
    assert contains_personal_number(text) is found


@pytest.mark.parametrize("digit", range(10))
def test_the_seventeenth_digit_odd_is_male_even_is_female(digit):
    parsed = parse_resident_id(make(seq=f"01{digit}"), today=TODAY)
    assert parsed.male is (digit % 2 == 1)
