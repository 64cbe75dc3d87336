"""Validation of ferried values: per field (format, check digits, consistency with the resident ID) and per
exchange (the field set's declared checks, e.g. insurance must be active for a transfer). Pure: no Django.

The same rules judge a back end's reply (shown at the window beside the pre-filled value) and a clerk's manual
entry during an outage (where an error refuses the entry).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from onevisit.core.ids import PersonalDataError, normalize_name, parse_resident_id

LEVELS = ("ok", "info", "warn", "error")
INSURANCE_STATUSES = ("正常参保", "暂停参保", "终止参保")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

LABELS = {
    "resident_id": "公民身份号码",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "insurance_status": "参保状态",
    "insured_region": "参保地",
    "employer_name": "用人单位名称",
    "employer_credit_code": "统一社会信用代码",
    "paid_months": "累计缴费月数",
    "last_paid_month": "最近缴费年月",
    "contribution_base": "缴费基数",
}


@dataclass(frozen=True)
class Finding:
    field: str
    level: str  # ok | info | warn | error
    message: str


def credit_code_check_char(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code."""
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def _credit_code(value: str) -> str | None:
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", value):
        return "应为18位统一社会信用代码"
    if credit_code_check_char(value[:17]) != value[17]:
        return "校验码不正确"
    return None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_field(field: str, value: str, *, resident_id: str, today: date) -> str | None:
    """The reason a value is wrong for its field, or None. Unknown fields only need to be short text."""
    value = value.strip()
    if not value:
        return "不能为空"
    rid = None
    if resident_id:
        try:
            rid = parse_resident_id(resident_id, today=today)
        except PersonalDataError:
            rid = None
    if field == "name":
        try:
            normalize_name(value)
        except PersonalDataError as exc:
            return exc.reason
        return None
    if field == "gender":
        if value not in ("男", "女"):
            return "应为“男”或“女”"
        if rid is not None and (value == "男") != rid.male:
            return "与公民身份号码的性别位不一致"
        return None
    if field == "birth_date":
        born = _date(value)
        if born is None:
            return "应为日期（如 1985-06-15）"
        if rid is not None and born != rid.birth_date:
            return "与公民身份号码中的出生日期不一致"
        return None
    if field == "insurance_status":
        return None if value in INSURANCE_STATUSES else f"应为{'、'.join(INSURANCE_STATUSES)}之一"
    if field == "employer_credit_code":
        return _credit_code(value)
    if field == "paid_months":
        return None if value.isdigit() and int(value) <= 900 else "应为0至900之间的整数"
    if field == "last_paid_month":
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
            return "应为年月（如 2026-08）"
        return None if value <= f"{today:%Y-%m}" else "不能晚于本月"
    if field == "contribution_base":
        try:
            amount = float(value)
        except ValueError:
            return "应为金额"
        return None if 0 <= amount < 1_000_000 else "金额超出范围"
    return None if len(value) <= 100 else "不能超过100个字"


def _applies(check: Mapping[str, Any], matters: Iterable[str]) -> bool:
    wanted = check.get("matters")
    return not wanted or bool(set(wanted) & set(matters))


def _exchange_finding(check: Mapping[str, Any], value: str, case_values: Mapping[str, str]) -> bool:
    """True when the check's condition is violated."""
    if "equals" in check:
        return value != str(check["equals"])
    if "not_equals" in check:
        return value == str(check["not_equals"])
    if "at_least" in check:
        return not value.isdigit() or int(value) < int(check["at_least"])
    if "same_as_case" in check:
        other = case_values.get(str(check["same_as_case"]), "")
        return bool(other) and other != value
    raise ValueError(f"unknown check {dict(check)!r}")


CHECK_KINDS = ("equals", "not_equals", "at_least", "same_as_case")
_NEEDS = "每条校验需要 field 与 message"
_ONE_KIND = f"每条校验恰好需要 {'/'.join(CHECK_KINDS)} 之一"
_CHECK_REASONS = {
    "field": _NEEDS,
    "message": _NEEDS,
    "level": f"level 应为 {'/'.join(LEVELS)} 之一",
    "at_least": "at_least 应为整数",
    "same_as_case": "same_as_case 应为导引台登记的字段名",
    "matters": "matters 应为事项编码列表",
}


class CheckSpec(BaseModel):
    """A field set's declared exchange check, as field-sets.yaml writes it."""

    model_config = ConfigDict(extra="allow", frozen=True)

    field: Annotated[str, StringConstraints(strict=True, min_length=1)]
    message: Annotated[str, StringConstraints(strict=True, min_length=1)]
    level: Literal["ok", "info", "warn", "error"] = "warn"
    equals: Any = None
    not_equals: Any = None
    at_least: StrictInt | None = None
    same_as_case: StrictStr | None = None
    matters: list[StrictStr] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CheckSpec:
        if sum(k in self.model_fields_set for k in CHECK_KINDS) != 1:
            raise PydanticCustomError("ferry", _ONE_KIND)
        return self


def check_spec(check: object) -> str | None:
    """Why a declared check is malformed, or None (used when field sets are loaded)."""
    if not isinstance(check, Mapping):
        return _NEEDS
    try:
        CheckSpec.model_validate(check)
    except ValidationError as exc:
        reasons = [_CHECK_REASONS[str(e["loc"][0])] if e["loc"] else e["msg"] for e in exc.errors()]
        return min(reasons, key=[_NEEDS, _ONE_KIND, *_CHECK_REASONS.values()].index)
    return None


def evaluate(
    values: Mapping[str, str],
    *,
    checks: Iterable[Mapping[str, Any]],
    matters: Iterable[str],
    resident_id: str,
    case_values: Mapping[str, str],
    today: date,
) -> list[Finding]:
    """Every finding for a set of ferried values: field errors first, then the exchange's declared checks."""
    matters = list(matters)
    findings = []
    for field, value in values.items():
        reason = check_field(field, value, resident_id=resident_id, today=today)
        label = LABELS.get(field, field)
        findings.append(Finding(field, "error", f"{label}{reason}") if reason else Finding(field, "ok", ""))
    for check in checks:
        field = str(check["field"])
        if (
            field in values
            and _applies(check, matters)
            and _exchange_finding(check, values[field], case_values)
        ):
            findings.append(Finding(field, str(check.get("level", "warn")), str(check["message"])))
    return findings


def entry_errors(values: Mapping[str, str], *, resident_id: str, today: date) -> dict[str, str]:
    """Field → reason for a manual entry; empty values are allowed (not every fact is at hand)."""
    errors = {}
    for field, value in values.items():
        if value.strip():
            reason = check_field(field, value, resident_id=resident_id, today=today)
            if reason:
                errors[field] = f"{LABELS.get(field, field)}{reason}"
    return errors
