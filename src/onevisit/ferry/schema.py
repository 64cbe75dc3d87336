"""field-sets.yaml's items as pydantic models, each failure translated to the Chinese reason the loader shows.

A model holds what an item must be on its own (its keys, their types, a positive version, a known interface
style); what it refers to (other field sets, the version already loaded) is checked by `services.load`.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError, field_validator

from onevisit.ferry.models import Backend


class Item(BaseModel):
    """An item of field-sets.yaml; REASONS maps each field to the reason shown when it is wrong."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    NEEDS: ClassVar[str]
    REASONS: ClassVar[dict[str, str]]

    @classmethod
    def check(cls, data: Any, where: str, problems: list[str]) -> Any:
        """The validated item, or None with each reason appended to problems as `where: reason`. A missing key
        (or an item that is not a mapping) is reported alone: nothing else can be judged."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors()
            if any(e["type"] in ("missing", "model_type") for e in errors):
                problems.append(f"{where}: {cls.NEEDS}")
                return None
            problems += [f"{where}: {reason}" for reason in cls.reasons(errors)]
            return None

    @classmethod
    def reasons(cls, errors: list[Any]) -> list[str]:
        extra = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
        reasons = [f"未定义的键 {', '.join(extra)}"] if extra else []
        for e in errors:
            reason = cls.REASONS.get(str(e["loc"][0]))
            if reason and reason not in reasons:
                reasons.append(reason)
        return reasons


Names = list[StrictStr]


class FieldSetItem(Item):
    NEEDS = "需要 checks, code, fills, label, matters, reply, request, version"
    REASONS = {
        "code": "code 应为文字",
        "version": "version 应为正整数",
        "label": "label 应为文字",
        "request": "request 应为字段名列表",
        "reply": "reply 应为字段名列表",
        "matters": "matters 应为事项编码列表",
        "checks": "checks 应为校验列表",
        "fills": "fills 的键须是 reply 中的字段",
    }
    code: StrictStr
    version: Annotated[StrictInt, Field(ge=1)]
    label: StrictStr
    request: Names
    reply: Names
    matters: Names | None = None
    checks: list[Any] | None = None
    fills: dict[StrictStr, StrictStr] | None = None


class BackendItem(Item):
    NEEDS = "需要 code, name, style, address, field_sets"
    REASONS = {
        "code": "code 应为文字",
        "name": "name 应为文字",
        "style": f"style 应为 {'/'.join(Backend.Style.values)} 之一",
        "address": "address 应为文字",
        "field_sets": "field_sets 应为字段集编码列表",
        "timeout_seconds": "timeout_seconds 应为大于零的秒数",
    }
    code: StrictStr
    name: StrictStr
    style: StrictStr
    address: StrictStr
    field_sets: Names
    timeout_seconds: Annotated[float, Field(strict=True, gt=0)] = 3.0

    @field_validator("style")
    @classmethod
    def _known_style(cls, value: str) -> str:
        if value not in Backend.Style.values:
            raise ValueError("unknown style")
        return value
