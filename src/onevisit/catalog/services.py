"""Read access to the catalog for the other domains."""

from __future__ import annotations

from onevisit.catalog.models import Material, Matter
from onevisit.core.errors import NotFound


def get_matter(code: str) -> Matter:
    matter = Matter.objects.filter(code=code).first()
    if matter is None:
        raise NotFound(f"未找到事项 {code}", field="matter")
    return matter


def list_matters(codes: list[str] | None = None) -> list[Matter]:
    qs = Matter.objects.all()
    if codes is not None:
        qs = qs.filter(code__in=codes)
    return list(qs)


def materials_of(matter: Matter) -> list[Material]:
    return list(matter.materials.all())


def matter_names() -> dict[str, str]:
    return dict(Matter.objects.values_list("code", "name"))
