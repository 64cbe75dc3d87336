"""Checking a typed value against its field in the dictionary. Pure: no Django."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from onevisit.core.ids import PersonalDataError, normalize_name, normalize_phone, parse_resident_id

# A number or amount with no declared maximum is still bounded: a 15-digit amount is more than any form needs,
# and what a database column, a PDF and a clerk can take.
DEFAULT_MAX = Decimal("999999999999.99")


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
    except PersonalDataError as exc:  # the reason names the field by its dictionary label; say which one
        raise FieldValueError(exc.reason if label in exc.reason else f"{label}：{exc.reason}") from None
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
        low, high = bounds(validation)
        if number < low or number > high:
            raise FieldValueError(f"{label}须在 {_plain(low)} 到 {_plain(high)} 之间")
        if kind == "money":
            if number != number.quantize(Decimal("0.01")):
                raise FieldValueError(f"{label}最多两位小数")
            return str(number.quantize(Decimal("0.01")))
        return _plain(number)
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


def bounds(validation: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """The allowed range of a number or amount: the dictionary's min and max, never unbounded."""
    low, high = validation.get("min"), validation.get("max")
    return (
        Decimal(str(low)) if low is not None else -DEFAULT_MAX,
        min(Decimal(str(high)), DEFAULT_MAX) if high is not None else DEFAULT_MAX,
    )


def _plain(number: Decimal) -> str:
    """A number as people write it: no exponent, no trailing zeros (1E+2 → 100, 2.50 → 2.5)."""
    text = f"{number.normalize():f}"
    return text


def widget(kind: str, validation: dict[str, Any]) -> dict[str, Any]:
    """How the window's form shows a field of this type: the input, its choices or its range.

    Choices become a select, dates a date input, numbers and amounts a bounded number input (amounts in cents),
    identity numbers and phones text inputs with the right keyboard; the server checks every value again."""
    if kind == "choice" and validation.get("choices"):
        return {"input": "select", "choices": list(validation["choices"])}
    if kind == "date":
        return {"input": "date"}
    if kind in ("number", "money"):
        low, high = bounds(validation)
        return {"input": "number", "min": _plain(low), "max": _plain(high),
                "step": "0.01" if kind == "money" else "any"}  # fmt: skip
    if kind == "phone":
        return {"input": "tel", "maxlength": 20}
    if kind == "resident_id":
        return {"input": "text", "maxlength": 18, "pattern": "[0-9]{17}[0-9Xx]"}
    return {"input": "text", "maxlength": validation.get("max_length", 200)}
