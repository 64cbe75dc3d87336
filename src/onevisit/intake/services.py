"""Guide desk: pre-review, then a ticket for those who may go to a window."""

from __future__ import annotations

from django.db import transaction

from onevisit.accounts.services import Actor
from onevisit.catalog import services as catalog
from onevisit.core import clock, people
from onevisit.core.errors import Invalid
from onevisit.core.events import emit
from onevisit.intake import rules
from onevisit.intake.models import PreReview
from onevisit.queueing import services as queueing
from onevisit.queueing.models import Ticket


def submit_prereview(
    *, actor: Actor, matter_code: str, present: list[str], name: str, resident_id: str, phone: str
) -> PreReview:
    """Record what the citizen brought and, unless something essential is missing, issue the ticket."""
    matter = catalog.get_matter(matter_code)
    materials = catalog.materials_of(matter)
    known = {m.code for m in materials}
    unknown = sorted(set(present) - known)
    if unknown:
        raise Invalid(f"事项「{matter.name}」没有材料 {', '.join(unknown)}", field="materials")
    identity = people.check_identity(name=name, resident_id=resident_id, phone=phone)
    queueing.queue_for(actor.hall, matter)  # refuse a matter this hall does not serve before writing anything
    result = rules.review(
        [rules.Requirement(m.code, m.name, m.tolerable) for m in materials],
        [c for c in present if c in known],
    )
    with transaction.atomic():
        person = people.register(identity)
        prereview = PreReview.objects.create(
            hall=actor.hall,
            matter=matter,
            person=person,
            present=sorted(set(present)),
            missing=[r.code for r in result.missing],
            verdict=result.verdict.value,
            reviewed_by=actor.user,
            created_at=clock.now(),
        )
        emit(
            "prereview.completed",
            hall=actor.hall,
            matter=matter,
            actor=actor,
            data={
                "prereview": prereview.pk,
                "verdict": result.verdict.value,
                "required": len(materials),
                "present": len(materials) - len(result.missing),
                "missing": [r.code for r in result.missing],
                "person": person.event_ref,
            },
            at=prereview.created_at,
        )
        if result.gets_ticket:
            prereview.ticket = queueing.issue_ticket(
                hall=actor.hall, matter=matter, person=person, actor=actor
            )
            prereview.save(update_fields=["ticket"])
    return prereview


def prereview_of(ticket: Ticket) -> PreReview | None:
    return PreReview.objects.select_related("person", "matter").filter(ticket=ticket).first()


def missing_materials(prereview: PreReview) -> list:
    codes = set(prereview.missing)
    return [m for m in catalog.materials_of(prereview.matter) if m.code in codes]
