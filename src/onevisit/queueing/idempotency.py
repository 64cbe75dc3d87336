"""Idempotency: a retried request gets the first answer; other content under the same key is refused."""

from __future__ import annotations

import hashlib
import json

from onevisit.accounts.models import Hall
from onevisit.catalog.models import Matter
from onevisit.core import crypto
from onevisit.core.errors import Conflict, Invalid
from onevisit.queueing.models import Queue, Ticket

MAX_KEY_LENGTH = 200
REQUEST_FIELDS = {
    "matter": "办理事项",
    "bundle": "一件事",
    "answers": "情形",
    "materials": "材料",
    "name": "姓名",
    "resident_id": "公民身份号码",
    "phone": "联系电话",
    "channel": "分流去向",
    "queue": "队列",
    "priority_class": "优先类别",
    "disability": "残疾人优先",
    "commitment": "容缺承诺",
    "tolerance_due": "承诺补交日期",
    "not_applicable": "不适用材料",
    "appointment": "预约码",
}


def request_key(scope: str, key: str) -> str:
    """The stored form of a client's idempotency key: SHA-256 of scope and the whole key (never cut short)."""
    key = (key or "").strip()
    if not key:
        return ""
    if len(key) > MAX_KEY_LENGTH:
        raise Invalid(f"请求编号过长（不超过{MAX_KEY_LENGTH}个字符）", field="idempotency_key")
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def request_fingerprint(**fields) -> dict[str, str]:
    """Per field, a keyed digest of the request's value: comparable on a retry, never the value itself."""
    return {
        name: crypto.digest("request", f"{name}={json.dumps(value, sort_keys=True, default=str)}")[:24]
        for name, value in fields.items()
    }


def check_same_request(stored: dict, wanted: dict) -> None:
    """Refuse a retry whose content differs from the first request's, naming the fields that differ."""
    differing = [name for name in wanted if stored.get(name) != wanted[name]]
    if not differing:
        return
    labels = "、".join(REQUEST_FIELDS.get(name, name) for name in differing)
    message = f"同一请求编号已提交过内容不同的申请（{labels}不同），未作处理：请重新打开页面后再提交"
    raise Conflict(message, errors={name: message for name in differing})


def ticket_request(*, matter: Matter, id_digest: str | None, queue: Queue, priority_class: str) -> dict:
    """What identifies a ticket request: the same key with another citizen or matter is another request.

    The citizen is their resident ID's keyed digest (Person.id_digest, core.crypto), known before any row exists,
    so a retry racing the first request's commit still compares equal.
    """
    return request_fingerprint(
        matter=matter.code,
        resident_id=id_digest,
        queue=queue.code,
        priority_class=str(priority_class),
    )


def replayed_ticket(*, hall: Hall, key: str, request: dict) -> Ticket | None:
    """The ticket a stored request key already gave, if the content matches; a 409 if it does not."""
    if not key:
        return None
    existing = Ticket.objects.filter(hall=hall, idempotency_key=key).first()
    if existing is not None:
        check_same_request(existing.idempotency_fingerprint, request)
    return existing
