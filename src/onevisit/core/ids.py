"""Resident ID and phone number rules (GB 11643-1999): validation, masking, redaction. No Django here.

This module is the only place that knows what a resident ID looks like; everything else asks it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

# First two digits: province-level codes in use (GB/T 2260), plus 71/81/82 for Taiwan, Hong Kong, Macao
# residence permits, and 83 used by some older Taiwan permits.
PROVINCE_CODES = frozenset(
    {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46}
    | {50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83}
)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_EARLIEST_BIRTH = date(1900, 1, 1)

# Patterns for finding personal numbers inside free text (logs, event payloads).
RESIDENT_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
_DIGIT_RUN = re.compile(r"\d{11}")  # in every full resident ID and mobile number: a cheap first look

_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")
_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f"  # incl. extension B+ (生僻字)
_NAME = re.compile(f"[{_HAN}A-Za-z][{_HAN}A-Za-z·• .'-]{{0,48}}[{_HAN}A-Za-z]?")
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


class PersonalDataError(ValueError):
    """A personal number or name that fails its rule; `reason` is the Chinese message for the user."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class ResidentId:
    value: str
    region: str
    birth_date: date
    male: bool

    @property
    def masked(self) -> str:
        return mask_resident_id(self.value)


def check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def parse_resident_id(raw: str, *, today: date, field: str = "resident_id") -> ResidentId:
    """Validate an 18-character resident ID and return its parts, or raise PersonalDataError."""
    # Full-width digits (１２３) are what some input methods type: fold them to ASCII, then insist on ASCII.
    value = unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").upper()
    if not value:
        raise PersonalDataError(field, "请填写公民身份号码")
    if len(value) != 18:
        raise PersonalDataError(field, f"公民身份号码应为18位，当前为{len(value)}位")
    if not _ID_SHAPE.fullmatch(value):
        raise PersonalDataError(field, "公民身份号码前17位须为数字，末位为数字或X")
    if int(value[:2]) not in PROVINCE_CODES:
        raise PersonalDataError(field, "公民身份号码的地址码不存在")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise PersonalDataError(field, "公民身份号码中的出生日期不存在") from None
    if born < _EARLIEST_BIRTH or born > today:
        raise PersonalDataError(field, "公民身份号码中的出生日期不合理")
    if check_digit(value[:17]) != value[17]:
        raise PersonalDataError(field, "公民身份号码校验码错误")
    return ResidentId(value=value, region=value[:6], birth_date=born, male=int(value[16]) % 2 == 1)


def mask_resident_id(value: str) -> str:
    """First four and last four only: 1101**********002X. The district (digits 5-6) and the whole birth date stay
    hidden, so an address or an insured region beside it (which give the district) and the birth year shown on a
    form (mask_birth_date) still leave dozens of candidates: no page, nor any pair of pages, gives the number back."""
    if len(value) != 18:
        return "*" * len(value)
    return f"{value[:4]}{'*' * 10}{value[-4:]}"


def mask_birth_date(value: str) -> str:
    """A citizen's birth date as pages show it beside a masked ID: the year only (1985-**-**), what an age rule
    needs to be seen; the full date is in the ID, shown only by the audited full-ID view."""
    value = (value or "").strip()
    if len(value) == 10 and value[4] == "-" and value[:4].isdigit():
        return f"{value[:4]}-**-**"
    return "*" * len(value)


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    """A mainland mobile (11 digits) or a landline with area code; spaces and +86 are dropped."""
    value = re.sub(r"[\s()]", "", unicodedata.normalize("NFKC", raw or ""))
    if value.startswith("+86"):
        value = value[3:]
    if not value:
        raise PersonalDataError(field, "请填写联系电话")
    if _MOBILE.fullmatch(value) or _LANDLINE.fullmatch(value):
        return value
    raise PersonalDataError(field, "联系电话格式不正确，应为11位手机号或带区号的固定电话")


def mask_phone(value: str) -> str:
    """138****1234 for mobiles (the one phone mask of every page and the API: never a second one whose digits
    would fill in the first's stars); the first three and last two digits of a landline."""
    if _MOBILE.fullmatch(value):
        return f"{value[:3]}****{value[-4:]}"
    digits = value.replace("-", "")
    return f"{digits[:3]}{'*' * (len(digits) - 5)}{digits[-2:]}" if len(digits) > 6 else "*" * len(digits)


def normalize_name(raw: str, *, field: str = "name") -> str:
    value = " ".join((raw or "").split())
    if not value:
        raise PersonalDataError(field, "请填写姓名")
    if len(value) > 50 or not _NAME.fullmatch(value):
        raise PersonalDataError(field, "姓名只能包含汉字、字母和间隔号，最长50个字符")
    return value


def mask_name(value: str) -> str:
    """First character kept: 张*, 欧阳** — for pages a citizen or a passer-by can see."""
    return value[:1] + "*" * max(len(value) - 1, 1) if value else ""


# What people type between the digits of a number (spaces, dashes, dots) and the full-width forms some input
# methods give (１３８－００１３), folded so that `1380 0138 000` is the mobile number it is.
_FOLD = str.maketrans(
    {**{chr(0xFF10 + d): str(d) for d in range(10)}, "Ｘ": "X", "ｘ": "x", "\u3000": " ", "－": "-"}
)
_SEPARATOR = r"[ \t\u00a0\-\u2010-\u2015\u2212.]"
_BETWEEN_DIGITS = re.compile(rf"(?<=\d){_SEPARATOR}+(?=[\dXx])")
# The same numbers with at most one separator between digits: what masking replaces in place.
_RESIDENT_ID_SPACED = re.compile(
    rf"(?<![0-9A-Za-z])\d(?:{_SEPARATOR}?\d){{16}}{_SEPARATOR}?[\dXx](?![0-9A-Za-z])"
)
# Eleven digits with only separators between them: in every number found below, so its absence is a quick no.
_ELEVEN_DIGITS_LOOSELY = re.compile(rf"\d(?:{_SEPARATOR}*\d){{10}}")
_MOBILE_SPACED = re.compile(rf"(?<!\d)1{_SEPARATOR}?[3-9](?:{_SEPARATOR}?\d){{9}}(?!\d)")


def fold_digits(text: str) -> str:
    """Full-width digits, X, space and dash to ASCII; the length of the text is kept."""
    return text.translate(_FOLD)


def redact(text: str) -> str:
    """Replace every resident ID and mobile number found in free text by its masked form, spaced, dashed or
    full-width ones too; a number spaced so oddly that it cannot be cut out alone has all its digits starred."""
    text = fold_digits(text)
    text = _RESIDENT_ID_SPACED.sub(lambda m: mask_resident_id(_squeeze(m.group(0)).upper()), text)
    text = RESIDENT_ID_IN_TEXT.sub(lambda m: mask_resident_id(m.group(0)), text)
    text = _MOBILE_SPACED.sub(lambda m: mask_phone(_squeeze(m.group(0))), text)
    text = MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    if contains_personal_number(text):
        text = re.sub(r"\d", "*", text)
    return text


def _squeeze(number: str) -> str:
    return re.sub(_SEPARATOR, "", number)


def contains_personal_number(text: str) -> bool:
    """A full resident ID or mobile number, also when spaced, dashed or typed in full-width digits."""
    return personal_number_in(text)


def personal_number_in(text: str, *, phones: bool = True) -> bool:
    """A full resident ID (or, with `phones`, a mobile number) in the text, as typed or with its separators and
    full-width digits folded; fast when it holds no long number, as almost every event payload does."""
    folded = fold_digits(text)
    if not _ELEVEN_DIGITS_LOOSELY.search(folded):
        return False
    if _RESIDENT_ID_SPACED.search(folded) or (phones and _MOBILE_SPACED.search(folded)):
        return True
    for variant in (folded, _BETWEEN_DIGITS.sub("", folded)):
        if _DIGIT_RUN.search(variant) and (
            RESIDENT_ID_IN_TEXT.search(variant) or (phones and MOBILE_IN_TEXT.search(variant))
        ):
            return True
    return False
