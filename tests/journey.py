"""Steps of the journey as one-liners for tests."""

from __future__ import annotations

from onevisit.catalog.models import Material
from onevisit.intake import services as intake
from tests.factories import resident_id


def prereview(
    actor, matter: str = "cbdj", present: list[str] | None = None, rid: str | None = None, **identity
):
    if present is None:
        present = list(Material.objects.filter(matter__code=matter).values_list("code", flat=True))
    return intake.submit_prereview(
        actor=actor,
        matter_code=matter,
        present=present,
        name=identity.get("name", "张三"),
        resident_id=rid or resident_id(),
        phone=identity.get("phone", "13812345678"),
    )


def ticket(actor, matter: str = "cbdj", **kwargs):
    return prereview(actor, matter, **kwargs).ticket
