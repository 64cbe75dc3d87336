"""One form, never typed twice: the case's merged form, its drafts and its saves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field

from django.db import transaction

from onevisit.accounts.services import Actor
from onevisit.cases.common import get_case, refuse_delivered
from onevisit.cases.known import known_values
from onevisit.cases.models import Case, FieldEntry
from onevisit.catalog import services as catalog
from onevisit.catalog.fields import FieldValueError, check_value
from onevisit.catalog.merge import FormField, MergedForm
from onevisit.catalog.models import FieldDefinition
from onevisit.core import clock, crypto
from onevisit.core.errors import Conflict, Invalid
from onevisit.core.events import emit


@dataclass
class CaseForm:
    form: MergedForm
    definitions: dict[str, FieldDefinition]
    known: dict[str, tuple[str, str]]  # field → (value, source)
    entered: dict[str, str]  # every stored value of the case's form, typed or taken from what was known
    typed: set[str] = dc_field(default_factory=set)  # the fields the clerk typed or changed

    @property
    def fields(self) -> dict[str, FormField]:
        """Every field of the merged form once: the core page first, then the matters' pages."""
        found: dict[str, FormField] = {}
        for f in [*self.form.core, *(f for page in self.form.pages.values() for f in page)]:
            found.setdefault(f.field, f)
        return found

    def value(self, field: str) -> str:
        return self.entered.get(field) or self.known.get(field, ("", ""))[0]

    def prefilled(self, field: str) -> bool:
        """The form shows a value the system brought (not one the clerk typed)."""
        return field not in self.typed and bool(self.value(field))

    def readonly(self, field: str) -> bool:
        """Known personal values are shown masked and never retyped."""
        d = self.definitions.get(field)
        return field in self.known and d is not None and d.sensitivity != FieldDefinition.Sensitivity.PUBLIC

    def problems(self, today) -> dict[str, str]:
        """What stops the case from leaving the window: a required field empty, or a value that fails its rule."""
        found = {}
        for code, use in self.fields.items():
            value, d = self.value(code), self.definitions.get(code)
            if not value:
                if use.required:
                    found[code] = f"请填写{use.label}"
                continue
            if d is not None:
                try:
                    check_value(
                        d.type, d.validation, value, label=use.label, today=today, sensitivity=d.sensitivity
                    )
                except FieldValueError as exc:
                    found[code] = exc.reason
        return found


def case_form(case: Case) -> CaseForm:
    codes = list(case.items.values_list("matter__code", flat=True))
    form = catalog.merged_form(codes)
    fields = [f.field for f in form.core] + [f.field for page in form.pages.values() for f in page]
    entries = list(FieldEntry.objects.filter(case=case))
    definitions = {d.code: d for d in FieldDefinition.objects.filter(code__in=fields)}
    today = clock.local_date(case.hall.timezone)
    return CaseForm(
        form=form,
        definitions=definitions,
        # Each source's spelling of a value made the stored one ("医疗,养老" → "养老、医疗"), so what is shown,
        # prefilled and compared for the duplicate-entry figure is the value the case would store.
        known={
            code: (_normalised(definitions.get(code), value, today), source)
            for code, (value, source) in known_values(case).items()
        },
        entered={e.field: crypto.unseal(e.value) if e.sealed else e.value for e in entries},
        typed={e.field for e in entries if e.source == FieldEntry.Source.TYPED},
    )


def form_problems(case: Case) -> dict[str, str]:
    """field → what is still wrong with it before the case may leave the window."""
    return case_form(case).problems(clock.local_date(case.hall.timezone))


def require_complete_form(case: Case, *, doing: str) -> None:
    """Refuse to let a case leave the window (办结, 移交后台) while its form lacks a required or valid field."""
    cf = case_form(case)
    problems = cf.problems(clock.local_date(case.hall.timezone))
    if problems:
        names = "、".join(cf.fields[f].label for f in problems)
        raise Invalid(f"表单尚未填写完整，不能{doing}。请先填写：{names}", errors=problems)


Submitted = Mapping[str, str | Sequence[str]]  # field → the typed value, or a group's ticked choices


def save_form(
    *, actor: Actor, case_id: int, submitted: Submitted, prefilled: Iterable[str] = ()
) -> list[FieldEntry]:
    """Save the merged form as it stands, all or nothing (the API): required fields may still be empty; a value
    that fails its rule is refused, naming the field, and nothing is written.

    `prefilled` names the fields the page showed filled in by the system: such a value sent back unchanged was not
    typed and is no entry. A typed value the system already knew is a duplicate entry (DESIGN §5)."""
    return _save(actor, case_id, submitted, prefilled, keep_valid=False).saved


@dataclass
class Draft:
    case: Case
    saved: list[FieldEntry]  # the entries written now
    valid: set[str]  # the fields sent with a valid value (written now, or stored already)
    errors: dict[str, str]  # field → why its value was left out
    labels: dict[str, str]  # field → its label on this case's form

    @property
    def names(self) -> str:
        """The fields left out, by their labels."""
        return "、".join(self.labels[f] for f in self.errors)


def save_draft(*, actor: Actor, case_id: int, submitted: Submitted, prefilled: Iterable[str] = ()) -> Draft:
    """A draft always saves (the window's F8): every valid value is stored; a value that fails its rule is left
    out (not stored, no event) and comes back with its reason, so nothing typed correctly is lost."""
    return _save(actor, case_id, submitted, prefilled, keep_valid=True)


FORM_OPEN = (Case.Status.ACCEPTED, Case.Status.RETURNED)  # at the window: accepted, or back for 补正


def form_editable(case: Case) -> bool:
    """The window may change the form only while the case is at the window: once handed over the departments
    decide on what they were given, and a finished or delivered case changes no more."""
    return case.status in FORM_OPEN


def _save(actor, case_id, submitted, prefilled, *, keep_valid: bool) -> Draft:
    case = get_case(actor=actor, case_id=case_id)
    with transaction.atomic():
        # a double submit waits, then sees the first; a case handed over meanwhile is seen as such
        case.status = (
            Case.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=case.pk)
        )
        refuse_delivered(case)
        if not form_editable(case):
            raise Conflict(
                f"办件 {case.number} {case.get_status_display()}，表单不能再修改；需要改正时由后台退回补正",
                field="case",
            )
        return _save_form(actor, case, submitted, set(prefilled), keep_valid=keep_valid)


def _blank(raw: str | Sequence[str] | None) -> bool:
    if raw is None or isinstance(raw, str):
        return not (raw or "").strip()
    return not any(v and v.strip() for v in raw)


def _normalised(d: FieldDefinition | None, value: str, today) -> str:
    if d is None or not value:
        return value
    try:
        return check_value(d.type, d.validation, value, label=d.label, today=today, sensitivity=d.sensitivity)
    except FieldValueError:
        return value


def _save_form(
    actor: Actor, case: Case, submitted: Submitted, prefilled: set[str], *, keep_valid: bool
) -> Draft:
    cf = case_form(case)
    all_fields = cf.fields
    unknown = sorted(set(submitted) - set(all_fields))
    if unknown:
        raise Invalid(f"表单没有字段 {', '.join(unknown)}", field=unknown[0])
    today = clock.local_date(case.hall.timezone)
    values, errors = {}, {}
    for code, use in all_fields.items():
        raw = submitted.get(code)
        if _blank(raw):
            continue  # a draft: what is still empty is asked for at completion
        d = cf.definitions[code]
        try:
            values[code] = check_value(
                d.type, d.validation, raw, label=use.label, today=today, sensitivity=d.sensitivity
            )
        except FieldValueError as exc:
            errors[code] = exc.reason
    if errors and not keep_valid:
        names = "、".join(all_fields[c].label for c in errors)
        raise Invalid(f"以下字段填写有误，表单未保存：{names}", errors=errors)
    now, saved = clock.now(), []
    for code in all_fields:
        if code in errors:
            continue  # left out: what is stored stays as it was
        if code in submitted and _blank(submitted[code]) and code in cf.typed:
            # The clerk emptied a value they had typed (every box unticked): the form holds nothing there again.
            FieldEntry.objects.filter(case=case, field=code, source=FieldEntry.Source.TYPED).delete()
            emit(
                "field.cleared",
                hall=case.hall,
                window=case.window,
                matter=case.matter,
                case=case,
                actor=actor,
                data={"field": code},
                at=now,
            )
            continue
        d = cf.definitions[code]
        sealed = d.sensitivity != FieldDefinition.Sensitivity.PUBLIC
        known_value, known_from = cf.known.get(code, ("", ""))
        value = values.get(code)
        if value is not None and cf.entered.get(code) == value:
            continue  # sent back unchanged: no new entry
        untouched = code in prefilled and code not in cf.typed and value == known_value
        if value is None or untouched:
            if known_value and code not in cf.entered and not errors:
                # What the case used of the known values, kept with it: not an entry, nobody typed it. (Not
                # with a value left out: such a save writes only what was typed correctly; the next one keeps it.)
                FieldEntry.objects.create(
                    case=case,
                    field=code,
                    value=crypto.seal(known_value) if sealed else known_value,
                    sealed=sealed,
                    source=FieldEntry.Source.KNOWN,
                    entered_by=actor.user,
                    entered_at=now,
                )
            continue
        duplicate = value == known_value
        entry, _ = FieldEntry.objects.update_or_create(
            case=case,
            field=code,
            defaults={
                "value": crypto.seal(value) if sealed else value,
                "sealed": sealed,
                "source": FieldEntry.Source.TYPED,
                "duplicate": duplicate,
                "entered_by": actor.user,
                "entered_at": now,
            },
        )
        emit(
            "field.entered",
            hall=case.hall,
            window=case.window,
            matter=case.matter,
            case=case,
            actor=actor,
            data={"field": code, "duplicate": duplicate, "known_from": known_from if known_value else ""},
            at=now,
        )
        saved.append(entry)
    labels = {code: use.label for code, use in all_fields.items()}
    return Draft(case=case, saved=saved, valid=set(values), errors=errors, labels=labels)
