from ninja import Router, Schema

from onevisit.accounts import roles
from onevisit.accounts.services import require
from onevisit.catalog import services

router = Router(tags=["catalog"])


class MaterialOut(Schema):
    code: str
    name: str
    original_required: bool
    tolerable: bool


class MatterOut(Schema):
    code: str
    name: str
    department: str
    time_limit_days: int
    materials: list[MaterialOut]


def matter_out(matter) -> MatterOut:
    return MatterOut(
        code=matter.code,
        name=matter.name,
        department=matter.department,
        time_limit_days=matter.time_limit_days,
        materials=[
            MaterialOut.model_validate(m, from_attributes=True) for m in services.materials_of(matter)
        ],
    )


@router.get("/matters", response=list[MatterOut], summary="事项及其材料清单")
def list_matters(request):
    require(request.user, *roles.ALL)
    return [matter_out(m) for m in services.list_matters()]


@router.get("/matters/{code}", response=MatterOut, summary="单个事项")
def get_matter(request, code: str):
    require(request.user, *roles.ALL)
    return matter_out(services.get_matter(code))
