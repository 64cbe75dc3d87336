"""What several of the case's use cases share: finding and locking a case, recording a visit, closing it."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, Q

from onevisit.accounts import roles
from onevisit.accounts.services import Actor
from onevisit.cases.models import Case, Visit
from onevisit.core import access, notify
from onevisit.core.errors import Conflict, Forbidden, Invalid, NotFound
from onevisit.core.events import emit


def case_scope(actor: Actor) -> Q:
    """The cases a clerk acts on (办件的窗口范围): those of the window they work at (Actor.window).

    A case belongs to the window that accepted it (Case.window) and to every window that received one of its
    visits (Visit.window). There is no transfer of a case as such: a ticket is transferred (queueing.transfer)
    before acceptance, and the window that calls and accepts it owns the case it opens; a returning citizen's
    ticket, wherever it was transferred, joins the case at the window that accepts it, which then acts on the
    case too. Without a window (the API for staff with no post) no case is in scope."""
    window = actor.window
    if window is None:
        return Q(pk__in=[])
    return Q(window=window) | Q(pk__in=Visit.objects.filter(window=window).values("case_id"))


def _hall_case(actor: Actor, case_id: int) -> Case | None:
    return (
        Case.objects.select_related("hall", "matter", "person", "window")
        .filter(hall=actor.hall, pk=case_id)
        .first()
    )


def not_found(case_id: object) -> NotFound:
    """What every write path answers for a case out of the clerk's scope, or none at all: the same 404, so a
    clerk cannot learn which case numbers exist at other windows by acting on them."""
    return NotFound("本窗口没有这个办件：只能办理本窗口受理或转来的办件", field="case")


def get_case(*, actor: Actor, case_id: int) -> Case:
    """A case the actor acts on (case_scope), for a write; another window's or hall's is not found."""
    case = _hall_case(actor, case_id)
    if case is None or not Case.objects.filter(case_scope(actor), pk=case.pk).exists():
        raise not_found(case_id)
    return case


class ReasonNeeded(Forbidden):
    """Reading a case of another window of the hall needs a stated reason (which is recorded)."""


def read_case(*, actor: Actor, case_id: int, where: str, reason: str = "") -> Case:
    """A case of the hall to show, its read recorded (core.access): one of the actor's own cases as it is, another
    window's only with a stated reason (ReasonNeeded without one). Another hall's is not found."""
    case = _hall_case(actor, case_id)
    if case is None:
        raise NotFound("本大厅没有这个办件", field="case")
    own = Case.objects.filter(case_scope(actor), pk=case.pk).exists()
    if own and not (reason or "").strip():
        access.record_one(actor=actor, person=case.person_id, where=where, case=case)
        return case
    if not own and not (reason or "").strip():
        raise ReasonNeeded(f"办件 {case.number} 不由本窗口办理：查阅须写明原因，查阅将被记录", field="reason")
    stated = access.checked_reason(reason)
    access.record_one(actor=actor, person=case.person_id, where=where, case=case, reason=stated)
    return case


def reason_to_read(*, actor: Actor, case_id: int, reason: str) -> str:
    """The reason a clerk states to read a case of the hall, checked (nothing written); the page keeps it a few
    minutes and reads the case with it, read_case recording each showing. Another hall's case is not found."""
    case = _hall_case(actor, case_id)
    if case is None:
        raise NotFound("本大厅没有这个办件", field="case")
    try:
        return access.checked_reason(reason)
    except Invalid as exc:  # the refusal keeps naming the case the page is about
        raise Invalid(f"查阅办件 {case.number}：{exc.message}", field="reason") from None


def full_resident_id(*, actor: Actor, case_id: int, where: str, reason: str) -> tuple[Case, str]:
    """查看完整证件号码: only a window clerk (the role itself: a hall admin's all-roles pass does not count), on a
    case of their own window (else not found), with a stated reason; the view is recorded (core.access)."""
    if roles.CLERK not in actor.roles:
        raise Forbidden(f"只有{roles.LABELS[roles.CLERK]}可在本窗口的办件上查看完整证件号码", field="case")
    case = get_case(actor=actor, case_id=case_id)
    if case.person is None:
        raise NotFound(f"办件 {case.number} 没有登记办事人", field="case")
    return case, access.reveal_resident_id(
        actor=actor, person=case.person, where=where, reason=reason, case=case
    )


def case_numbers(refs: set[str]) -> dict[str, str]:
    """{case reference (event_ref, the id): business number} of the cases referred to, in one query: the access
    log's page names cases as staff know them (core.access.CASE_NUMBERS)."""
    ids = {int(ref) for ref in refs if ref.isdigit()}
    found = Case.objects.filter(pk__in=ids).select_related("hall").only("pk", "accepted_at", "hall__timezone")
    return {case.event_ref: case.number for case in found}


def in_scope(actor: Actor, case: Case) -> bool:
    return Case.objects.filter(case_scope(actor), pk=case.pk).exists()


def applicant_shown_at(ticket, window_id: int | None) -> bool:
    """Whether a window may see who holds a scanned ticket: the window it was called to, or any window serving its
    queue once it is a no-show (the citizen is at the counter and is recalled there). A waiting ticket, or one
    called to another window, shows its number and status only."""
    if window_id is None:
        return False
    return ticket.called_window_id == window_id or ticket.status == "no_show"


def refuse_delivered(case: Case) -> None:
    """出件 ends the case: nothing about it changes afterwards (a Conflict, nothing written)."""
    if case.status == Case.Status.DELIVERED:
        raise Conflict(f"办件 {case.number} 已出件，不能再作任何修改", field="case")


def locked_case(actor: Actor, case_id: int) -> Case:
    """Inside the caller's transaction: a case the actor acts on (else NotFound), locked against a concurrent
    change; a delivered one is refused (Conflict)."""
    get_case(actor=actor, case_id=case_id)
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("hall", "window", "matter")
        .get(pk=case_id)
    )
    refuse_delivered(case)
    return case


def close_case(case: Case, *, actor, now, at_window: bool) -> None:
    """Close the case and record it with its last visit; at_window tells window handling from back office."""
    case.status, case.completed_at = Case.Status.COMPLETED, now
    case.save(update_fields=["status", "completed_at"])
    visit = case.visits.select_related("ticket").order_by("-seq").first()
    emit(
        "case.completed",
        hall=case.hall,
        window=case.window,
        matter=case.matter,
        case=case,
        ticket=visit.ticket if visit else None,
        visit=visit,
        actor=actor,
        data={"visits": visit.seq if visit else 0, "at_window": at_window},
        at=now,
    )
    if not at_window:  # finished in the back office: the citizen is not at the window to hear it
        tell_citizen(
            case,
            "ready",
            f"办件 {case.number}（{case.title}）已办结，请到{case.window.name}办理领取或邮寄。",
        )


def tell_citizen(case: Case, kind: str, text: str) -> None:
    """An SMS about the case to its citizen (core.notify: at the phone held, 退订 honoured, no name in it)."""
    notify.tell(case.person, kind=kind, text=f"【{case.hall.name}】{text}", hall=case.hall.code)


def record_visit(case: Case, *, ticket, window, purpose: str, actor, now) -> Visit:
    seq = (case.visits.aggregate(n=Max("seq"))["n"] or 0) + 1
    visit = Visit.objects.create(
        case=case, ticket=ticket, window=window, seq=seq, started_at=now, purpose=purpose
    )
    emit(
        "visit.recorded",
        hall=case.hall,
        window=window,
        matter=case.matter,
        case=case,
        ticket=ticket,
        visit=visit,
        actor=actor,
        data={"visit_seq": seq, "purpose": purpose},
        at=now,
    )
    return visit


def open_case_for(*, hall, person, matters: Iterable) -> Case | None:
    """A returning citizen's open case for one of these matters (recognised by the keyed digest of the ID)."""
    if person is None:
        return None
    return (
        Case.objects.filter(hall=hall, person=person, items__matter__in=list(matters))
        .filter(status__in=[Case.Status.ACCEPTED, Case.Status.IN_PROGRESS, Case.Status.RETURNED])
        .order_by("-accepted_at")
        .distinct()
        .first()
    )


def case_of_ticket(ticket) -> Case | None:
    """The case a ticket led to (its visit's case), with the window that holds it, or None."""
    return Case.objects.filter(visits__ticket=ticket).select_related("window").first()
