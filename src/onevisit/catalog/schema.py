"""The catalog's YAML items as pydantic models, each failure translated to the Chinese reason the importer shows.

One model per kind of item (department, clause, field, matter, material, bundle) holds what an item must be on
its own: types (strict: a boolean is true or false, a number is not a boolean), lengths, codes, choices, unknown
keys. What an item refers to (clauses, fields, departments, matters, a bundle's situation rules) is checked by
the importer against the whole catalog.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic import Field as Bounds
from pydantic_core import PydanticCustomError

from onevisit.catalog.models import CHANNELS, FieldDefinition, Matter

CODE = r"^[a-z0-9][a-z0-9-]*$"
CLAUSE_REF = re.compile(r"^([a-z0-9][a-z0-9-]*)@(\d{4}-(?:0[1-9]|1[0-2]))$")


def _text(limit: int) -> Any:
    """Text that is not blank once trimmed and has at most `limit` characters."""
    return Annotated[
        str, StringConstraints(strict=True, strip_whitespace=True, min_length=1, max_length=limit)
    ]


def _code(pattern: str, limit: int | None = None) -> Any:
    return Annotated[str, StringConstraints(strict=True, pattern=pattern, max_length=limit)]


def _one_of(values: Collection[str]) -> Any:
    def check(value: Any) -> Any:
        if value not in values:
            raise ValueError("not a choice")
        return value

    return Annotated[Any, AfterValidator(check)]


def _optional_text(limit: int) -> Any:
    return Annotated[str, StringConstraints(strict=True, max_length=limit)] | None


class Item(BaseModel):
    """An item of the catalog; REASONS maps a field (or `field.error_type`) to the reason shown for it."""

    model_config = ConfigDict(extra="allow", validate_default=True, frozen=True)
    REASONS: ClassVar[dict[str, str]] = {}

    @classmethod
    def check(cls, data: Mapping[str, Any], where: str, problems: list[str]) -> Any:
        """The validated item, or None with each reason appended to problems as `where: reason`."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems += [f"{where}: {reason}" for reason in cls.reasons(exc)]
            return None

    @classmethod
    def reasons(cls, exc: ValidationError) -> list[str]:
        errors = exc.errors()
        unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
        out = [f"未知属性 {', '.join(unknown)}"] if unknown else []
        for e in errors:
            if e["type"] == "extra_forbidden":
                continue
            if not e["loc"]:  # a rule across fields: its message is the reason
                reason = e["msg"]
            else:
                name = str(e["loc"][0])
                reason = cls.REASONS.get(f"{name}.{e['type']}", cls.REASONS[name]).format(value=e["input"])
            if reason not in out:
                out.append(reason)
        return out


class DepartmentItem(Item):
    model_config = ConfigDict(extra="forbid")
    REASONS = {
        "code": "部门代码须为不超过32个的小写字母、数字和连字符",
        "name": "部门名称 name 须为不超过100字的文字",
    }
    code: _code(CODE, 32)
    name: _text(100)
    parent: Any = None


class ClauseItem(Item):
    REASONS = {
        "code": "条款编码须为小写字母、数字和连字符",
        "version": "条款缺少版本或版本不是 年-月 格式（如 2026-11）",
        "title": "条款标题须为不超过200字的文字",
    }
    code: _code(CODE)
    version: _code(r"^\d{4}-(0[1-9]|1[0-2])$")
    title: _text(200)


class FieldItem(Item):
    REASONS = {
        "code": "字段编码须为小写字母、数字和下划线",
        "label": "字段名称 label 须为不超过100字的文字",
        "type": "类型 {value} 不存在",
        "sensitivity": "敏感级别 {value} 不存在",
        "synonyms": "synonyms 须为列表",
        "core": "core 须为 true 或 false（是否核心字段）",
    }
    code: _code(r"^[a-z][a-z0-9_]*$")
    label: _text(100)
    type: _one_of(FieldDefinition.Type.values) = "text"
    sensitivity: _one_of(FieldDefinition.Sensitivity.values) = "personal"
    synonyms: list[Any] = []
    core: StrictBool = False


class MatterItem(Item):
    REASONS = {
        "code": "事项编码须为小写字母、数字和连字符",
        "name": "name 须为不超过100字的文字",
        "level": f"层级 {{value}} 须为 {'/'.join(Matter.Level.values)}",
        "time_limit_days": "time_limit_days 须为 0 到 3650 的整数",
        "correction_pauses_clock": "correction_pauses_clock 须为 true 或 false（补正期间是否暂停计时）",
        "channels": f"channels 只能是 {', '.join(sorted(CHANNELS))}",
    }
    code: _code(CODE)
    name: _text(100)
    level: _one_of(Matter.Level.values) = "district"
    time_limit_days: Annotated[StrictInt, Bounds(ge=0, le=3650)] = 0
    correction_pauses_clock: StrictBool = True
    channels: list[_one_of(CHANNELS)] = ["window"]


class MaterialItem(Item):
    model_config = ConfigDict(extra="forbid")
    REASONS = {
        "code.string_type": "编码和名称须为文字",
        "code": "材料编码须为小写字母、数字和连字符",
        "name.string_type": "编码和名称须为文字",
        "name.string_too_long": "材料名称不超过200字",
        "name": "缺少材料名称",
        "stamp": "stamp 须为不超过100字的文字",
        "note": "note 须为不超过300字的文字",
        "exempt_if": "exempt_if 须为不超过50字的文字",
        "original": "original 须为 true 或 false",
        "electronic": "electronic 须为 true 或 false",
        "tolerable": "tolerable 须为 true 或 false",
        "shared": "shared 须为 true 或 false",
        "copies": "copies 须为 1 到 99 的整数",
        "due_working_days": "due_working_days（补交期限，工作日）须为 1 到 60 的整数",
        "clause": "条款引用 {value} 须写成 编码@年-月（如 shbxf-58@2026-11），缺少版本",
    }
    code: _code(CODE) = ""
    name: _text(200) = ""
    original: StrictBool = False
    electronic: StrictBool = False
    stamp: _optional_text(100) = None
    copies: Annotated[StrictInt, Bounds(ge=1, le=99)] = 1
    tolerable: StrictBool = False
    shared: StrictBool = False
    clause: Any = None
    note: _optional_text(300) = None
    exempt_if: _optional_text(50) = None
    due_working_days: Annotated[StrictInt, Bounds(ge=1, le=60)] | None = None

    @field_validator("clause")
    @classmethod
    def _clause_ref(cls, value: Any) -> str:
        if value and not CLAUSE_REF.match(str(value)):
            raise ValueError("not code@version")
        return str(value or "")

    @model_validator(mode="after")
    def _due_only_when_tolerable(self) -> MaterialItem:
        if self.due_working_days is not None and not self.tolerable:
            raise PydanticCustomError(
                "catalog", "只有可容缺（tolerable: true）的材料才有补交期限 due_working_days"
            )
        return self


class BundleItem(Item):
    REASONS = {
        "code": "编码须为小写字母、数字和连字符",
        "name": "名称须为不超过100字的文字",
        "key_matter": "缺少主事项 key_matter",
    }
    code: _code(CODE)
    name: _text(100)
    key_matter: Annotated[str, StringConstraints(strict=True)]
