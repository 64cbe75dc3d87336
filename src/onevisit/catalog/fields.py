"""Checking a typed value against its field in the dictionary. Pure: no Django."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from onevisit.core.ids import (
    PersonalDataError,
    contains_personal_number,
    normalize_name,
    normalize_phone,
    parse_resident_id,
)

# A number or amount with no declared maximum is still bounded: a 15-digit amount is more than any form needs,
# and what a database column, a PDF and a clerk can take.
DEFAULT_MAX = Decimal("999999999999.99")

# A multiple choice (多选, `multiple: true`) is stored as its ticked choices in the dictionary's order joined by
# 、; typed or sent over the API it may also be separated by commas or semicolons of either width.
JOINER = "、"
_SEPARATORS = re.compile(r"[、,，;；]")
VALIDATION_KEYS = ("max_length", "pattern", "choices", "multiple", "min", "max")


class FieldValueError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_value(
    kind: str,
    validation: dict[str, Any],
    raw: str | Sequence[str],
    *,
    label: str,
    today: date,
    sensitivity: str = "public",
) -> str:
    """The value normalised for storage, or FieldValueError with the reason in Chinese.

    A text or an address holds no resident ID or mobile number (they have their own fields, which mask them),
    unless the field is itself sensitive (a bank account's digits may look like one).

    `raw` is what was typed, or the list a group of checkboxes (or an API client) sends: a list is one value
    per choice of a multiple choice, and holds at most one value for any other field."""
    if kind == "choice" and validation.get("multiple"):
        return _check_multiple(validation.get("choices") or [], raw, label)
    if not isinstance(raw, str):
        values = [v.strip() for v in raw if v and v.strip()]
        if len(values) > 1:
            raise FieldValueError(f"{label}只能选择一项" if kind == "choice" else f"{label}只能填写一项")
        raw = values[0] if values else ""
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
    if kind in ("text", "address") and sensitivity != "sensitive" and contains_personal_number(value):
        raise FieldValueError(
            f"{label}中不能写身份证号或手机号（含加空格、横线或全角数字的写法），请填在身份证号、电话的栏目里"
        )
    limit = validation.get("max_length", 200)
    if len(value) > limit:
        raise FieldValueError(f"{label}不超过{limit}字")
    pattern = validation.get("pattern")
    if pattern and not re.fullmatch(pattern, value):
        raise FieldValueError(f"{label}格式不正确")
    return value


def ticked(raw: str | Sequence[str]) -> list[str]:
    """The choices a multiple-choice value names, as given (unchecked): what its checkboxes show ticked."""
    parts = _SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    return list(dict.fromkeys(p.strip() for p in parts if p and p.strip()))


def _check_multiple(choices: list[str], raw: str | Sequence[str], label: str) -> str:
    chosen = ticked(raw or "")
    if not chosen:
        raise FieldValueError(f"请填写{label}")
    unknown = [c for c in chosen if c not in choices]
    if unknown:
        raise FieldValueError(f"{label}没有“{'、'.join(unknown)}”这一项，只能从{'、'.join(choices)}中勾选")
    return JOINER.join(c for c in choices if c in chosen)


def validation_problems(kind: str, validation: Any) -> list[str]:
    """What is wrong with a field's validation rule in the dictionary (empty when nothing is), in Chinese."""
    if not isinstance(validation, dict) or set(validation) - set(VALIDATION_KEYS):
        return [f"validation 只能包含 {', '.join(sorted(VALIDATION_KEYS))}"]
    problems = []
    if "pattern" in validation:
        try:
            re.compile(validation["pattern"])
        except (re.error, TypeError) as exc:
            problems.append(f"pattern 不是合法的正则表达式：{exc}")
    choices = validation.get("choices")
    if choices is not None:
        if not isinstance(choices, list) or not all(isinstance(c, str) and c.strip() for c in choices):
            problems.append("choices 须为文字列表，如 [男, 女]")
            choices = None
        elif repeated := sorted({c for c in choices if choices.count(c) > 1}):
            problems.append(f"choices 有重复的选项：{'、'.join(repeated)}")
    multiple = validation.get("multiple", False)
    if not isinstance(multiple, bool):
        problems.append("multiple 须为 true 或 false")
    elif multiple and kind != "choice":
        problems.append("multiple（多选）只用于 choice 类型的字段")
    elif multiple and not validation.get("choices"):
        problems.append("multiple（多选）须与 choices 一起使用，列出可勾选的选项")
    elif multiple and choices and (joined := [c for c in choices if _SEPARATORS.search(c)]):
        problems.append(f"多选的选项不能含有分隔符（、，,；;）：{'、'.join(joined)}")
    return problems


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

    Choices become a select (a group of checkboxes when several may be ticked), dates a date input, numbers and amounts a bounded number input (amounts in cents),
    identity numbers and phones text inputs with the right keyboard; the server checks every value again."""
    if kind == "choice" and validation.get("choices"):
        return {
            "input": "checkboxes" if validation.get("multiple") else "select",
            "choices": list(validation["choices"]),
        }
    if kind == "date":
        return {"input": "date"}
    if kind in ("number", "money"):
        low, high = bounds(validation)
        return {
            "input": "number",
            "min": _plain(low),
            "max": _plain(high),
            "step": "0.01" if kind == "money" else "any",
        }
    if kind == "phone":
        return {"input": "tel", "maxlength": 20}
    if kind == "resident_id":
        return {"input": "text", "maxlength": 18, "pattern": "[0-9]{17}[0-9Xx]"}
    return {"input": "text", "maxlength": validation.get("max_length", 200)}
