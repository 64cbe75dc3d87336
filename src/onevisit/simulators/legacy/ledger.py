"""What a legacy back end does with a ferry request, whatever the transport: check, answer once, remember.

Pure: no Django. The three simulators (SOAP, REST, file exchange) differ only in how a request reaches
`Ledger.handle` and how the reply leaves; the rules — signature, allowlisted fields, exactly-once effect per
idempotency key — live here, so the hall's side can be tested against all three with one set of expectations.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from onevisit.ferry import wire

FAULTS = ("none", "down", "slow", "malformed", "overshare")
OVERSHARE_FIELD = ("bank_account", "6222020000000000000")


class Ledger:
    """One back end's book: the people it knows, the field sets it serves, every request it has applied."""

    def __init__(
        self,
        backend: str,
        key: bytes,
        population: dict[str, dict[str, str]],
        field_sets: dict[str, list[str]],
    ) -> None:
        self.backend = backend
        self.key = key
        self.population = population
        self.field_sets = {code: list(fields) for code, fields in field_sets.items()}
        self.slow_seconds = 5.0
        self._fault = "none"
        self._lock = threading.Lock()
        self._journal: dict[str, tuple[str, dict[str, Any]]] = {}
        self._nonces: set[str] = set()
        self._expiries: deque[tuple[float, str]] = deque()
        self.applied: dict[str, int] = {}
        self.backfilled: dict[str, dict[str, str]] = {}
        self.deliveries = 0
        self.duplicates = 0
        self.refusals = 0

    @property
    def fault(self) -> str:
        return self._fault

    @fault.setter
    def fault(self, mode: str) -> None:
        if mode not in FAULTS:
            raise ValueError(f"unknown fault {mode!r}; one of {', '.join(FAULTS)}")
        self._fault = mode

    def handle(self, request: Any) -> dict[str, Any]:
        """The signed reply to one delivery; never raises for bad input, refuses it instead."""
        with self._lock:
            self.deliveries += 1
            envelope_id = _envelope_id(request)
            try:
                wire.check_request(request, self.key, now=datetime.fromtimestamp(time.time(), UTC))
            except wire.WireError as exc:
                return self._refuse(envelope_id, exc.reason)
            if not self._fresh_nonce(str(request["nonce"])):
                return self._refuse(envelope_id, "重放：同一请求已收到过（nonce 重复）")
            problem = self._problem(request)
            if problem:
                return self._refuse(envelope_id, problem)
            key, seen = request["idempotency_key"], wire.digest(request)
            if key in self._journal:
                first_digest, first_reply = self._journal[key]
                if first_digest != seen:
                    return self._refuse(envelope_id, "幂等键重放：内容与首次不同")
                self.duplicates += 1
                return self._signed({**first_reply, "duplicate": True})
            reply = self._apply(request)
            self._journal[key] = (seen, reply)
            self.applied[key] = self.applied.get(key, 0) + 1
            return self._signed(reply)

    def _fresh_nonce(self, nonce: str) -> bool:
        """Remember each nonce for as long as its request could still pass the freshness check."""
        now = time.monotonic()
        while self._expiries and self._expiries[0][0] <= now:  # oldest first: forgetting costs O(1) each
            self._nonces.discard(self._expiries.popleft()[1])
        if nonce in self._nonces:
            return False
        self._nonces.add(nonce)
        self._expiries.append((now + 2 * wire.MAX_SKEW_SECONDS, nonce))
        return True

    def refuse(self, envelope_id: str, reason: str) -> dict[str, Any]:
        """A signed refusal for something that never became a request (e.g. an unreadable exchange file)."""
        with self._lock:
            self.deliveries += 1
            return self._refuse(envelope_id, reason)

    def snapshot(self) -> dict[str, Any]:
        """Fault and counters, for the control endpoint and for people watching a demo."""
        with self._lock:
            return {
                "fault": self._fault,
                "slow_seconds": self.slow_seconds,
                "deliveries": self.deliveries,
                "duplicates": self.duplicates,
                "refusals": self.refusals,
                "applied": len(self.applied),
                "applied_more_than_once": sorted(k for k, n in self.applied.items() if n > 1),
                "backfilled": len(self.backfilled),
            }

    def _problem(self, request: dict[str, Any]) -> str:
        field_set = request["field_set"]
        if request["backend"] != self.backend or field_set not in self.field_sets:
            return f"本系统不提供字段集 {field_set}"
        key = request["idempotency_key"]
        if not isinstance(key, str) or not key:
            return "幂等键必须是非空文本"
        version = request["version"]
        if not isinstance(version, int) or isinstance(version, bool):
            return "字段集版本必须是整数"
        allowed = {"resident_id"}
        if request["operation"] == "backfill":
            allowed |= set(self.field_sets[field_set])
        for name in request["payload"]:
            if name not in allowed:
                return f"字段 {name} 不在字段集 {field_set} 允许的范围内"
        if "resident_id" not in request["payload"]:
            return "缺少字段 resident_id"
        return ""

    def _apply(self, request: dict[str, Any]) -> dict[str, Any]:
        payload = request["payload"]
        if request["operation"] == "backfill":
            self.backfilled[request["idempotency_key"]] = {
                k: v for k, v in payload.items() if k != "resident_id"
            }
            wanted = [k for k in payload if k != "resident_id"]
        else:
            wanted = self.field_sets[request["field_set"]]
        person = self.population.get(payload["resident_id"])
        if person is None:
            return _reply(request["envelope_id"], "not_found")
        return _reply(request["envelope_id"], "ok", fields={k: person.get(k, "") for k in wanted})

    def _refuse(self, envelope_id: str, reason: str) -> dict[str, Any]:
        self.refusals += 1
        return wire.sign(_reply(envelope_id, "refused", reason=reason), self.key)

    def _signed(self, reply: dict[str, Any]) -> dict[str, Any]:
        if self._fault == "overshare" and reply["status"] == "ok":
            name, value = OVERSHARE_FIELD
            reply = {**reply, "fields": {**reply["fields"], name: value}}
        return wire.sign(reply, self.key)


def _reply(
    envelope_id: str, status: str, *, fields: dict[str, str] | None = None, reason: str = ""
) -> dict[str, Any]:
    return {
        "envelope_id": envelope_id,
        "status": status,
        "fields": dict(fields or {}),
        "reason": reason,
        "duplicate": False,
    }


def _envelope_id(request: Any) -> str:
    if isinstance(request, dict) and isinstance(request.get("envelope_id"), str):
        envelope_id: str = request["envelope_id"]
        return envelope_id
    return ""


def load_population(path: str | Path) -> dict[str, dict[str, str]]:
    """population.yaml → {resident_id: {field: text}}; every value as text, as the wire carries it."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    people: dict[str, dict[str, str]] = {}
    for person in data.get("people", []):
        values = {str(k): str(v) for k, v in person.items()}
        people[values.pop("resident_id")] = values
    return people


def load_field_sets(path: str | Path) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """field-sets.yaml → ({field set code: reply fields}, [back end: code, name, style, address, field_sets])."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    field_sets = {fs["code"]: [str(f) for f in fs.get("reply", [])] for fs in data.get("field_sets", [])}
    backends = [dict(b) for b in data.get("backends", [])]
    return field_sets, backends
