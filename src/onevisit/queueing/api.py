from ninja import Router, Schema, Status

from onevisit.accounts import roles
from onevisit.accounts.models import Hall
from onevisit.accounts.services import require, window_of
from onevisit.core.errors import NotFound
from onevisit.core.schemas import InputSchema
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


class TransferIn(InputSchema):
    queue: str


class StatusOut(Schema):
    number: str
    hall: str
    queue: str
    matter: str
    status: str
    window: str | None
    waiting_ahead: int | None
    estimated_minutes: int | None


class CallShown(Schema):
    number: str
    window: str
    speech: str
    key: str


class QueueCount(Schema):
    code: str
    name: str
    prefix: str
    waiting: int


class BoardOut(Schema):
    calls: list[CallShown]
    queues: list[QueueCount]


@router.post(
    "/windows/{window}/call-next", response=CallOut, summary="叫号：本窗口所服务队列(或指定队列)的下一位"
)
def call_next(request, window: str, queue: str | None = None):
    actor = require(request.user, roles.CLERK)
    ticket = services.call_next(window=window_of(actor, window), actor=actor, queue_code=queue)
    if ticket is None:
        return CallOut(ticket=None, detail="当前没有等候的群众")
    return CallOut(ticket=ticket_out(ticket), detail=f"请 {ticket.number} 号到{ticket.called_window.name}")


@router.post(
    "/windows/{window}/tickets/{ticket_id}/recall", response=TicketOut, summary="重呼（超过次数记为过号）"
)
def recall(request, window: str, ticket_id: int):
    actor = require(request.user, roles.CLERK)
    return ticket_out(services.recall(window=window_of(actor, window), ticket_id=ticket_id, actor=actor))


@router.post("/windows/{window}/tickets/{ticket_id}/no-show", response=TicketOut, summary="过号")
def no_show(request, window: str, ticket_id: int):
    actor = require(request.user, roles.CLERK)
    return ticket_out(
        services.mark_no_show(window=window_of(actor, window), ticket_id=ticket_id, actor=actor)
    )


@router.post(
    "/windows/{window}/tickets/{ticket_id}/transfer", response=TicketOut, summary="转到其他队列，保留排队时间"
)
def transfer(request, window: str, ticket_id: int, payload: TransferIn):
    actor = require(request.user, roles.CLERK)
    w = window_of(actor, window)
    return ticket_out(services.transfer(window=w, ticket_id=ticket_id, queue_code=payload.queue, actor=actor))


@router.post("/windows/{window}/pause", response={204: None}, summary="暂停叫号")
def pause(request, window: str):
    actor = require(request.user, roles.CLERK)
    services.set_paused(window=window_of(actor, window), paused=True, actor=actor)
    return Status(204, None)


@router.post("/windows/{window}/resume", response={204: None}, summary="恢复叫号")
def resume(request, window: str):
    actor = require(request.user, roles.CLERK)
    services.set_paused(window=window_of(actor, window), paused=False, actor=actor)
    return Status(204, None)


@router.get("/tickets/{token}/status", response=StatusOut, auth=None, summary="小票进度（公开，无个人信息）")
def ticket_status(request, token: str):
    ticket = services.find_by_token(token)
    if ticket is None:
        raise NotFound("未找到这张小票", field="token")
    waiting = ticket.status == "waiting"
    return StatusOut(
        number=ticket.number,
        hall=ticket.hall.name,
        queue=ticket.queue.name,
        matter=ticket.matter.name,
        status=ticket.status,
        window=ticket.called_window.name if ticket.called_window_id else None,
        waiting_ahead=services.waiting_ahead(ticket) if waiting else None,
        estimated_minutes=services.estimated_wait_minutes(ticket) if waiting else None,
    )


@router.get("/halls/{hall}/board", response=BoardOut, auth=None, summary="叫号屏数据（公开，仅号码）")
def board(request, hall: str):
    hall_obj = Hall.objects.filter(code=hall).first()
    if hall_obj is None:
        raise NotFound(f"没有大厅 {hall}", field="hall")
    data = services.board(hall_obj)
    return BoardOut(
        calls=[
            CallShown(number=c["number"], window=c["window"], speech=c["speech"], key=c["key"])
            for c in data["calls"]
        ],
        queues=[QueueCount(code=q.code, name=q.name, prefix=q.prefix, waiting=n) for q, n in data["queues"]],
    )
