"""What every API request body is read through: a JSON object with only its declared fields."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from ninja.parser import Parser
from pydantic import ConfigDict


class InputSchema(Schema):
    """A request body: a field the schema does not declare is refused (422 naming it), not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class NotJson(ValueError):
    """A body sent as something other than application/json."""


class JsonOnlyParser(Parser):
    """Read a body only when it says it is JSON; a form post or text/plain body is refused (415)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise NotJson(request.content_type or "")
        return super().parse_body(request)
