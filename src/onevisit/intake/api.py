from ninja import Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.catalog.api import MaterialOut
from onevisit.intake import services
from onevisit.queueing.api import TicketOut, ticket_out

router = Router(tags=["intake"])


class PreReviewIn(Schema):
    matter: str
    materials: list[str] = []
    name: str
    resident_id: str
    phone: str


class PreReviewOut(Schema):
    id: int
    verdict: str
    missing: list[MaterialOut]
    ticket: TicketOut | None


@router.post("/prereviews", response={201: PreReviewOut}, summary="导引台预审，材料齐全或可容缺时出号")
def submit_prereview(request, payload: PreReviewIn):
    actor = require(request.user, roles.GUIDE)
    prereview = services.submit_prereview(
        actor=actor,
        matter_code=payload.matter,
        present=payload.materials,
        name=payload.name,
        resident_id=payload.resident_id,
        phone=payload.phone,
    )
    return Status(
        201,
        PreReviewOut(
            id=prereview.pk,
            verdict=prereview.verdict,
            missing=[
                MaterialOut.model_validate(m, from_attributes=True)
                for m in services.missing_materials(prereview)
            ],
            ticket=ticket_out(prereview.ticket) if prereview.ticket else None,
        ),
    )
