"""The audit administrator's API over the personal-data access log: search by POST (a resident ID never sits in
an address)."""

from datetime import date, datetime

from ninja import Router, Schema

from onevisit.accounts.audit import PAGE_SIZE, require_auditor, search
from onevisit.core import access

router = Router(tags=["audit"])


class AccessSearchIn(Schema):
    staff: str = ""
    resident_id: str = ""
    start: date | None = None
    end: date | None = None
    page: int = 1


class AccessRecordOut(Schema):
    seq: int
    at: datetime
    kind: str
    staff: str
    person: int | None
    case: str
    case_number: str = ""  # the case's business number (办件号), "" when none
    where: str
    reason: str


class AccessPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    records: list[AccessRecordOut]


@router.post("/access", response=AccessPageOut, summary="个人信息访问记录查询（仅审计管理员）")
def access_records(request, payload: AccessSearchIn):
    actor = require_auditor(request.user)
    page, _ = search(actor, payload.model_dump())
    numbers = access.case_numbers(r.case for r in page)
    return AccessPageOut(
        count=page.paginator.count,
        page=page.number,
        pages=page.paginator.num_pages,
        page_size=PAGE_SIZE,
        records=[
            AccessRecordOut(
                seq=r.seq,
                at=r.at,
                kind=r.kind,
                staff=r.staff,
                person=r.person,
                case=r.case,
                case_number=numbers.get(r.case, ""),
                where=r.where,
                reason=r.reason,
            )
            for r in page
        ],
    )
