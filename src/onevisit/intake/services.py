"""Guide desk: pre-review against the resolved checklist, triage, and a ticket for those who go to a window."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from onevisit.accounts.models import Hall
from onevisit.accounts.services import Actor
from onevisit.catalog import services as catalog
from onevisit.catalog.merge import MergedMaterial
from onevisit.core import clock, crypto, people
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit
from onevisit.core.freetext import free_text
from onevisit.core.ids import parse_resident_id
from onevisit.core.models import Person
from onevisit.intake import rules
from onevisit.intake.models import Consultation, PreReview
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket

# Domains above intake that know a citizen's open cases (cases plugs in at start-up): (hall, person) → lines.
OPEN_CASES: list[Callable[[Hall, Any], list[str]]] = []

CHANNELS = {
    PreReview.Channel.WINDOW: "window",
    PreReview.Channel.SELF_SERVICE: "self_service",
    PreReview.Channel.ONLINE_ASSISTED: "online",
}
MAX_TOLERANCE_DAYS = 30
DEFAULT_TOLERANCE_DAYS = 7
NA_REASON_MAX = 100
ELDERLY_AGE = 70


def checklist(*, matter_code: str | None = None, bundle_code: str | None = None, answers: dict | None = None):
    """The resolved checklist the guide desk reviews against (bundle with situations, or one matter)."""
    if bool(matter_code) == bool(bundle_code):
        raise Invalid("请选择一个事项或一件事", field="matter")
    if bundle_code:
        result = catalog.checklist_for_bundle(bundle_code, answers or {})
        if not result.matters:
            raise Invalid("按所选情形没有需要办理的事项，请补充回答情形问题", field="answers")
        return result
    return catalog.checklist_for_matter(matter_code, answers or {})


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _priority_class(identity, today: date, *, disability: bool = False, appointment: bool = False) -> str:
    """Who is served first: disability, then the elderly (from the ID's birth date), then a booking checked in
    on time (check_in_at_desk); the kiosk asks about neither disability nor a booking."""
    if disability:
        return Ticket.PriorityClass.DISABILITY
    if _age(parse_resident_id(identity.resident_id, today=today).birth_date, today) >= ELDERLY_AGE:
        return Ticket.PriorityClass.ELDERLY
    if appointment:
        return Ticket.PriorityClass.APPOINTMENT
    return Ticket.PriorityClass.NORMAL


def _primary_matter(hall: Hall, result, key_code: str):
    """The matter whose queue the ticket joins: the bundle's key matter if it applies, else the first served."""
    ordered = sorted(result.matters, key=lambda m: m.code != key_code)
    for matter in ordered:
        try:
            return matter, queueing.queue_for(hall, matter)
        except Invalid:
            continue
    names = "、".join(m.name for m in result.matters)
    raise Invalid(f"本大厅不办理「{names}」", field="matter")


class AlreadyWaiting(Conflict):
    """The citizen already holds a ticket that waits (or is being served): no second ticket, no new visit.

    Staff read the queue and what they may do (reprint, add matters); a citizen at the kiosk reads only their
    number and that they need no other: nothing about what that ticket is for.
    """

    def __init__(self, ticket: Ticket, *, to_citizen: bool = False) -> None:
        self.ticket = ticket
        called = ticket.status == Ticket.Status.CALLED
        if to_citizen:
            state = "已叫号，正在窗口办理" if called else "正在排队，请留意叫号屏"
            message = f"您的小票 {ticket.number} {state}。一次到访只需一个号，不用再取号。"
        else:
            state = "正在窗口办理" if called else "已在排队"
            message = (
                f"该办事人{state}，小票号 {ticket.number}（{ticket.queue.name}）。"
                "可重新打印该小票，或把本次事项加入该号，不再另取一号"
            )
        super().__init__(message, field="ticket")


def waiting_ticket_of(hall: Hall, person: Person | None) -> Ticket | None:
    """Today's ticket of this citizen that still waits or is being served in this hall (DESIGN §5: one visit)."""
    if person is None:
        return None
    return (
        Ticket.objects.select_related("queue")
        .filter(
            hall=hall,
            person=person,
            service_day=clock.local_date(hall.timezone),
            status__in=[Ticket.Status.WAITING, Ticket.Status.CALLED],
        )
        .order_by("-issued_at")
        .first()
    )


def refuse_second_ticket(hall: Hall, person: Person | None, *, to_citizen: bool = False) -> None:
    """The one rule of every path that issues a ticket (the desk, the kiosk, a booking checked in at either):
    while the citizen's ticket of today still waits or is being served, no second one (AlreadyWaiting).

    Inside the issuing transaction the citizen's row is locked first, so two requests at once (two kiosks, a
    kiosk and the desk) cannot both pass; outside one (a screen that only asks) it just looks.
    """
    if person is None:
        return
    if transaction.get_connection().in_atomic_block:
        list(Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True))
    if (waiting := waiting_ticket_of(hall, person)) is not None:
        raise AlreadyWaiting(waiting, to_citizen=to_citizen)


def offered_channels(hall: Hall, result, key_code: str) -> list[str]:
    """The triage channels the matter the ticket would be for actually has (all when the catalog names none)."""
    try:
        matter, _ = _primary_matter(hall, result, key_code)
    except Invalid:
        return [PreReview.Channel.WINDOW]
    return [c for c, name in CHANNELS.items() if not matter.channels or name in matter.channels]


def due_limit(materials, today: date):
    """The latest due date the materials' own rules allow ("5个工作日内补交"), with the strictest material."""
    ruled = [m for m in materials if m.tolerable and m.due_working_days]
    if not ruled:
        return None, None
    strictest = min(ruled, key=lambda m: m.due_working_days)
    return rules.add_working_days(today, strictest.due_working_days, holidays()), strictest


def holidays() -> frozenset[date]:
    """The hall's public holidays, the same calendar appointments use."""
    return queueing.holidays()


def check_tolerance(missing, *, commitment_signed: bool, tolerance_due: date | None, today: date) -> None:
    """容缺 wherever tolerable materials are promised for later (the desk, continuation at the window): the
    citizen's signed commitment, and a due date from today to MAX_TOLERANCE_DAYS on, no later than the strictest
    missing material's own rule. Every problem is named by its field; the caller has written nothing yet."""
    errors = {}
    limit, strictest = due_limit(missing, today)
    if not commitment_signed:
        errors["commitment"] = "缺少可容缺材料，须由办事人签署容缺承诺"
    if tolerance_due is None:
        errors["tolerance_due"] = "请填写承诺补交日期"
    elif not today <= tolerance_due <= today + timedelta(days=MAX_TOLERANCE_DAYS):
        errors["tolerance_due"] = f"承诺补交日期须在今天到 {MAX_TOLERANCE_DAYS} 天内"
    elif limit and tolerance_due > limit:
        errors["tolerance_due"] = (
            f"承诺补交日期不能晚于 {limit.year}年{limit.month}月{limit.day}日："
            f"「{strictest.name}」须在{strictest.due_working_days}个工作日内补交"
        )
    if errors:
        raise Invalid("；".join(errors.values()), errors=errors)


def default_tolerance_due(materials, today: date) -> date:
    """What the desk proposes: a week, or sooner when a material's own rule says so."""
    limit, _ = due_limit(materials, today)
    proposed = today + timedelta(days=DEFAULT_TOLERANCE_DAYS)
    return min(proposed, limit) if limit else proposed


def _check_not_applicable(
    not_applicable: dict[str, str], materials: dict, present: list[str]
) -> dict[str, str]:
    """Staff marked these items not applicable: each needs a short reason, free of personal numbers."""
    clean, errors = {}, {}
    for code, raw in not_applicable.items():
        material = materials.get(code)
        reason = (raw or "").strip()
        if material is None:
            errors["materials"] = f"清单中没有材料 {code}"
        elif material.shared:
            errors[f"na-{code}"] = f"「{material.name}」免提交，无需标记不适用"
        elif code in present:
            errors[f"na-{code}"] = f"「{material.name}」已勾选为已带，不能同时标记不适用"
        elif not reason:
            errors[f"na-{code}"] = f"请填写「{material.name}」不适用的原因"
        elif len(reason) > NA_REASON_MAX:
            errors[f"na-{code}"] = f"「{material.name}」不适用的原因不超过{NA_REASON_MAX}字"
        else:
            try:
                clean[code] = free_text(
                    reason,
                    field=f"na-{code}",
                    label=f"「{material.name}」不适用的原因",
                    max_length=NA_REASON_MAX,
                    lines=True,
                    refusal=f"「{material.name}」不适用的原因中不要填写身份证号或手机号",
                )
            except Invalid as refused:
                errors.update(refused.errors)
    if errors:
        raise Invalid("；".join(errors.values()), errors=errors)
    return clean


def submit_prereview(
    *,
    actor: Actor,
    present: list[str],
    name: str,
    resident_id: str,
    phone: str,
    matter_code: str | None = None,
    bundle_code: str | None = None,
    answers: dict[str, Any] | None = None,
    channel: str = PreReview.Channel.WINDOW,
    disability: bool = False,
    commitment_signed: bool = False,
    tolerance_due: date | None = None,
    not_applicable: dict[str, str] | None = None,
    confirm_name: bool = False,
    join_waiting: bool = False,
    idempotency_key: str = "",
    appointment: bool = False,
) -> PreReview:
    """Record what the citizen brought, route them, and issue a ticket when they go to a window.

    Every check runs before anything is written; a retried request with the same key returns the first result.
    A citizen whose ticket still waits gets no second ticket: AlreadyWaiting, or with join_waiting the matters
    of this pre-review are added to the waiting one.
    """
    key = queueing.request_key("prereview", idempotency_key)
    request = _prereview_request(
        matter_code=matter_code,
        bundle_code=bundle_code,
        answers=answers,
        present=present,
        name=name,
        resident_id=resident_id,
        phone=phone,
        channel=channel,
        disability=disability,
        commitment_signed=commitment_signed,
        tolerance_due=tolerance_due,
        not_applicable=not_applicable,
        appointment=appointment,
    )
    if done := _replayed_prereview(actor.hall, key, request):
        return done
    result = checklist(matter_code=matter_code, bundle_code=bundle_code, answers=answers)
    bundle = catalog.get_bundle(bundle_code) if bundle_code else None
    by_code = {m.code: m for m in result.materials}
    unknown = sorted(set(present) - set(by_code))
    if unknown:
        raise Invalid(f"「{result.name}」的清单中没有材料 {', '.join(unknown)}", field="materials")
    na = _check_not_applicable(dict(not_applicable or {}), by_code, present)
    # 免提交 (the hall obtains it) and 不适用 (staff recorded why not) never block.
    needed = [m for m in result.materials if not m.shared and m.code not in na]
    identity = people.check_identity(name=name, resident_id=resident_id, phone=phone)
    people.check_name(identity, confirmed=confirm_name)
    matter, queue = _primary_matter(actor.hall, result, bundle.key_matter.code if bundle else matter_code)
    review = rules.review([rules.Requirement(m.code, m.name, m.tolerable) for m in needed], present)
    today = clock.local_date(actor.hall.timezone)

    if channel not in PreReview.Channel.values or channel == PreReview.Channel.NONE:
        raise Invalid(f"分流去向 {channel} 不存在", field="channel")
    if review.verdict is rules.Verdict.INCOMPLETE:
        channel = PreReview.Channel.NONE
    elif matter.channels and CHANNELS[channel] not in matter.channels:
        raise Invalid(f"「{matter.name}」不能{PreReview.Channel(channel).label}", field="channel")
    if review.verdict is rules.Verdict.TOLERANCE:
        check_tolerance(
            [by_code[r.code] for r in review.missing],
            commitment_signed=commitment_signed,
            tolerance_due=tolerance_due,
            today=today,
        )

    waiting = None
    if channel == PreReview.Channel.WINDOW:
        try:
            refuse_second_ticket(actor.hall, people.find_by_resident_id(identity.resident_id))
        except AlreadyWaiting as refused:
            # The waiting ticket may be this very request's, committed by a concurrent first attempt.
            if done := _replayed_prereview(actor.hall, key, request):
                return done
            if not join_waiting:
                raise
            waiting = refused.ticket

    priority_class = _priority_class(identity, today, disability=disability, appointment=appointment)

    if waiting is not None:
        return _add_to_waiting(
            actor=actor,
            waiting=waiting,
            identity=identity,
            matter=matter,
            bundle=bundle,
            result=result,
            present=present,
            review=review,
            na=na,
            tolerance_due=tolerance_due,
        )
    try:
        with transaction.atomic():
            person = people.register(identity, actor=actor)
            if channel == PreReview.Channel.WINDOW:  # again, now under the citizen's lock
                refuse_second_ticket(actor.hall, person)
            first_visit = not PreReview.objects.filter(person=person, matter=matter).exists()
            prereview = PreReview.objects.create(
                hall=actor.hall,
                matter=matter,
                bundle=bundle,
                matters=[m.code for m in result.matters],
                answers=result.answers,
                person=person,
                present=sorted(set(present)),
                missing=[r.code for r in review.missing],
                not_applicable=na,
                verdict=review.verdict.value,
                checklists=result.versions,
                judged=judged_rows(
                    [],
                    result.materials,
                    present=present,
                    missing=[r.code for r in review.missing],
                    not_applicable=na,
                    verdict=review.verdict,
                ),
                channel=channel,
                tolerance_due=tolerance_due if review.verdict is rules.Verdict.TOLERANCE else None,
                commitment_signed=commitment_signed and review.verdict is rules.Verdict.TOLERANCE,
                idempotency_key=key,
                idempotency_fingerprint=request if key else {},
                reviewed_by=actor.user,
                created_at=clock.now(),
            )
            emit(
                "prereview.completed",
                hall=actor.hall,
                matter=matter,
                bundle=bundle_code or "",
                actor=actor,
                data={
                    "prereview": prereview.pk,
                    "verdict": review.verdict.value,
                    "required": len(needed),
                    "present": len(needed) - len(review.missing),
                    "missing": [r.code for r in review.missing],
                    "not_applicable": sorted(na),
                    "matters": prereview.matters,
                    "first_visit": first_visit,
                    "person": person.event_ref,
                },
                at=prereview.created_at,
            )
            _emit_not_applicable(prereview, na, by_code, actor)
            routed = {"prereview": prereview.pk, "channel": channel}
            if channel == PreReview.Channel.ONLINE_ASSISTED:
                routed["online_path"] = f"{result.kind}:{result.code}"  # handed over as a QR and link
            emit(
                "triage.routed",
                hall=actor.hall,
                matter=matter,
                bundle=bundle_code or "",
                actor=actor,
                data=routed,
            )
            if channel == PreReview.Channel.WINDOW:
                prereview.ticket = queueing.issue_ticket(
                    hall=actor.hall,
                    matter=matter,
                    person=person,
                    actor=actor,
                    queue=queue,
                    priority_class=priority_class,
                    idempotency_key=f"prereview-{key}" if key else "",
                )
                prereview.save(update_fields=["ticket"])
    except (IntegrityError, AlreadyWaiting):
        if done := _replayed_prereview(actor.hall, key, request):
            return done  # a concurrent retry with the same key won the insert, or issued the ticket first
        raise
    return prereview


def _prereview_request(**fields) -> dict:
    """The content a pre-review key stands for; personal numbers only as keyed digests (queueing's fingerprint)."""
    return queueing.request_fingerprint(
        matter=fields["matter_code"] or "",
        bundle=fields["bundle_code"] or "",
        answers=fields["answers"] or {},
        materials=sorted(set(fields["present"])),
        name=(fields["name"] or "").strip(),
        resident_id=(fields["resident_id"] or "").strip().upper(),
        phone=(fields["phone"] or "").strip(),
        channel=fields["channel"],
        disability=bool(fields["disability"]),
        commitment=bool(fields["commitment_signed"]),
        tolerance_due=fields["tolerance_due"],
        not_applicable=dict(sorted((fields["not_applicable"] or {}).items())),
        appointment=bool(fields["appointment"]),
    )


def check_in_at_desk(*, actor: Actor, appointment_code: str, **prereview) -> PreReview:
    """A booking checked in at the guide desk runs the pre-review like any visitor (submit_prereview).

    The booking is kept: on time, the ticket has the appointment's priority (the green channel still comes
    first), and the booking is marked checked in with that ticket. Materials missing: no ticket, the booking
    stays open for a return within its slot. The person must be the one who booked; identity fields left blank
    are the booking's (typed once, online), never shown in full.
    """
    with transaction.atomic():
        booking, on_time = queueing.lock_for_check_in(hall=actor.hall, code=appointment_code)
        known = {
            "name": lambda: booking.person.name,
            "resident_id": lambda: booking.person.resident_id,
            "phone": lambda: booking.person.phone,
        }
        for field, value in known.items():
            if not (prereview.get(field) or "").strip():
                prereview[field] = value()
        if booking.status != booking.Status.BOOKED:
            key = queueing.request_key("prereview", prereview.get("idempotency_key", ""))
            done = PreReview.objects.filter(hall=actor.hall, idempotency_key=key).first() if key else None
            if done is not None and done.ticket_id and done.ticket_id == booking.ticket_id:
                return submit_prereview(actor=actor, appointment=on_time, **prereview)  # a retry: same answer
            raise Conflict(
                f"预约码 {booking.code} {booking.get_status_display()}，不能再次签到", field="appointment"
            )
        result = submit_prereview(actor=actor, appointment=on_time, **prereview)
        if result.person_id != booking.person_id:
            raise Invalid("公民身份号码与预约人不一致：请核对证件，或按普通号预审", field="resident_id")
        if booking.matter.code not in result.matters:
            raise Invalid(f"该预约办理「{booking.matter.name}」，请选择该事项预审", field="appointment")
        if result.ticket is not None:
            queueing.mark_checked_in(
                appointment=booking, ticket=result.ticket, on_time=on_time, actor=actor, prereview=result.pk
            )
    return result


def _replayed_prereview(hall: Hall, key: str, request: dict) -> PreReview | None:
    """The pre-review a stored key already gave, if the content matches; a 409 naming the field if not."""
    if not key:
        return None
    done = PreReview.objects.filter(hall=hall, idempotency_key=key).first()
    if done is not None:
        queueing.check_same_request(done.idempotency_fingerprint, request)
    return done


def _emit_not_applicable(
    prereview: PreReview, na: dict[str, str], by_code: dict, actor: Actor, *, at=None
) -> None:
    """One event per item staff marked not applicable, so the hall can count and review them."""
    for code, reason in na.items():
        emit(
            "material.not_applicable",
            hall=actor.hall,
            matter=prereview.matter,
            bundle=prereview.bundle,
            actor=actor,
            data={
                "prereview": prereview.pk,
                "material": code,
                "reason": reason,
                "preset": reason == by_code[code].exempt_if,  # the catalog's own exemption, or staff's words
            },
            at=at or prereview.created_at,
        )


def _add_to_waiting(
    *, actor, waiting: Ticket, identity, matter, bundle, result, present, review, na, tolerance_due
) -> PreReview:
    """The same visit: the matters of this pre-review join the ticket that still waits; no new ticket."""
    codes = [m.code for m in result.matters]
    with transaction.atomic():
        person = people.register(identity, actor=actor)
        prereview = PreReview.objects.select_for_update().filter(ticket=waiting).first()
        now = clock.now()
        materials, versions = list(result.materials), dict(result.versions)
        if prereview is None:  # a kiosk or appointment ticket: this pre-review becomes the ticket's
            if waiting.matter.code not in codes:  # the ticket's own matter is judged too, as the window reads
                own = catalog.checklist_for_matter(waiting.matter.code)
                materials, versions = [*own.materials, *materials], {**own.versions, **versions}
            prereview = PreReview(
                hall=actor.hall,
                matter=waiting.matter,
                bundle=bundle,
                matters=list(dict.fromkeys([waiting.matter.code, *codes])),
                answers=result.answers,
                person=person,
                present=sorted(set(present)),
                missing=[r.code for r in review.missing],
                not_applicable=na,
                verdict=review.verdict.value,
                channel=PreReview.Channel.WINDOW,
                ticket=waiting,
                tolerance_due=tolerance_due if review.verdict is rules.Verdict.TOLERANCE else None,
                commitment_signed=review.verdict is rules.Verdict.TOLERANCE,
                reviewed_by=actor.user,
                created_at=now,
            )
            added = [c for c in prereview.matters if c != waiting.matter.code]
            new_na = na
        else:
            if not prereview.judged:  # kept before snapshots were: what it judged, as well as can be told
                prereview.judged = [asdict(m) for m in _resolved_again(prereview)]
            added = [c for c in codes if c not in prereview.matters]
            new_na = {c: r for c, r in na.items() if c not in prereview.not_applicable}
            prereview.matters = [*prereview.matters, *added]
            prereview.present = sorted(set(prereview.present) | set(present))
            prereview.missing = sorted(set(prereview.missing) | {r.code for r in review.missing})
            prereview.not_applicable = {**prereview.not_applicable, **na}
            if review.verdict is rules.Verdict.TOLERANCE:
                prereview.verdict = rules.Verdict.TOLERANCE.value
                prereview.commitment_signed = True
                dues = [d for d in (prereview.tolerance_due, tolerance_due) if d]
                prereview.tolerance_due = min(dues) if dues else None
        # The snapshot grows by what this pre-review judged: the items already judged keep their terms (name,
        # tolerable…) and versions; every item's state follows the merged ticks, as the window reads them.
        prereview.checklists = {**versions, **prereview.checklists}
        prereview.judged = judged_rows(
            prereview.judged,
            materials,
            present=prereview.present,
            missing=prereview.missing,
            not_applicable=prereview.not_applicable,
            verdict=rules.Verdict(prereview.verdict),
        )
        prereview.save()
        if added:  # a repeated request (a double press) adds nothing and records nothing
            emit(
                "prereview.matters_added",
                hall=actor.hall,
                matter=matter,
                bundle=bundle,
                ticket=waiting,
                actor=actor,
                data={"prereview": prereview.pk, "added": added, "number": waiting.number},
                at=now,
            )
        _emit_not_applicable(prereview, new_na, {m.code: m for m in result.materials}, actor, at=now)
    return prereview


def record_consultation(
    *, actor: Actor, matter_code: str | None = None, bundle_code: str | None = None, note: str = ""
) -> Consultation:
    """A visitor who only asked about a matter: counted, since consultations feed relative volume."""
    if bool(matter_code) == bool(bundle_code):
        raise Invalid("请选择咨询的事项或一件事", field="matter")
    matter = catalog.get_matter(matter_code) if matter_code else None
    bundle = catalog.get_bundle(bundle_code) if bundle_code else None
    note = free_text(note, field="note", label="备注", max_length=200)
    with transaction.atomic():
        consultation = Consultation.objects.create(
            hall=actor.hall,
            matter=matter,
            bundle=bundle,
            note=note,
            recorded_by=actor.user,
            created_at=clock.now(),
        )
        emit(
            "consultation.recorded",
            hall=actor.hall,
            matter=matter,
            bundle=bundle,
            actor=actor,
            at=consultation.created_at,
        )
    return consultation


def issue_at_kiosk(*, actor: Actor, matter_code: str, resident_id: str, idempotency_key: str = "") -> Ticket:
    """Self-service ticket: the citizen reads the checklist on screen and identifies with the resident ID.

    A citizen whose ticket still waits or is being served gets no second one (refuse_second_ticket), told in
    their own words; a retry of the same request still gets its own ticket back.
    """
    matter = catalog.get_matter(matter_code)
    queue = queueing.queue_for(actor.hall, matter)
    identity = people.check_resident_id(resident_id)
    today = clock.local_date(actor.hall.timezone)
    priority_class = _priority_class(identity, today)
    key = f"kiosk-{idempotency_key.strip()}" if (idempotency_key or "").strip() else ""
    # A retry is answered (or refused for other content) before anything is written, the person included.
    citizen = crypto.digest("resident_id", identity.resident_id)  # as Person.id_digest, before any row exists
    request = queueing.ticket_request(
        matter=matter, id_digest=citizen, queue=queue, priority_class=priority_class
    )
    stored_key = queueing.request_key("ticket", key)
    if done := queueing.replayed_ticket(hall=actor.hall, key=stored_key, request=request):
        return done
    try:
        with transaction.atomic():
            person = people.register(identity)
            refuse_second_ticket(actor.hall, person, to_citizen=True)
            return queueing.issue_ticket(
                hall=actor.hall,
                matter=matter,
                person=person,
                actor=actor,
                queue=queue,
                priority_class=priority_class,
                idempotency_key=key,
            )
    except AlreadyWaiting:
        if done := queueing.replayed_ticket(hall=actor.hall, key=stored_key, request=request):
            return done  # the waiting ticket is this very request's, committed by a concurrent retry
        raise


def check_in_at_kiosk(*, actor: Actor, code: str) -> tuple[Ticket, bool]:
    """预约签到 at the kiosk (and by the check-in API): the booking's ticket, priority if on time — unless the
    booker already holds a ticket that waits or is being served (refuse_second_ticket); the booking then stays
    open. The desk's check-in runs the pre-review instead (check_in_at_desk), which obeys the same rule."""
    queueing.checkable_appointment(hall=actor.hall, code=code)  # refusals before any lock
    with transaction.atomic():
        booking, _ = queueing.lock_for_check_in(hall=actor.hall, code=code)  # the booking, then its citizen
        if booking.status == booking.Status.BOOKED:
            refuse_second_ticket(actor.hall, booking.person, to_citizen=True)
        return queueing.check_in(hall=actor.hall, code=code, actor=actor)


def open_cases(prereview: PreReview) -> list[str]:
    """The citizen's cases still open in this hall: a new ticket is a further visit for them, not a new case."""
    return [line for lookup in OPEN_CASES for line in lookup(prereview.hall, prereview.person)]


def prereview_of(ticket: Ticket) -> PreReview | None:
    return PreReview.objects.select_related("person", "matter", "bundle").filter(ticket=ticket).first()


@dataclass
class JudgedMaterial(MergedMaterial):
    """A material as the pre-review judged it: the merged checklist item and the desk's state for it."""

    state: str = ""


_MATERIAL_FIELDS = {f.name for f in fields(JudgedMaterial)}


def judged_rows(
    rows: list[dict],
    materials: Iterable[MergedMaterial],
    *,
    present: Iterable[str],
    missing: Iterable[str],
    not_applicable: Iterable[str],
    verdict: rules.Verdict,
) -> list[dict]:
    """The pre-review's snapshot: `rows` already judged, then the materials not yet among them, each with the
    desk's state (rules.judged) from the ticks and the verdict. JSON, so it is written with the pre-review's row."""
    by_code = {r["code"]: {**r, "matters": list(r["matters"])} for r in rows}
    for m in materials:
        row = by_code.get(m.code)
        if row is None:
            by_code[m.code] = {k: v for k, v in asdict(m).items() if k != "state"}
        else:
            row["matters"] += [c for c in m.matters if c not in row["matters"]]
    present, missing, na = set(present), set(missing), set(not_applicable)
    for row in by_code.values():
        row["state"] = rules.judged(
            row["code"],
            shared=row["shared"],
            present=present,
            missing=missing,
            not_applicable=na,
            verdict=verdict,
        ).value
    return list(by_code.values())


def materials_of(prereview: PreReview) -> list[JudgedMaterial]:
    """The materials the pre-review judged, with those of matters added to its ticket later: its snapshot,
    never the catalog of today (a checklist republished since does not change what the desk judged)."""
    if prereview.judged:
        return materials_of_rows(prereview.judged)
    return _resolved_again(prereview)


def _resolved_again(prereview: PreReview) -> list[JudgedMaterial]:
    """A pre-review without a snapshot (none could be rebuilt for it when snapshots came): the catalog of today."""
    result = checklist(
        matter_code=None if prereview.bundle_id else prereview.matter.code,
        bundle_code=prereview.bundle.code if prereview.bundle_id else None,
        answers=prereview.answers,
    )
    materials = list(result.materials)
    seen = {m.code for m in materials}
    covered = {m.code for m in result.matters}
    for code in prereview.matters:
        if code not in covered:
            extra = [m for m in catalog.checklist_for_matter(code).materials if m.code not in seen]
            materials += extra
            seen |= {m.code for m in extra}
    return materials_of_rows(
        judged_rows(
            [],
            materials,
            present=prereview.present,
            missing=prereview.missing,
            not_applicable=prereview.not_applicable,
            verdict=rules.Verdict(prereview.verdict),
        )
    )


def materials_of_rows(rows: list[dict]) -> list[JudgedMaterial]:
    return [JudgedMaterial(**{k: v for k, v in d.items() if k in _MATERIAL_FIELDS}) for d in rows]


def missing_materials(prereview: PreReview) -> list:
    """The missing items with their names, from the checklist the pre-review used."""
    codes = set(prereview.missing)
    return [m for m in materials_of(prereview) if m.code in codes]
