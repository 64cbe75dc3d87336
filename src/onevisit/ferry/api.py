"""The data ferry's JSON API: the edge where other front ends hand in envelopes, the window's view of a
case's exchanges and its manual entry, and back-end health for the information centre."""

import uuid
from datetime import datetime

from ninja import Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.cases import services as cases
from onevisit.core import access
from onevisit.core.errors import NotFound
from onevisit.core.schemas import InputSchema
from onevisit.ferry import services
from onevisit.ferry.hooks import shown_at_window
from onevisit.ferry.models import Envelope

router = Router(tags=["ferry"])


class EnvelopeIn(InputSchema):
    backend: str
    field_set: str
    version: int | None = None
    operation: str = "query"
    payload: dict[str, str]
    idempotency_key: str


class ManualIn(InputSchema):
    values: dict[str, str]


class EnvelopeOut(Schema):
    id: str
    idempotency_key: str
    backend: str
    field_set: str
    version: int
    operation: str
    status: str
    attempts: int
    reply_status: str
    reply_fields: list[str]
    error: str
    created_at: datetime
    delivered_at: datetime | None


class FindingOut(Schema):
    field: str
    level: str
    message: str


class SetStatusOut(Schema):
    field_set: str
    version: int
    backend: str
    state: str
    values: dict[str, str]
    findings: list[FindingOut]
    manual_status: str | None


class BackendOut(Schema):
    code: str
    name: str
    style: str
    field_sets: list[str]
    breaker: str
    failures: int
    last_ok_at: datetime | None
    last_error: str
    pending: int
    sending: int
    backfill_waiting: int
    dead: int
    refused: int


def set_status_out(r: services.SetStatus) -> SetStatusOut:
    return SetStatusOut(
        field_set=r.field_set.code,
        version=r.field_set.version,
        backend=r.backend.code if r.backend else "",
        state=r.state,
        values={k: shown_at_window(k, v) for k, v in r.values.items()},
        findings=[FindingOut(**f.__dict__) for f in r.findings if f.level != "ok"],
        manual_status=r.manual.status if r.manual else None,
    )


def envelope_out(e: Envelope) -> EnvelopeOut:
    return EnvelopeOut(
        id=str(e.pk),
        idempotency_key=e.idempotency_key.split(":", 1)[-1],
        backend=e.backend.code,
        field_set=e.field_set.code,
        version=e.field_set.version,
        operation=e.operation,
        status=e.status,
        attempts=e.attempts,
        reply_status=e.reply_status,
        reply_fields=sorted(services.reply_of(e).get("fields", {})),
        error=e.error,
        created_at=e.created_at,
        delivered_at=e.delivered_at,
    )


@router.post("/envelopes", response={200: EnvelopeOut, 201: EnvelopeOut})
def submit(request, body: EnvelopeIn):
    """Hand an envelope to the ferry. The same idempotency key with the same content returns the first one."""
    actor = require(request.user, roles.IT)
    envelope, created = services.submit(
        actor=actor,
        backend=body.backend,
        field_set_code=body.field_set,
        version=body.version,
        operation=body.operation,
        payload=body.payload,
        idempotency_key=body.idempotency_key,
    )
    envelope = Envelope.objects.select_related("backend", "field_set").get(pk=envelope.pk)
    return Status(201 if created else 200, envelope_out(envelope))


@router.get("/envelopes/{envelope_id}", response=EnvelopeOut)
def envelope(request, envelope_id: str):
    actor = require(request.user, roles.IT)
    found = (
        Envelope.objects.select_related("backend", "field_set")
        .filter(pk=envelope_id if _is_uuid(envelope_id) else None, hall=actor.hall)
        .first()
    )
    if found is None:
        raise NotFound(f"本大厅没有信封 {envelope_id}", field="envelope")
    return envelope_out(found)


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@router.get("/cases/{case_id}", response=list[SetStatusOut])
def case_exchanges(request, case_id: int):
    """What the back ends said about this case's citizen, with the validation findings, as the window sees it."""
    actor = require(request.user, roles.CLERK)
    case = cases.get_case(actor=actor, case_id=case_id)
    access.record_one(actor=actor, person=case.person_id, where=request.path, case=case)
    return [set_status_out(r) for r in services.case_status(case)]


@router.post("/cases/{case_id}/manual/{field_set}", response={201: SetStatusOut})
def manual_entry(request, case_id: int, field_set: str, body: ManualIn):
    """Type a field set's values by hand while its back end is down; they are back-filled when it recovers."""
    actor = require(request.user, roles.CLERK)
    case = cases.get_case(actor=actor, case_id=case_id)
    cases.refuse_delivered(case)
    services.manual_entry(actor=actor, case=case, field_set_code=field_set, values=body.values)
    row = next(r for r in services.case_status(case) if r.field_set.code == field_set)
    return Status(201, set_status_out(row))


@router.get("/backends", response=list[BackendOut])
def backends(request):
    require(request.user, roles.IT)
    return [
        BackendOut(
            code=h.backend.code,
            name=h.backend.name,
            style=h.backend.style,
            field_sets=h.backend.field_sets,
            breaker=h.backend.breaker,
            failures=h.backend.failures,
            last_ok_at=h.backend.last_ok_at,
            last_error=h.backend.last_error,
            pending=h.pending,
            sending=h.sending,
            backfill_waiting=h.backfill_waiting,
            dead=h.dead,
            refused=h.refused,
        )
        for h in services.health()
    ]
