from ninja import Router, Schema

from onevisit.accounts import roles
from onevisit.accounts.services import require, window_of
from onevisit.queueing import services

router = Router(tags=["queueing"])


class TicketOut(Schema):
    number: str
    token: str
    queue: str
    matter: str
    status: str
    priority: int
    waiting_ahead: int
    window: str | None = None


def ticket_out(ticket) -> TicketOut:
    return TicketOut(
        number=ticket.number,
        token=ticket.token,
        queue=ticket.queue.code,
        matter=ticket.matter.code,
        status=ticket.status,
        priority=ticket.priority,
        waiting_ahead=services.waiting_ahead(ticket) if ticket.status == "waiting" else 0,
        window=ticket.called_window.code if ticket.called_window_id else None,
    )


class CallOut(Schema):
    ticket: TicketOut | None
    detail: str


@router.post("/windows/{window}/call-next", response=CallOut, summary="叫号：本窗口所服务队列的下一位")
def call_next(request, window: str):
    actor = require(request.user, roles.CLERK)
    ticket = services.call_next(window=window_of(actor, window), actor=actor)
    if ticket is None:
        return CallOut(ticket=None, detail="当前没有等候的群众")
    return CallOut(ticket=ticket_out(ticket), detail=f"请 {ticket.number} 号到{ticket.called_window.name}")
