"""Checking a typed value against its field in the dictionary. Pure: no Django."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from onevisit.core.ids import PersonalDataError, normalize_name, normalize_phone, parse_resident_id


class FieldValueError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_value(kind: str, validation: dict[str, Any], raw: str, *, label: str, today: date) -> str:
    """The value normalised for storage, or FieldValueError with the reason in Chinese."""
    value = (raw or "").strip()
    if not value:
        raise FieldValueError(f"请填写{label}")
    try:
        if kind == "resident_id":
            return parse_resident_id(value, today=today).value
        if kind == "phone":
            return normalize_phone(value)
        if kind == "text" and label.endswith("姓名"):
            return normalize_name(value)
    except PersonalDataError as exc:
        raise FieldValueError(exc.reason) from None
    if kind == "date":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise FieldValueError(f"{label}须为日期，如 2026-11-22") from None
        if day.year < 1900:
            raise FieldValueError(f"{label}不合理")
        return day.isoformat()
    if kind in ("number", "money"):
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise FieldValueError(f"{label}须为数字") from None
        if not number.is_finite():
            raise FieldValueError(f"{label}须为数字")
        low, high = validation.get("min"), validation.get("max")
        if (low is not None and number < Decimal(str(low))) or (
            high is not None and number > Decimal(str(high))
        ):
            raise FieldValueError(f"{label}超出允许范围")
        return str(number.quantize(Decimal("0.01")) if kind == "money" else number.normalize())
    if kind == "choice":
        choices = validation.get("choices") or []
        if choices and value not in choices:
            raise FieldValueError(f"{label}须为：{'、'.join(choices)}")
        return value
    limit = validation.get("max_length", 200)
    if len(value) > limit:
        raise FieldValueError(f"{label}不超过{limit}字")
    pattern = validation.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        raise FieldValueError(f"{label}格式不正确")
    return value
