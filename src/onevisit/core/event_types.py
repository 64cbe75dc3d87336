"""Every event type of the log, declared once: its name, the references it carries, its payload and its
personal-data rules. No Django here.

emit() checks each event against its declaration before it is written, the synthetic history
(simulators.history) builds its events through the same check, the metrics loader takes its order of types from
here, and docs/events.md is generated from it (`python -m onevisit.core.event_types > docs/events.md`). A
misspelt field, a missing one, a value of the wrong type or an undeclared type is an error, never a silent
default.

The declaration order is the order in which the metrics loader groups the log (metrics.engine._ORDER): what is
counted where it happens, a window's marks of work, what a ticket joins, what a case joins; then the facts no
indicator reads. Its scans read contiguous ranges of this order, so a new type goes where its readers expect it.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from onevisit.core import known
from onevisit.core.ids import personal_number_in

# The references an Event row has besides its type, time and data (core.models.Event).
REFS = ("hall", "window", "queue", "matter", "bundle", "case", "ticket", "visit", "actor")

# Personal-data rules a field can have (beyond the rule for every payload: no full resident ID anywhere, no
# full mobile number unless the type is a public catalog fact).
PSEUDONYM = "pseudonym"
FREE_TEXT = "free text"
RULES = {
    PSEUDONYM: "a person reference (`p<id>`): the citizen without ID, name or phone",
    FREE_TEXT: "words from staff or a system: refused if they hold a full resident ID or mobile number",
}
PERSON_REF = r"^(h[0-9a-z]{2}-)?p\d+$"  # core.Person.event_ref, or the synthetic history's h01-p000001


class EventContractError(ValueError):
    """An event that does not match its declaration: the message names the type and each field at fault."""


class Payload(BaseModel):
    """The `data` of an event: exactly these fields, of exactly these types (no coercion)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _declared_source(value: str) -> str:
    if value not in ("", *known.SOURCES):
        raise ValueError(f"undeclared source {value!r} (core.known)")
    return value


Text = str
Person = Annotated[str, Field(pattern=PERSON_REF)]
IsoDate = Annotated[str, Field(description="ISO date")]
IsoTime = Annotated[str, Field(description="ISO date and time with offset")]
Seconds = Annotated[int, Field(description="seconds")]
Codes = list[str]
KnownFrom = Annotated[str, AfterValidator(_declared_source), Field(description="'' or a core.known source")]


@dataclass(frozen=True)
class EventType:
    """One type of fact in the log."""

    name: str
    doc: str
    refs: frozenset[str]  # the references it may carry (blank ones aside)
    payload: type[Payload] | None = None  # None: a payload chosen by `variants`
    variants: Mapping[str, type[Payload]] = field(default_factory=dict)  # by the value of its `mode` field
    personal: Mapping[str, str] = field(default_factory=dict)  # field → one of RULES
    public: bool = False  # a catalog fact: may quote a hotline or filing number

    def check(self, data: Mapping[str, Any] | None, refs: Iterable[str] = ()) -> None:
        """Refuse a payload with a full resident ID or (unless public) mobile number, a payload that is not the
        declared one, or a reference the type does not carry."""
        text = json.dumps(data or {}, ensure_ascii=False, default=str)
        # Catalog facts (declared public) may quote hotlines or filing numbers; resident IDs are refused everywhere.
        if personal_number_in(text, phones=not self.public):
            raise EventContractError(
                f"event {self.name} carries a full resident ID or phone number; store a masked value"
            )
        if stray := [r for r in refs if r not in self.refs]:
            raise EventContractError(f"event {self.name} carries no {', '.join(stray)} (core.event_types)")
        model = self.payload
        if model is None:
            mode = (data or {}).get("mode")
            model = self.variants.get(mode) if isinstance(mode, str) else None
            if model is None:
                raise EventContractError(
                    f"event {self.name}: field 'mode' must be one of {', '.join(self.variants)}, not {mode!r}"
                )
        try:
            model.__pydantic_validator__.validate_python(data or {})
        except ValidationError as e:
            raise EventContractError(
                f"event {self.name}: " + "; ".join(_say(err) for err in e.errors())
            ) from None

    def models(self) -> list[tuple[str, type[Payload]]]:
        return [("", self.payload)] if self.payload is not None else list(self.variants.items())


def _say(err: Any) -> str:
    where = ".".join(str(p) for p in err["loc"]) or "data"
    if err["type"] == "extra_forbidden":
        return f"field {where!r} is not declared"
    if err["type"] == "missing":
        return f"field {where!r} is missing"
    return f"field {where!r}: {err['msg']} (got {err['input']!r})"


REGISTRY: dict[str, EventType] = {}


def _declare(
    name: str,
    doc: str,
    refs: str,
    payload: type[Payload] | None = None,
    *,
    variants: Iterable[type[Payload]] = (),
    personal: Mapping[str, str] | None = None,
    public: bool = False,
) -> None:
    assert name not in REGISTRY, name
    by_mode = {typing.get_args(m.model_fields["mode"].annotation)[0]: m for m in variants}
    declared = EventType(
        name, doc, frozenset(refs.split()), payload if not by_mode else None, by_mode, personal or {}, public
    )
    fields = {f.alias or n for _, model in declared.models() for n, f in model.model_fields.items()}
    assert set(declared.personal) <= fields, (name, set(declared.personal) - fields)
    REGISTRY[name] = declared


class Empty(Payload):
    """No data: the references say it all."""


# ---- counted where they happen: the guide desk and the form ----------------------------------------------------


class MaterialNotApplicable(Payload):
    prereview: int
    material: str
    reason: str
    preset: bool = Field(description="the catalog's own exemption (true) or staff's words")


_declare(
    "material.not_applicable",
    "Staff marked a material not applicable at the guide desk.",
    "hall matter bundle actor",
    MaterialNotApplicable,
    personal={"reason": FREE_TEXT},
)


class FieldEntered(Payload):
    field: str
    duplicate: bool = Field(description="the value was already known: typed twice")
    known_from: KnownFrom


_declare(
    "field.entered",
    "A value of the merged form was saved at the window.",
    "hall window matter case actor",
    FieldEntered,
)


class PrereviewCompleted(Payload):
    prereview: int
    verdict: str = Field(description="complete / tolerance / incomplete")
    required: int
    present: int
    missing: Codes
    not_applicable: Codes
    matters: Codes
    first_visit: bool
    person: Person


_declare(
    "prereview.completed",
    "The guide desk pre-reviewed a citizen's materials.",
    "hall matter bundle actor",
    PrereviewCompleted,
    personal={"person": PSEUDONYM},
)


class TriageRouted(Payload):
    prereview: int
    channel: str = Field(description="window / self_service / online_assisted / none")
    online_path: str = Field("", description="kind:code of the notice handed over (online_assisted only)")


_declare(
    "triage.routed", "The guide desk sent the citizen to a channel.", "hall matter bundle actor", TriageRouted
)
_declare(
    "consultation.recorded",
    "The guide desk answered a question; nothing was reviewed.",
    "hall matter bundle actor",
    Empty,
)

# ---- a window's marks of work -------------------------------------------------------------------------------

_declare("window.signed_in", "A clerk posted to the window signed in.", "hall window actor", Empty)
_declare("window.signed_out", "A clerk posted to the window signed out.", "hall window actor", Empty)
_declare("window.paused", "The window paused calling.", "hall window actor", Empty)
_declare("window.resumed", "The window resumed calling.", "hall window actor", Empty)


# ---- a ticket ---------------------------------------------------------------------------------------------------


class TicketNoShow(Payload):
    number: str
    recalls: int


_declare(
    "ticket.no_show",
    "A called citizen never came (过号).",
    "hall window queue matter ticket actor",
    TicketNoShow,
)


class TicketCalled(Payload):
    number: str
    waited_seconds: Seconds
    returned: bool = Field(False, description="a 过号 citizen back at the window (present only then)")


_declare(
    "ticket.called", "A window called the ticket.", "hall window queue matter ticket actor", TicketCalled
)


class TicketIssued(Payload):
    number: str
    priority: int
    priority_class: str
    waiting_ahead: int


_declare("ticket.issued", "A ticket was issued.", "hall queue matter ticket actor", TicketIssued)

# ---- a case -------------------------------------------------------------------------------------------------------


class CaseCompleted(Payload):
    visits: int = Field(description="the visit (seq) it was completed in")
    at_window: bool = Field(description="completed at the window (true) or by the back office")


_declare(
    "case.completed", "The case was completed.", "hall window matter case ticket visit actor", CaseCompleted
)


class CaseAccepted(Payload):
    number: str
    visit_seq: int
    verdict: str | None
    matters: Codes
    tasks: int


_declare(
    "case.accepted",
    "A window accepted the case.",
    "hall window queue matter bundle case ticket visit actor",
    CaseAccepted,
)


class VisitRecorded(Payload):
    visit_seq: int
    purpose: str = Field(description="accept / resubmit / supply / …")


_declare(
    "visit.recorded",
    "A further visit of the citizen for the case.",
    "hall window matter case ticket visit actor",
    VisitRecorded,
)


class TaskStarted(Payload):
    task: str
    department: str
    due: IsoTime


_declare("task.started", "A back-office task became ready.", "hall matter case actor", TaskStarted)


class CaseContinued(Payload):
    from_: str = Field(alias="from", description="the single matter it was")
    matters: Codes
    added: Codes


_declare(
    "case.continued",
    "A single-matter case became its bundle (接续受理).",
    "hall window matter bundle case actor",
    CaseContinued,
)


class CaseReturned(Payload):
    task: str
    department: str
    to: str
    pauses_clock: bool


_declare(
    "case.returned",
    "A task went back (退件); the reasons stay on the return, not in the log.",
    "hall matter case actor",
    CaseReturned,
)


class VerificationStarted(Payload):
    task: str
    verification: int
    to: str
    due: IsoTime


_declare(
    "verification.started",
    "A task asked another department to verify (核验).",
    "hall matter case actor",
    VerificationStarted,
)


class VerificationFinished(Payload):
    task: str
    verification: int
    confirmed: bool
    seconds: Seconds
    overdue: bool


_declare(
    "verification.finished", "The other department answered.", "hall matter case actor", VerificationFinished
)


class OutlierFlagged(Payload):
    note: str


_declare(
    "case.outlier_flagged",
    "Staff set the case apart from the means (样本外的极端案例).",
    "hall window matter bundle case actor",
    OutlierFlagged,
    personal={"note": FREE_TEXT},
)

# ---- facts no indicator reads -------------------------------------------------------------------------------


class TicketRecalled(Payload):
    number: str
    recall: int


_declare(
    "ticket.recalled",
    "The window called the ticket again.",
    "hall window queue matter ticket actor",
    TicketRecalled,
)


class TicketTransferred(Payload):
    number: str
    from_: str = Field(alias="from")
    to: str


_declare(
    "ticket.transferred",
    "A called ticket was sent to another queue.",
    "hall window queue matter ticket actor",
    TicketTransferred,
)


class TicketRequeued(Payload):
    number: str
    rule: str
    absent_minutes: int
    waiting_ahead: int


_declare(
    "ticket.requeued",
    "A 过号 citizen came back and queues again.",
    "hall queue matter ticket actor",
    TicketRequeued,
)


class PrereviewMattersAdded(Payload):
    prereview: int
    added: Codes
    number: str


_declare(
    "prereview.matters_added",
    "Matters were added to a waiting ticket's pre-review.",
    "hall matter bundle ticket actor",
    PrereviewMattersAdded,
)


class AppointmentBooked(Payload):
    slot: str
    person: Person


_declare(
    "appointment.booked",
    "A citizen booked a slot.",
    "hall queue matter",
    AppointmentBooked,
    personal={"person": PSEUDONYM},
)


class AppointmentCheckedIn(Payload):
    on_time: bool
    number: str
    prereview: int | None = Field(None, description="checked in at the guide desk (present only then)")


_declare(
    "appointment.checked_in",
    "A booked citizen checked in and got a ticket.",
    "hall queue matter ticket actor",
    AppointmentCheckedIn,
)


class SlotsGenerated(Payload):
    first: IsoDate
    last: IsoDate
    created: int
    queues: Codes


_declare(
    "appointment.slots_generated",
    "Slots were generated from the weekly templates.",
    "hall actor",
    SlotsGenerated,
)


class CaseCorrected(Payload):
    via: str
    visit: bool
    tasks: Codes
    paused_seconds: Seconds


_declare(
    "case.corrected",
    "The citizen corrected a returned case (补正).",
    "hall window matter case visit actor",
    CaseCorrected,
)


class FieldCleared(Payload):
    field: str


_declare(
    "field.cleared",
    "The clerk emptied a value they had typed.",
    "hall window matter case actor",
    FieldCleared,
)


class CommitmentMade(Payload):
    material: str
    due: IsoDate


_declare(
    "commitment.made",
    "A tolerable material was promised for later (容缺).",
    "hall matter case actor",
    CommitmentMade,
)


class CommitmentSupplied(Payload):
    material: str
    via: str = Field(description="online / mail / hall")
    late: bool


_declare("commitment.supplied", "A promised material arrived.", "hall matter case actor", CommitmentSupplied)


class CaseDelivered(Payload):
    method: str


_declare(
    "case.delivered", "The result left the hall (一端出件).", "hall window matter case actor", CaseDelivered
)


class TaskFinished(Payload):
    task: str
    department: str
    seconds: Seconds | None
    overdue: bool


_declare("task.finished", "A back-office task was approved.", "hall matter case actor", TaskFinished)


class PrintSent(Payload):
    printer: str
    kind: str
    backup: bool


_declare("print.sent", "A ticket or slip was printed.", "hall case ticket actor", PrintSent)


class PrintFailed(Payload):
    printer: str
    reason: str
    detail: str


_declare(
    "print.failed",
    "A printer failed.",
    "hall case ticket actor",
    PrintFailed,
    personal={"reason": FREE_TEXT, "detail": FREE_TEXT},
)


class FerryBreaker(Payload):
    mode: Literal["ferry_breaker"]
    backend: str
    reason: str
    manual: bool


class FerryManualEntry(Payload):
    mode: Literal["ferry_manual_entry"]
    backend: str
    field_set: str
    fields: Codes


class PrinterFailover(Payload):
    mode: Literal["printer_failover"]
    from_: str = Field(alias="from")
    to: str


class PrinterDown(Payload):
    mode: Literal["printer_down"]
    printers: Codes
    fallback: str


_declare(
    "contingency.on",
    "A contingency began: a back end's breaker, hand entry, a printer's failover or outage.",
    "hall window matter case ticket actor",
    variants=(FerryBreaker, FerryManualEntry, PrinterFailover, PrinterDown),
    personal={"reason": FREE_TEXT},
)


class BreakerClosed(Payload):
    mode: Literal["ferry_breaker"]
    backend: str


_declare(
    "contingency.off", "A contingency ended: a back end's breaker closed.", "actor", variants=(BreakerClosed,)
)


class FerrySent(Payload):
    backend: str
    field_set: str
    operation: str
    status: str
    attempts: int


_declare("ferry.sent", "An envelope reached its back end.", "hall case", FerrySent)


class FerryFailed(Payload):
    backend: str
    field_set: str
    result: str = Field(description="refused / dead")


_declare("ferry.failed", "An envelope was refused or gave up.", "hall case", FerryFailed)


class FerryBackfilled(Payload):
    backend: str
    field_set: str
    result: str
    mismatches: Codes


_declare(
    "ferry.backfilled", "Values typed by hand were back-filled and reconciled.", "hall case", FerryBackfilled
)


class ChecklistPublished(Payload):
    version: int
    previous: int | None
    temporary: bool
    ends_on: IsoDate | None
    ended_temporary: list[int]
    filing_number: str
    source: str
    changes: list[str]


_declare(
    "checklist.published",
    "A matter's checklist version was published.",
    "matter actor",
    ChecklistPublished,
    public=True,
)


class ChecklistChecked(Payload):
    month: str
    version: int
    result: str


_declare(
    "checklist.checked",
    "The legal section's monthly check of a matter.",
    "matter actor",
    ChecklistChecked,
    public=True,
)


class ChecklistRejected(Payload):
    version: int
    reason: str
    content_hash: str


_declare(
    "checklist.rejected",
    "The legal section sent a submitted version back.",
    "matter actor",
    ChecklistRejected,
    personal={"reason": FREE_TEXT},
    public=True,
)


class PersonRenamed(Payload):
    person: Person
    had_name: bool


_declare(
    "person.renamed",
    "The hall changed a citizen's name (the name stays on the person).",
    "hall actor",
    PersonRenamed,
    personal={"person": PSEUDONYM},
)


class NotificationSent(Payload):
    kind: str = Field(description="the message's kind (core.notify.KINDS)")
    attempts: int = Field(description="sends it took, this one included")


_declare(
    "notification.sent",
    "A message reached the SMS gateway (core.notify.deliver); never the number or the text.",
    "hall",
    NotificationSent,
)


class NotificationFailed(Payload):
    kind: str = Field(description="the message's kind (core.notify.KINDS)")
    attempts: int
    reason: str = Field(description="the last failure, as the notifier said it")


_declare(
    "notification.failed",
    "A message was given up after its last try (core.notify.RETRY_DELAYS).",
    "hall",
    NotificationFailed,
    personal={"reason": FREE_TEXT},
)


EVENT_TYPES = frozenset(REGISTRY)


def get(name: str) -> EventType:
    declared = REGISTRY.get(name)
    if declared is None:
        raise EventContractError(f"unknown event type {name!r} (core.event_types)")
    return declared


def check(name: str, data: Mapping[str, Any] | None, refs: Iterable[str] = ()) -> None:
    """Refuse an event of an undeclared type, or one that does not match its type's declaration."""
    get(name).check(data, refs)


def in_order(names: Iterable[str]) -> tuple[str, ...]:
    """These types in declaration order (the log's grouping for the metrics loader); each must be declared."""
    wanted = set(names)
    for name in wanted:
        get(name)
    return tuple(n for n in REGISTRY if n in wanted)


# ---- docs/events.md -----------------------------------------------------------------------------------------


def _kind(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_kind(a) for a in typing.get_args(annotation))
    if origin is list:
        return f"list of {_kind(typing.get_args(annotation)[0])}"
    if origin is Literal:
        return " / ".join(f"`{a}`" for a in typing.get_args(annotation))
    return {str: "text", int: "integer", bool: "true/false", type(None): "null"}.get(
        annotation, str(annotation)
    )


def _fields(declared: EventType, model: type[Payload]) -> list[str]:
    if not model.model_fields:
        return ["No data."]
    lines = ["| field | type | required | note |", "|---|---|---|---|"]
    for name, f in model.model_fields.items():
        key = f.alias or name
        note = [f.description] if f.description else []
        note += [m.description for m in f.metadata if getattr(m, "description", None)]
        note += [f"pattern `{m.pattern}`" for m in f.metadata if getattr(m, "pattern", None)]
        if key in declared.personal:
            note.append(f"**personal: {declared.personal[key]}**")
        required = "yes" if f.is_required() else f"no (default `{f.default!r}`)"
        lines.append(f"| `{key}` | {_kind(f.annotation)} | {required} | {'; '.join(note)} |")
    return lines


def markdown() -> str:
    """docs/events.md: the registry in words."""
    out = [
        "# Event types",
        "",
        "<!-- Generated from src/onevisit/core/event_types.py by "
        "`python -m onevisit.core.event_types > docs/events.md`; tests/core/test_event_types.py keeps it current. -->",
        "",
        "Every fact in the log (`core.Event`) has one of these types. `emit()` refuses an undeclared type, a",
        "reference the type does not carry, and a payload (`data`) with a field missing, undeclared or of",
        'another type (no coercion: `"5"` is not an integer). Listed in the order the metrics loader groups the',
        "log.",
        "",
        "Personal data: no payload holds a full resident ID; none but the public catalog facts holds a full",
        "mobile number either. A citizen appears only as a person reference. Field rules:",
        "",
        *(f"- *{rule}*: {words}" for rule, words in RULES.items()),
        "",
        "| type | what happened | references |",
        "|---|---|---|",
        *(
            f"| [`{t.name}`](#{t.name.replace('.', '')}) | {t.doc} | {', '.join(r for r in REFS if r in t.refs)} |"
            for t in REGISTRY.values()
        ),
    ]
    for t in REGISTRY.values():
        out += [
            "",
            f"## {t.name}",
            "",
            t.doc,
            "",
            f"References: {', '.join(r for r in REFS if r in t.refs)}.",
        ]
        if t.public:
            out += ["", "A public catalog fact: may quote hotline and filing numbers."]
        for mode, model in t.models():
            out += ["", f"When `mode` is `{mode}`:" if mode else "Data:", "", *_fields(t, model)]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
