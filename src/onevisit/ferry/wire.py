"""The ferry's wire format, shared by the hall side and the legacy simulators: canonical JSON and HMAC signatures.

Pure: no Django. A request and a reply are plain dicts; the signature covers every other key, in canonical
form (sorted keys, no spaces, UTF-8), so any change to any field invalidates it.

request: envelope_id, idempotency_key, backend, field_set, version, operation ("query" | "backfill"),
         created_at (ISO 8601), payload {field: str}, signature
         + per delivery attempt: sent_at (ISO 8601) and nonce, re-signed — a back end refuses a request
         older than MAX_SKEW_SECONDS or a nonce it has seen, so a captured request cannot be replayed;
         the idempotency key still makes a genuine redelivery (new nonce, same content) take effect once
reply:   envelope_id, status ("ok" | "not_found" | "refused"), fields {field: str}, reason, duplicate, signature
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

OPERATIONS = ("query", "backfill")
STATUSES = ("ok", "not_found", "refused")
REQUEST_KEYS = frozenset(
    {
        "envelope_id",
        "idempotency_key",
        "backend",
        "field_set",
        "version",
        "operation",
        "created_at",
        "payload",
    }
)
REPLY_KEYS = frozenset({"envelope_id", "status", "fields", "reason", "duplicate"})
ATTEMPT_KEYS = frozenset({"sent_at", "nonce"})
MAX_SKEW_SECONDS = 300


class WireError(ValueError):
    """A message that is not a well-formed, correctly signed request or reply; reason is for people."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write_file(path: Path, data: bytes) -> None:
    """The file exchange's one way to write: beside the target under a dot name, readable by the owner only
    (requests carry a resident ID), then renamed, so the file appears whole or not at all."""
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(temp, path)


def canonical(message: dict[str, Any]) -> bytes:
    body = {k: v for k, v in message.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(message: dict[str, Any]) -> str:
    """SHA-256 of the canonical form without the attempt's stamp: what 'the same content' means for an
    idempotency key."""
    return hashlib.sha256(canonical({k: v for k, v in message.items() if k not in ATTEMPT_KEYS})).hexdigest()


def stamp(request: dict[str, Any], key: bytes, *, now: datetime) -> dict[str, Any]:
    """One delivery attempt of a request: its send time and a fresh nonce, signed with the rest."""
    body = {k: v for k, v in request.items() if k != "signature" and k not in ATTEMPT_KEYS}
    return sign({**body, "sent_at": now.isoformat(), "nonce": uuid.uuid4().hex}, key)


def sign(message: dict[str, Any], key: bytes) -> dict[str, Any]:
    return {**message, "signature": hmac.new(key, canonical(message), hashlib.sha256).hexdigest()}


def signature_ok(message: dict[str, Any], key: bytes) -> bool:
    given = message.get("signature")
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given, hmac.new(key, canonical(message), hashlib.sha256).hexdigest())


def _strings(value: Any, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise WireError(f"{what} 必须是“字段: 文本”的映射")
    return value


def check_request(message: Any, key: bytes, *, now: datetime | None = None) -> dict[str, Any]:
    """Shape first, then signature, then (for a receiver, which passes now) freshness of the attempt."""
    if not isinstance(message, dict):
        raise WireError("请求不是 JSON 对象")
    missing = sorted(REQUEST_KEYS - set(message))
    if missing:
        raise WireError(f"请求缺少 {', '.join(missing)}")
    extra = sorted(set(message) - REQUEST_KEYS - ATTEMPT_KEYS - {"signature"})
    if extra:
        raise WireError(f"请求含有未定义的键 {', '.join(extra)}")
    if message["operation"] not in OPERATIONS:
        raise WireError(f"未知操作 {message['operation']!r}")
    _strings(message["payload"], "payload")
    if "signature" not in message or not message["signature"]:
        raise WireError("请求没有签名")
    if not signature_ok(message, key):
        raise WireError("请求签名无效")
    if now is not None:
        if not set(message) >= ATTEMPT_KEYS:
            raise WireError("请求缺少发送时间或随机数（sent_at、nonce）")
        try:
            sent = datetime.fromisoformat(str(message["sent_at"]))
        except ValueError:
            raise WireError("sent_at 不是有效时间") from None
        if sent.tzinfo is None or abs((now - sent).total_seconds()) > MAX_SKEW_SECONDS:
            raise WireError("请求已过期或来自未来（sent_at 超出5分钟）：按重放拒收")
    return message


def check_reply(message: Any, key: bytes, *, envelope_id: str) -> dict[str, Any]:
    if not isinstance(message, dict):
        raise WireError("回执不是 JSON 对象")
    missing = sorted(REPLY_KEYS - set(message))
    if missing:
        raise WireError(f"回执缺少 {', '.join(missing)}")
    if message["status"] not in STATUSES:
        raise WireError(f"回执状态未知 {message['status']!r}")
    _strings(message["fields"], "fields")
    if message["envelope_id"] != envelope_id:
        raise WireError("回执对应的信封编号不符")
    if not signature_ok(message, key):
        raise WireError("回执签名无效或缺失")
    return message
