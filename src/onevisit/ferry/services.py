"""The data ferry's use cases: field sets and back ends from YAML, envelopes into the outbox, lookups for a case,
manual entry during an outage, and what the window and the information centre see.

Only declared fields cross: a request carries the set's request fields (a back-fill adds its reply fields), a
reply may bring back only the set's reply fields, and a back end receives only the sets on its allowlist.
Every refusal is audited even though nothing else is written.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from onevisit.accounts.services import Actor
from onevisit.cases.models import Case
from onevisit.core import clock, crypto
from onevisit.core.errors import Conflict, Invalid, NotFound
from onevisit.core.events import emit
from onevisit.core.ids import PersonalDataError, mask_resident_id, parse_resident_id, redact
from onevisit.ferry import audit, keys, rules, schema, wire
from onevisit.ferry.models import Backend, Envelope, FieldSet, ManualEntry

# ---- field sets and back ends as data ----------------------------------------------------------------------


@dataclass
class LoadReport:
    field_sets_added: list[str] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)


def load(path: Path) -> LoadReport:
    """Load field-sets.yaml (a file or the folder holding it). All or nothing; a changed set needs a new version."""
    path = Path(path)
    if path.is_dir():
        path = path / "field-sets.yaml"
    sets, backends = _read_field_sets(path)
    problems: list[str] = []
    for i, spec in enumerate(sets, 1):
        _check_set(spec, f"{path.name} field_sets[{i}] {_item_code(spec)}", problems)
    set_codes = {s.get("code") for s in sets if isinstance(s, dict)} | set(
        FieldSet.objects.values_list("code", flat=True)
    )
    for i, spec in enumerate(backends, 1):
        where = f"{path.name} backends[{i}] {_item_code(spec)}"
        backend = schema.BackendItem.check(spec, where, problems)
        if backend and (unknown := set(backend.field_sets) - set_codes):
            problems.append(f"{where}: 未定义的字段集 {', '.join(sorted(unknown))}")
    if problems:
        raise Invalid("；".join(problems), field="path")
    return _write_field_sets(sets, backends)


def _read_field_sets(path: Path) -> tuple[list[Any], list[Any]]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise Invalid(f"{path.name}: 无法读取：{exc}", field="path") from None
    if not isinstance(doc, dict):
        raise Invalid(f"{path.name}: 顶层须为 field_sets/backends 映射", field="path")
    sets, backends = doc.get("field_sets") or [], doc.get("backends") or []
    if not isinstance(sets, list) or not isinstance(backends, list):
        raise Invalid(f"{path.name}: field_sets 和 backends 须为列表", field="path")
    return sets, backends


def _item_code(spec: Any) -> str:
    return str(spec.get("code", "?")) if isinstance(spec, dict) else ""


def _check_set(spec: Any, where: str, problems: list[str]) -> None:
    """A field set on its own, its checks and fills against its reply, and its version against the stored one."""
    item = schema.FieldSetItem.check(spec, where, problems)
    if item is None:
        return
    if "resident_id" not in item.request:
        problems.append(f"{where}: request 须含 resident_id")
    if "resident_id" in item.reply:
        problems.append(f"{where}: reply 不得返回公民身份号码")
    for check in item.checks or []:
        if reason := rules.check_spec(check):
            problems.append(f"{where}: {reason}")
        elif check["field"] not in item.reply:
            problems.append(f"{where}: 校验字段 {check['field']} 不在 reply 中")
    if set(item.fills or {}) - set(item.reply):
        problems.append(f"{where}: fills 的键须是 reply 中的字段")
    _check_version(item, where, problems)


def _check_version(item: schema.FieldSetItem, where: str, problems: list[str]) -> None:
    """A version once loaded never changes: different content needs a new version number."""
    existing = FieldSet.objects.filter(code=item.code, version=item.version).first()
    stored = (
        (
            existing.label,
            existing.request_fields,
            existing.reply_fields,
            existing.matters,
            existing.checks,
            existing.fills,
        )
        if existing
        else None
    )
    wanted = (item.label, item.request, item.reply, item.matters or [], item.checks or [], item.fills or {})
    if existing and stored != wanted:
        problems.append(f"{where}: v{item.version} 已载入且内容不同，请提升版本号")


def _write_field_sets(sets: list[Any], backends: list[Any]) -> LoadReport:
    report, now = LoadReport(), clock.now()
    with transaction.atomic():
        for spec in sets:
            _, created = FieldSet.objects.get_or_create(
                code=spec["code"],
                version=spec["version"],
                defaults={
                    "label": spec["label"],
                    "request_fields": spec["request"],
                    "reply_fields": spec["reply"],
                    "matters": spec.get("matters") or [],
                    "checks": spec.get("checks") or [],
                    "fills": spec.get("fills") or {},
                    "loaded_at": now,
                },
            )
            if created:
                report.field_sets_added.append(f"{spec['code']} v{spec['version']}")
        for spec in backends:
            Backend.objects.update_or_create(
                code=spec["code"],
                defaults={
                    "name": spec["name"],
                    "style": spec["style"],
                    "field_sets": spec["field_sets"],
                    "timeout_seconds": spec.get("timeout_seconds", 3.0),
                },
                create_defaults={
                    "name": spec["name"],
                    "style": spec["style"],
                    "field_sets": spec["field_sets"],
                    "address": spec["address"],
                    "timeout_seconds": spec.get("timeout_seconds", 3.0),
                },
            )
            report.backends.append(spec["code"])
    return report


def current_sets() -> list[FieldSet]:
    """The newest version of each field set."""
    latest: dict[str, FieldSet] = {}
    for fs in FieldSet.objects.order_by("code", "-version"):
        latest.setdefault(fs.code, fs)
    return list(latest.values())


def field_set(code: str, version: int | None = None) -> FieldSet:
    qs = FieldSet.objects.filter(code=code)
    fs = (qs.filter(version=version) if version else qs.order_by("-version")).first()
    if fs is None:
        raise NotFound(f"没有字段集 {code}" + (f" v{version}" if version else ""), field="field_set")
    return fs


def route(fs: FieldSet) -> Backend | None:
    """The back end that serves a field set: the first whose allowlist names it."""
    return next((b for b in Backend.objects.order_by("code") if fs.code in b.field_sets), None)


# ---- envelopes ---------------------------------------------------------------------------------------------


def subject(resident_id: str) -> dict[str, str]:
    """Who an exchange is about, as the audit may hold it: masked, plus a keyed digest to match records."""
    return {
        "subject": mask_resident_id(resident_id),
        "subject_digest": crypto.digest("resident_id", resident_id)[:16],
    }


def values_digest(values: dict[str, str]) -> str:
    """A keyed digest of exchanged values: proves what crossed without keeping it in the audit."""
    return crypto.digest("ferry-values", json.dumps(values, sort_keys=True, ensure_ascii=False))[:16]


def allowed_payload(fs: FieldSet, operation: str) -> set[str]:
    return set(fs.request_fields) | (
        set(fs.reply_fields) if operation == Envelope.Operation.BACKFILL else set()
    )


def refuse(
    reason: str,
    *,
    error: type = Invalid,
    field: str,
    backend: str = "",
    field_set: str = "",
    actor: str = "",
    detail: dict[str, Any] | None = None,
):
    """Audit a refusal in its own transaction, then raise: the refusal is the only thing written.

    What came from outside is cut to the audit columns' sizes and any personal number in it masked."""
    reason = clean(reason, 200)
    with transaction.atomic():
        audit.append(
            "refusal",
            backend=clean(backend, 32),
            field_set=clean(field_set, 40),
            actor=clean(actor, 150),
            detail={"reason": reason, "field": clean(field, 40), **(detail or {})},
        )
    raise error(reason, field=field)


def clean(text: str, limit: int) -> str:
    """Outside text made safe to keep: no NUL, personal numbers masked, cut to size."""
    return redact(str(text).replace("\x00", ""))[:limit]


def _wire_request(
    envelope_id: str,
    key: str,
    backend: Backend,
    fs: FieldSet,
    operation: str,
    payload: dict[str, str],
    now: datetime,
) -> dict[str, Any]:
    request = {
        "envelope_id": envelope_id,
        "idempotency_key": key,
        "backend": backend.code,
        "field_set": fs.code,
        "version": fs.version,
        "operation": operation,
        "created_at": now.isoformat(),
        "payload": payload,
    }
    return wire.sign(request, keys.signing_key(backend.code))


def content_digest(request: dict[str, Any]) -> str:
    """What 'the same request' means for an idempotency key: everything but the envelope's own id and time."""
    return wire.digest(
        {k: v for k, v in request.items() if k not in ("envelope_id", "created_at", "signature")}
    )


def _create(
    *,
    backend: Backend,
    fs: FieldSet,
    operation: str,
    payload: dict[str, str],
    key: str,
    case: Case | None,
    hall,
    actor: str,
    now: datetime,
) -> Envelope:
    """Write the envelope and its 'request' audit record; the caller holds the business transaction."""
    envelope_id = str(uuid.uuid4())
    request = _wire_request(envelope_id, key, backend, fs, operation, payload, now)
    envelope = Envelope.objects.create(
        id=envelope_id,
        idempotency_key=key,
        hall=hall,
        case=case,
        backend=backend,
        field_set=fs,
        operation=operation,
        request_sealed=crypto.seal(json.dumps(request, ensure_ascii=False)),
        content_digest=content_digest(request),
        next_attempt_at=now,
        created_at=now,
    )
    others = {k: v for k, v in payload.items() if k != "resident_id"}
    audit.append(
        "request",
        backend=backend.code,
        envelope=envelope_id,
        field_set=f"{fs.code}@v{fs.version}",
        actor=actor,
        detail={
            "operation": operation,
            "fields": sorted(payload),
            "case": case.pk if case else None,
            **subject(payload.get("resident_id", "")),
            **({"values_digest": values_digest(others)} if others else {}),
        },
    )
    return envelope


def submit(
    *,
    actor: Actor | None,
    backend: str,
    field_set_code: str,
    operation: str,
    payload: dict[str, Any],
    idempotency_key: str,
    version: int | None = None,
) -> tuple[Envelope, bool]:
    """The ferry's edge: an envelope asked for by another front end (or the API). Returns (envelope, created).

    Refused, with an audit record and nothing else written: an unknown back end or set, a set not on the back
    end's allowlist, a field outside the set, a malformed resident ID, an idempotency key reused with
    different content. The same key with the same content returns the first envelope.
    """
    who = actor.user.username if actor else ""
    ctx = {"backend": clean(backend, 32), "field_set": clean(field_set_code, 40), "actor": who}
    target = Backend.objects.filter(code=backend).first()
    if target is None:
        refuse(f"没有后端系统 {backend}", field="backend", **ctx)
    try:
        fs = field_set(field_set_code, version)
    except NotFound as exc:
        refuse(exc.message, field="field_set", **ctx)
    if fs.code not in target.field_sets:
        refuse(f"{target.name}不在字段集「{fs.label}」的允许范围内", field="field_set", **ctx)
    if operation not in Envelope.Operation.values:
        refuse(f"未知操作 {operation}", field="operation", **ctx)
    if not isinstance(payload, dict) or not all(isinstance(v, str) for v in payload.values()):
        refuse("payload 必须是“字段: 文本”的映射", field="payload", **ctx)
    outside = sorted(set(payload) - allowed_payload(fs, operation))
    if outside:
        refuse(
            f"字段 {', '.join(outside)} 不在字段集「{fs.label}」内",
            field="payload",
            **ctx,
            detail={"outside": outside},
        )
    if not idempotency_key or len(idempotency_key) > 64:
        refuse("幂等键不能为空且不超过64个字符", field="idempotency_key", **ctx)
    today = clock.local_date()
    payload = dict(payload)
    errors = rules.entry_errors(
        {k: v for k, v in payload.items() if k != "resident_id"},
        resident_id=payload.get("resident_id", ""),
        today=today,
    )
    try:
        payload["resident_id"] = parse_resident_id(payload.get("resident_id", ""), today=today).value
    except PersonalDataError as exc:
        errors = {"resident_id": exc.reason, **errors}
    if errors:
        first = next(iter(errors))
        refuse("；".join(errors.values()), field=first, **ctx)
    now = clock.now()
    # Keys handed in at the edge live in their hall's namespace: one hall can neither collide with nor probe
    # another hall's envelopes (or the keys acceptance makes, which never contain a colon).
    key = f"{actor.hall.code}:{idempotency_key}" if actor else f"edge:{idempotency_key}"
    digest = content_digest(_wire_request("-", key, target, fs, operation, payload, now))
    for _ in range(2):
        existing = Envelope.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.content_digest != digest:
                refuse("幂等键重放：该键已用于不同内容", error=Conflict, field="idempotency_key", **ctx)
            return existing, False
        try:
            with transaction.atomic():
                envelope = _create(
                    backend=target,
                    fs=fs,
                    operation=operation,
                    payload=payload,
                    key=key,
                    case=None,
                    hall=actor.hall if actor else None,
                    actor=who,
                    now=now,
                )
        except IntegrityError:  # the same key handed in twice at the same moment: the first one wins
            continue
        return envelope, True
    raise Conflict("幂等键冲突，请重试", field="idempotency_key")


def request_of(envelope: Envelope) -> dict[str, Any]:
    return json.loads(crypto.unseal(envelope.request_sealed))


def reply_of(envelope: Envelope) -> dict[str, Any]:
    return json.loads(crypto.unseal(envelope.reply_sealed)) if envelope.reply_sealed else {}


# ---- a case's exchanges ------------------------------------------------------------------------------------


def sets_for(case: Case) -> list[FieldSet]:
    """The field sets this case may use: declared for one of its matters, with a back end that serves them."""
    matters = set(case.items.values_list("matter__code", flat=True)) or {case.matter.code}
    return [fs for fs in current_sets() if set(fs.matters) & matters]


def request_lookups(case: Case, actor: Actor) -> list[Envelope]:
    """At acceptance, in its transaction: ask each back end for what the case needs (once per case and set)."""
    if case.person is None:
        return []
    made, now = [], clock.now()
    for fs in sets_for(case):
        backend = route(fs)
        key = f"case-{case.pk}-{fs.code}-v{fs.version}-query"
        if backend is None or Envelope.objects.filter(idempotency_key=key).exists():
            continue
        made.append(
            _create(
                backend=backend,
                fs=fs,
                operation=Envelope.Operation.QUERY,
                payload={"resident_id": case.person.resident_id},
                key=key,
                case=case,
                hall=case.hall,
                actor=actor.user.username,
                now=now,
            )
        )
    return made


@dataclass
class SetStatus:
    """What the window sees of one field set for one case."""

    field_set: FieldSet
    backend: Backend | None
    state: str  # waiting | ok | not_found | degraded | manual
    values: dict[str, str]
    findings: list[rules.Finding]
    manual: ManualEntry | None
    note: str = ""

    @property
    def manual_fields(self) -> list[tuple[str, str]]:
        return [(f, rules.LABELS.get(f, f)) for f in self.field_set.reply_fields]


def _latest_lookup(case: Case, fs: FieldSet) -> Envelope | None:
    """The case's newest lookup for this set, whichever version it used (a new version must not strand it)."""
    return (
        Envelope.objects.filter(case=case, field_set__code=fs.code, operation=Envelope.Operation.QUERY)
        .order_by("-created_at")
        .first()
    )


def degraded(backend: Backend | None, envelope: Envelope | None) -> bool:
    """The window types these fields by hand: the breaker is open, or this lookup failed for good."""
    if backend is None or backend.breaker == Backend.Breaker.OPEN:
        return True
    return envelope is not None and envelope.status in (Envelope.Status.DEAD, Envelope.Status.REFUSED)


def case_status(case: Case, *, case_values: dict[str, str] | None = None) -> list[SetStatus]:
    rows = []
    rid = case.person.resident_id if case.person else ""
    matters = list(case.items.values_list("matter__code", flat=True))
    for fs in sets_for(case):
        backend = route(fs)
        envelope = _latest_lookup(case, fs)
        manual = (
            ManualEntry.objects.filter(case=case, field_set__code=fs.code).order_by("-entered_at").first()
        )
        values, state, note = {}, "waiting", ""
        if envelope and envelope.status == Envelope.Status.DELIVERED:
            reply = reply_of(envelope)
            values = reply.get("fields", {})
            state = "ok" if envelope.reply_status == "ok" else "not_found"
        elif manual is not None:
            state = "manual"
        elif degraded(backend, envelope):
            state = "degraded"
            note = (envelope.error if envelope else "") or (backend.last_error if backend else "未配置后端")
        if manual is not None and state != "ok":
            values, state = json.loads(crypto.unseal(manual.values_sealed)), "manual"
        findings = rules.evaluate(
            {k: v for k, v in values.items() if v},
            checks=fs.checks,
            matters=matters,
            resident_id=rid,
            case_values=case_values or {},
            today=clock.local_date(case.hall.timezone),
        )
        rows.append(SetStatus(fs, backend, state, values, findings, manual, note))
    return rows


def known_for_case(case: Case) -> dict[str, str]:
    """Values the ferry brought for this case (a reply, or what was typed while the back end was down)."""
    found: dict[str, str] = {}
    for row in case_status(case):
        if row.state in ("ok", "manual"):
            for k, v in row.values.items():
                if v and not any(f.field == k and f.level == "error" for f in row.findings):
                    found.setdefault(k, v)
                    if k in row.field_set.fills:
                        found.setdefault(row.field_set.fills[k], v)
    return found


def manual_entry(*, actor: Actor, case: Case, field_set_code: str, values: dict[str, str]) -> ManualEntry:
    """Typed at the window while the back end is down: validated, kept sealed, queued for back-fill.

    The back-fill envelope is written in the same transaction, held by the worker while the breaker is open,
    and sent when the back end is healthy; nothing typed here can be lost.
    """
    fs = field_set(field_set_code)
    if fs not in sets_for(case):
        raise Invalid(f"本办件不使用字段集「{fs.label}」", field="field_set")
    backend = route(fs)
    if backend is None:
        raise Invalid(f"字段集「{fs.label}」未配置后端系统，无法补录；请联系信息中心", field="field_set")
    if not degraded(backend, _latest_lookup(case, fs)):
        raise Conflict(f"{backend.name}当前可用，请以系统返回为准", field="field_set")
    unknown = sorted(set(values) - set(fs.reply_fields))
    if unknown:
        raise Invalid(f"字段 {', '.join(unknown)} 不在字段集「{fs.label}」内", field=unknown[0])
    typed = {k: v.strip() for k, v in values.items() if v and v.strip()}
    if not typed:
        raise Invalid("请至少录入一项", field=fs.reply_fields[0])
    rid = case.person.resident_id if case.person else ""
    errors = rules.entry_errors(typed, resident_id=rid, today=clock.local_date(case.hall.timezone))
    if errors:
        raise Invalid("；".join(errors.values()), errors=errors)
    if not rid:
        raise Invalid("办件没有办事人公民身份号码，无法补录", field="case")
    now = clock.now()
    with transaction.atomic():
        Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
        previous = ManualEntry.objects.filter(case=case, field_set=fs).order_by("-entered_at").first()
        if previous is not None and json.loads(crypto.unseal(previous.values_sealed)) == typed:
            return previous  # the same values submitted twice (a double click): one back-fill is enough
        n = ManualEntry.objects.filter(case=case, field_set=fs).count() + 1
        envelope = _create(
            backend=backend,
            fs=fs,
            operation=Envelope.Operation.BACKFILL,
            payload={"resident_id": rid, **typed},
            key=f"case-{case.pk}-{fs.code}-v{fs.version}-backfill-{n}",
            case=case,
            hall=case.hall,
            actor=actor.user.username,
            now=now,
        )
        entry = ManualEntry.objects.create(
            case=case,
            hall=case.hall,
            field_set=fs,
            backend=backend,
            values_sealed=crypto.seal(json.dumps(typed, ensure_ascii=False)),
            fields=sorted(typed),
            entered_by=actor.user,
            entered_at=now,
            envelope=envelope,
        )
        audit.append(
            "manual_entry",
            backend=backend.code,
            envelope=str(envelope.id),
            field_set=f"{fs.code}@v{fs.version}",
            actor=actor.user.username,
            detail={
                "case": case.pk,
                "fields": sorted(typed),
                "values_digest": values_digest(typed),
                **subject(rid),
            },
        )
        emit(
            "contingency.on",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            case=case,
            actor=actor,
            data={
                "mode": "ferry_manual_entry",
                "backend": backend.code,
                "field_set": fs.code,
                "fields": sorted(typed),
            },
            at=now,
        )
    return entry


def reconcile(entry: ManualEntry, reply: dict[str, Any], *, now: datetime) -> ManualEntry:
    """Compare what was typed with what the back end holds; called by the worker when the back-fill lands."""
    typed = json.loads(crypto.unseal(entry.values_sealed))
    theirs = reply.get("fields", {})
    if reply.get("status") == "not_found":
        entry.status, entry.mismatches = ManualEntry.Status.NOT_FOUND, []
    elif reply.get("status") == "refused":
        entry.status, entry.mismatches = ManualEntry.Status.REFUSED, []
    else:
        mismatches = sorted(f for f, v in typed.items() if f in theirs and theirs[f].strip() != v.strip())
        entry.mismatches = mismatches
        entry.status = ManualEntry.Status.MISMATCHED if mismatches else ManualEntry.Status.MATCHED
    entry.reconciled_at = now
    entry.save(update_fields=["status", "mismatches", "reconciled_at"])
    return entry


# ---- the information centre --------------------------------------------------------------------------------


@dataclass
class BackendHealth:
    backend: Backend
    pending: int
    sending: int
    dead: int
    refused: int
    delivered_today: int
    backfill_waiting: int


def health() -> list[BackendHealth]:
    since = clock.now() - timedelta(hours=24)
    counts = {
        row["backend"]: row
        for row in Envelope.objects.values("backend").annotate(
            pending=Count("id", filter=Q(status=Envelope.Status.PENDING)),
            sending=Count("id", filter=Q(status=Envelope.Status.SENDING)),
            dead=Count("id", filter=Q(status=Envelope.Status.DEAD)),
            refused=Count("id", filter=Q(status=Envelope.Status.REFUSED)),
            delivered_today=Count("id", filter=Q(status=Envelope.Status.DELIVERED, delivered_at__gte=since)),
            backfill_waiting=Count(
                "id",
                filter=Q(operation=Envelope.Operation.BACKFILL)
                & Q(status__in=[Envelope.Status.PENDING, Envelope.Status.SENDING]),
            ),
        )
    }
    keys_ = ("pending", "sending", "dead", "refused", "delivered_today", "backfill_waiting")
    return [
        BackendHealth(b, **{k: counts.get(b.pk, {}).get(k, 0) for k in keys_})
        for b in Backend.objects.order_by("code")
    ]


def reconciliation(hall, *, limit: int = 200) -> list[ManualEntry]:
    return list(
        ManualEntry.objects.filter(hall=hall)
        .select_related("case", "case__hall", "field_set", "backend", "entered_by")
        .order_by("-entered_at")[:limit]
    )


def recent_refusals(limit: int = 20) -> Iterable:
    from onevisit.ferry.models import AuditRecord

    return AuditRecord.objects.filter(kind__in=("refusal", "failure", "stray")).order_by("-seq")[:limit]


def switch_breaker(*, actor: Actor, backend_code: str, open_: bool, reason: str) -> Backend:
    """The information centre opens a breaker by hand (maintenance, a drill) or closes it after a fix."""
    from onevisit.ferry import breaker

    backend = Backend.objects.filter(code=backend_code).first()
    if backend is None:
        raise NotFound(f"没有后端系统 {backend_code}", field="backend")
    reason = (reason or "").strip()[:200] or ("信息中心手动熔断" if open_ else "信息中心手动恢复")
    with transaction.atomic():
        if open_:
            breaker.trip(backend, reason=reason, actor=actor.user.username, now=clock.now())
        else:
            breaker.close(backend, actor=actor.user.username, now=clock.now())
    backend.refresh_from_db()
    return backend
