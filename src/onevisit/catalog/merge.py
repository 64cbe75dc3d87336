"""One set of materials and one form (一套材料, 一表申请) for any set of matters. Pure: no Django."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from onevisit.catalog.situations import FieldUse, MaterialSpec


@dataclass
class MergedMaterial:
    """A document listed once for all the matters that need it, with the strictest of their requirements."""

    code: str
    name: str
    matters: list[str]
    original: bool
    electronic: bool
    stamp: str
    copies: int
    tolerable: bool
    shared: bool
    clause: str
    note: str
    exempt_if: str = ""
    due_working_days: int | None = None


def merge_materials(per_matter: Mapping[str, Sequence[MaterialSpec]]) -> list[MergedMaterial]:
    merged: dict[str, MergedMaterial] = {}
    for matter, materials in per_matter.items():
        for m in materials:
            seen = merged.get(m.code)
            if seen is None:
                merged[m.code] = MergedMaterial(
                    m.code,
                    m.name,
                    [matter],
                    m.original,
                    m.electronic,
                    m.stamp,
                    m.copies,
                    m.tolerable,
                    m.shared,
                    m.clause,
                    m.note,
                    m.exempt_if,
                    m.due_working_days,
                )
                continue
            seen.matters.append(matter)
            seen.original |= m.original
            seen.electronic &= m.electronic
            seen.stamp = seen.stamp or m.stamp
            seen.copies = max(seen.copies, m.copies)
            seen.tolerable &= m.tolerable  # tolerable only if every matter tolerates its absence
            seen.shared &= m.shared
            seen.clause = seen.clause or m.clause
            seen.note = seen.note or m.note
            if seen.exempt_if != m.exempt_if:
                seen.exempt_if = ""  # exempt only when every matter exempts the same people
            dues = [d for d in (seen.due_working_days, m.due_working_days) if d is not None]
            seen.due_working_days = min(dues) if dues else None
    return list(merged.values())


@dataclass
class FormField:
    field: str
    label: str
    required: bool
    matters: list[str]


@dataclass
class MergedForm:
    """Core page (identity and every field two or more matters use) plus one supplementary page per matter."""

    core: list[FormField]
    pages: dict[str, list[FormField]] = field(default_factory=dict)
    entries_separately: int = 0

    @property
    def entries_merged(self) -> int:
        return len(self.core) + sum(len(p) for p in self.pages.values())

    @property
    def entries_saved(self) -> int:
        return self.entries_separately - self.entries_merged


def merge_form(
    per_matter: Mapping[str, Sequence[FieldUse]], *, core_fields: set[str], labels: Mapping[str, str]
) -> MergedForm:
    users: dict[str, list[str]] = {}
    required: dict[str, bool] = {}
    for matter, uses in per_matter.items():
        for use in uses:
            users.setdefault(use.field, []).append(matter)
            required[use.field] = required.get(use.field, False) or use.required
    shared = {f for f, ms in users.items() if f in core_fields or len(ms) > 1}
    # Identity fields first, in dictionary order; then the shared ones in order of first use.
    order = [f for f in users if f in core_fields] + [
        f for f in users if f in shared and f not in core_fields
    ]
    form = MergedForm(
        core=[FormField(f, labels.get(f, f), required[f], users[f]) for f in order],
        entries_separately=sum(len(uses) for uses in per_matter.values()),
    )
    for matter, uses in per_matter.items():
        form.pages[matter] = [
            FormField(u.field, u.label, u.required, [matter]) for u in uses if u.field not in shared
        ]
    return form
