"""`onevisit worker`: delivers the outbox. Any number of workers may run at once, in any number of processes.

A worker claims a batch (SKIP LOCKED on PostgreSQL; SQLite's IMMEDIATE transactions serialise the claim),
marks it 'sending' with a lease, and commits before touching the network. It then exchanges each envelope and
records the whole batch's outcomes in one short transaction, with their audit records. A worker killed at any
point leaves at most a leased batch, which another worker (or itself, restarted) reclaims when the lease
expires: delivery is at least once, and the back end's idempotency journal makes the effect exactly once.
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F, Q

from onevisit.core import clock, crypto
from onevisit.core.events import emit
from onevisit.core.ids import redact
from onevisit.core.registry import UnknownAdapter
from onevisit.ferry import adapters, audit, breaker, keys, services, wire
from onevisit.ferry.models import AuditHead, Backend, Envelope, ManualEntry

log = logging.getLogger("onevisit.ferry.worker")

MAX_QUERY_ATTEMPTS = 6  # a lookup the window waits for is worth a few tries, then the clerk types it
BACKFILL_MAX_DELAY = 300.0  # a back-fill is never given up: what was typed must reach the back end
CHECKPOINT_EVERY = 100  # audit records between signed checkpoints (one short line in a file each)
CHECKPOINT_SECONDS = 10.0
SWEEP_SECONDS = 5.0


@dataclass
class Outcome:
    envelope: Envelope
    result: str  # delivered | refused | retry | dead | release
    reason: str = ""
    reply: dict[str, Any] | None = None
    transport: bool = False  # a transport failure: counts toward the breaker
    malformed: bool = False


def backoff(attempts: int, *, backfill: bool) -> float:
    cap = BACKFILL_MAX_DELAY if backfill else 60.0
    return min(cap, 2.0 ** max(0, attempts - 1)) * random.uniform(0.8, 1.2)


class Worker:
    def __init__(self, *, name: str = "", batch: int = 50, lease: float = 30.0, poll: float = 0.2) -> None:
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.batch, self.lease, self.poll = batch, timedelta(seconds=lease), poll
        self._adapters: dict[tuple[str, str, str], adapters.Adapter] = {}
        self._last_checkpoint = time.monotonic()
        self._checkpointed_seq = 0
        self._last_sweep = 0.0

    def adapter(self, backend: Backend) -> adapters.Adapter:
        key = (backend.code, adapters.adapter_name(backend.code, backend.style), backend.address)
        if key not in self._adapters:
            self._adapters[key] = adapters.adapter_for(key[1], backend.address, backend=backend.code)
        return self._adapters[key]

    # ---- one round -----------------------------------------------------------------------------------------

    def available(self, now: datetime) -> dict[int, Backend]:
        """Back ends whose breaker lets envelopes through; an open one past its cool-down is probed first."""
        usable = {}
        for backend in Backend.objects.all():
            if breaker.due_for_probe(backend, now):
                try:
                    healthy = self.adapter(backend).health(timeout=min(backend.timeout_seconds, 2.0))
                except Exception:  # a probe that fails in any way is an unhealthy back end
                    healthy = False
                with transaction.atomic():
                    if healthy:
                        breaker.close(backend, now=clock.now(), automatic=True)
                    else:
                        breaker.trip(
                            backend, reason=backend.last_error or "健康检查失败", now=clock.now(), held=False
                        )
                backend.refresh_from_db()
            if backend.breaker == Backend.Breaker.CLOSED:
                usable[backend.pk] = backend
        return usable

    def claim(self, backends: dict[int, Backend], now: datetime) -> list[Envelope]:
        if not backends:
            return []
        with transaction.atomic():
            qs = (
                Envelope.objects.filter(backend_id__in=list(backends))
                .filter(
                    Q(status=Envelope.Status.PENDING, next_attempt_at__lte=now)
                    | Q(status=Envelope.Status.SENDING, lease_until__lt=now)
                )
                .order_by("next_attempt_at")
            )
            if connection.features.has_select_for_update_skip_locked:
                qs = qs.select_for_update(skip_locked=True, of=("self",))
            rows = list(qs.select_related("field_set")[: self.batch])
            if rows:
                Envelope.objects.filter(pk__in=[r.pk for r in rows]).update(
                    status=Envelope.Status.SENDING,
                    claimed_by=self.name,
                    lease_until=now + self.lease,
                    attempts=F("attempts") + 1,
                )
        for row in rows:
            row.attempts += 1
            row.backend = backends[row.backend_id]
        return rows

    def exchange(self, envelope: Envelope) -> Outcome:
        """Check the stored envelope, send it, check the reply. No database writes here.

        Never raises: whatever goes wrong becomes an outcome, so one bad envelope cannot hold up its batch.
        """
        try:
            return self._exchange(envelope)
        except (
            Exception
        ) as exc:  # an adapter or library error nobody foresaw: retried and counted, never stuck
            log.warning("ferry exchange of %s failed unexpectedly: %s", envelope.pk, type(exc).__name__)
            return self._failure(
                envelope, f"{envelope.backend.name}交换异常：{type(exc).__name__}", malformed=True
            )

    def _exchange(self, envelope: Envelope) -> Outcome:
        backend, fs = envelope.backend, envelope.field_set
        key = keys.signing_key(backend.code)
        try:
            request = json.loads(crypto.unseal(envelope.request_sealed))
            wire.check_request(request, key)
        except wire.WireError as exc:
            return Outcome(envelope, "refused", f"信封校验失败（库内记录被改动？）：{exc.reason}")
        except Exception:  # InvalidTag, bad base64, bad JSON: the stored ciphertext was altered
            return Outcome(envelope, "refused", "信封校验失败（库内记录被改动？）：信封无法解密")
        expected = (
            str(envelope.id),
            envelope.idempotency_key,
            backend.code,
            fs.code,
            fs.version,
            envelope.operation,
        )
        found = tuple(
            request[k]
            for k in ("envelope_id", "idempotency_key", "backend", "field_set", "version", "operation")
        )
        if found != expected or services.content_digest(request) != envelope.content_digest:
            return Outcome(envelope, "refused", "信封内容与登记不符（库内记录被改动？）")
        if fs.code not in backend.field_sets:
            return Outcome(envelope, "refused", f"字段集「{fs.label}」不在{backend.name}的允许范围内")
        outside = sorted(set(request["payload"]) - services.allowed_payload(fs, envelope.operation))
        if outside:
            return Outcome(envelope, "refused", f"字段 {', '.join(outside)} 不在字段集「{fs.label}」内")
        try:
            attempt = wire.stamp(request, key, now=clock.now())  # fresh time and nonce: replays are refused
            raw = self.adapter(backend).send(attempt, timeout=backend.timeout_seconds)
        except adapters.Unavailable as exc:
            return self._failure(envelope, f"{backend.name}不可用：{exc}"[:250])
        except UnknownAdapter as exc:  # `onevisit check` reports it at start; until fixed, the window types
            return self._failure(envelope, f"{backend.name}适配器配置有误：{exc}"[:250])
        except adapters.Malformed as exc:
            return self._failure(envelope, f"{backend.name}回执格式错误：{exc}"[:250], malformed=True)
        except adapters.Rejected as exc:
            if envelope.operation == Envelope.Operation.BACKFILL:  # typed values are never given up
                return self._failure(envelope, f"{backend.name}拒绝接入：{exc}"[:250])
            return Outcome(envelope, "refused", redact(f"{backend.name}拒绝接入：{exc}")[:250])
        try:
            reply = wire.check_reply(raw, key, envelope_id=str(envelope.id))
        except wire.WireError as exc:
            return self._failure(envelope, f"{backend.name}回执无效：{exc.reason}"[:250], malformed=True)
        if reply["status"] == "refused":
            reason = redact(f"{backend.name}拒绝：{reply.get('reason', '')}")[:250]
            return Outcome(envelope, "refused", reason, reply=reply)
        extra = sorted(set(reply["fields"]) - set(fs.reply_fields))
        if extra:
            return Outcome(envelope, "refused", f"回执含字段集外字段 {', '.join(extra)}，已拒收", reply=None)
        return Outcome(envelope, "delivered", reply=reply)

    def exchange_all(self, claimed: list[Envelope]) -> list[Outcome]:
        """Exchange a claimed batch, but stop sending to a back end that has failed threshold() times in it,
        and stop altogether before the lease runs out: those envelopes are released untouched."""
        outcomes: list[Outcome] = []
        failed: dict[int, int] = defaultdict(int)
        deadline = time.monotonic() + self.lease.total_seconds() * 0.8
        for envelope in claimed:
            if failed[envelope.backend_id] >= breaker.threshold() or time.monotonic() > deadline:
                outcomes.append(Outcome(envelope, "release"))
                continue
            outcome = self.exchange(envelope)
            failed[envelope.backend_id] += outcome.transport
            outcomes.append(outcome)
        return outcomes

    def _failure(self, envelope: Envelope, reason: str, *, malformed: bool = False) -> Outcome:
        reason = redact(reason)
        backfill = envelope.operation == Envelope.Operation.BACKFILL
        result = "retry" if backfill or envelope.attempts < MAX_QUERY_ATTEMPTS else "dead"
        return Outcome(envelope, result, reason, transport=True, malformed=malformed)

    def record(self, outcomes: list[Outcome]) -> None:
        """The batch's outcomes, audit records and events in one transaction."""
        if not outcomes:
            return
        now = clock.now()
        items: list[dict[str, Any]] = []
        failures: dict[int, list[str]] = defaultdict(list)
        successes: set[int] = set()
        with transaction.atomic():
            for o in outcomes:
                env, fs = o.envelope, o.envelope.field_set
                mine = Envelope.objects.filter(
                    pk=env.pk, status=Envelope.Status.SENDING, claimed_by=self.name
                )
                base = {
                    "backend": env.backend.code,
                    "envelope": str(env.id),
                    "field_set": f"{fs.code}@v{fs.version}",
                    "actor": "worker",
                }
                if o.result == "release":  # never sent: back to the outbox, the attempt not counted
                    mine.update(status=Envelope.Status.PENDING, lease_until=None, attempts=F("attempts") - 1)
                    continue
                if o.result == "delivered":
                    reply = o.reply or {}
                    if not mine.update(
                        status=Envelope.Status.DELIVERED,
                        reply_status=reply["status"],
                        reply_sealed=crypto.seal(json.dumps(reply, ensure_ascii=False)),
                        delivered_at=now,
                        error="",
                        lease_until=None,
                    ):
                        continue  # the lease ran out and another worker owns it now
                    successes.add(env.backend_id)
                    items.append(
                        {
                            **base,
                            "kind": "reply",
                            "detail": {
                                "status": reply["status"],
                                "fields": sorted(reply["fields"]),
                                "duplicate": bool(reply.get("duplicate")),
                                "attempt": env.attempts,
                                **(
                                    {"values_digest": services.values_digest(reply["fields"])}
                                    if reply["fields"]
                                    else {}
                                ),
                            },
                        }
                    )
                    if env.case_id:
                        emit(
                            "ferry.sent",
                            hall=env.hall.code if env.hall_id else None,
                            case=env.case_id,
                            at=now,
                            data={
                                "backend": env.backend.code,
                                "field_set": fs.code,
                                "operation": env.operation,
                                "status": reply["status"],
                                "attempts": env.attempts,
                            },
                        )
                    if env.operation == Envelope.Operation.BACKFILL:
                        items.extend(self._reconcile(env, reply, base, now))
                elif o.result == "refused":
                    if not mine.update(
                        status=Envelope.Status.REFUSED,
                        error=o.reason[:255],
                        lease_until=None,
                        reply_status="refused",
                    ):
                        continue
                    items.append(
                        {
                            **base,
                            "kind": "refusal",
                            "detail": {"reason": o.reason[:200], "attempt": env.attempts},
                        }
                    )
                    if env.case_id:
                        emit(
                            "ferry.failed",
                            hall=env.hall.code if env.hall_id else None,
                            case=env.case_id,
                            at=now,
                            data={"backend": env.backend.code, "field_set": fs.code, "result": "refused"},
                        )
                    if env.operation == Envelope.Operation.BACKFILL:
                        items.extend(self._reconcile(env, {"status": "refused", "fields": {}}, base, now))
                else:
                    retry = o.result == "retry"
                    delay = backoff(env.attempts, backfill=env.operation == Envelope.Operation.BACKFILL)
                    done = mine.update(
                        status=Envelope.Status.PENDING if retry else Envelope.Status.DEAD,
                        error=o.reason[:255],
                        lease_until=None,
                        next_attempt_at=now + timedelta(seconds=delay),
                    )
                    if not done:
                        continue
                    failures[env.backend_id].append(o.reason)
                    items.append(
                        {
                            **base,
                            "kind": "refusal" if o.malformed else "failure",
                            "detail": {"reason": o.reason[:200], "attempt": env.attempts, "final": not retry},
                        }
                    )
                    if not retry and env.case_id:
                        emit(
                            "ferry.failed",
                            hall=env.hall.code if env.hall_id else None,
                            case=env.case_id,
                            at=now,
                            data={"backend": env.backend.code, "field_set": fs.code, "result": "dead"},
                        )
            # Back-end rows before the audit head: the same lock order as breaker.trip/close, so two
            # transactions never wait on each other's locks.
            for backend_id in sorted(successes - set(failures)):
                breaker.record_success(Backend(pk=backend_id), now=now)
            for backend_id, reasons in sorted(failures.items()):
                breaker.record_failures(
                    Backend.objects.get(pk=backend_id), len(reasons), reason=reasons[-1], now=now
                )
            audit.append_many(items)

    def _reconcile(
        self, env: Envelope, reply: dict[str, Any], base: dict[str, Any], now: datetime
    ) -> list[dict]:
        entry = ManualEntry.objects.filter(envelope=env).select_related("case", "case__hall").first()
        if entry is None:
            return []
        services.reconcile(entry, reply, now=now)
        emit(
            "ferry.backfilled",
            hall=entry.case.hall,
            case=entry.case,
            at=now,
            data={
                "backend": env.backend.code,
                "field_set": env.field_set.code,
                "result": entry.status,
                "mismatches": entry.mismatches,
            },
        )
        return [
            {
                **base,
                "kind": "backfill",
                "detail": {
                    "case": entry.case_id,
                    "result": entry.status,
                    "fields": entry.fields,
                    "mismatches": entry.mismatches,
                },
            }
        ]

    # ---- housekeeping --------------------------------------------------------------------------------------

    def sweep(self) -> None:
        """Replies nobody waits for and refused files in the file exchange are audited, then set aside."""
        if time.monotonic() - self._last_sweep < SWEEP_SECONDS:
            return
        self._last_sweep = time.monotonic()
        for backend in Backend.objects.filter(style=Backend.Style.FILES):
            waiting = {
                str(pk)
                for pk in Envelope.objects.filter(backend=backend)
                .filter(  # a late answer to an attempt that timed out is still awaited by the retry
                    Q(status=Envelope.Status.SENDING) | Q(status=Envelope.Status.PENDING, attempts__gt=0)
                )
                .values_list("pk", flat=True)
            }
            strays = self.adapter(backend).sweep(waiting)
            if strays:
                with transaction.atomic():
                    audit.append_many(
                        [
                            {
                                "kind": "stray",
                                "backend": backend.code,
                                "envelope": "",
                                "field_set": "",
                                "actor": "worker",
                                "detail": {"file": s.name[:80], "reason": s.reason[:200]},
                            }
                            for s in strays
                        ]
                    )

    def maybe_checkpoint(self) -> None:
        head = AuditHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
        if head <= self._checkpointed_seq:
            return
        due = time.monotonic() - self._last_checkpoint >= CHECKPOINT_SECONDS
        if due or head - self._checkpointed_seq >= CHECKPOINT_EVERY:
            cp = audit.checkpoint()
            self._checkpointed_seq = cp.seq if cp else head
            self._last_checkpoint = time.monotonic()

    def run_once(self) -> int:
        """One round: probe, claim, exchange, record. Returns how many envelopes it handled."""
        now = clock.now()
        backends = self.available(now)
        claimed = self.claim(backends, now)
        self.record(self.exchange_all(claimed))
        self.sweep()
        if settings_chain_on():
            self.maybe_checkpoint()  # also when idle: the last records before a quiet spell get signed too
        return len(claimed)

    def run(self, *, stop: threading.Event | None = None, until_idle: bool = False) -> int:
        stop = stop or threading.Event()
        total = 0
        while not stop.is_set():
            try:
                handled = self.run_once()
            except Exception:
                log.exception("ferry worker round failed; retrying")
                close_old_connections()
                stop.wait(1.0)
                continue
            total += handled
            if handled == 0:
                if until_idle and not _work_left():
                    break
                stop.wait(self.poll)
        if settings_chain_on():
            audit.checkpoint()
        return total


def settings_chain_on() -> bool:
    return settings.ONEVISIT_FERRY_CHAIN


def _work_left() -> bool:
    return Envelope.objects.filter(
        backend__breaker=Backend.Breaker.CLOSED, status__in=[Envelope.Status.PENDING, Envelope.Status.SENDING]
    ).exists()
