"""YAML in and out of the catalog. All-or-nothing: every problem names the file, the item and the reason."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from onevisit.accounts.models import Department
from onevisit.catalog import fields as fields_rules
from onevisit.catalog import schema, services
from onevisit.catalog.models import (
    Bundle,
    BundleMatter,
    ChecklistVersion,
    Clause,
    FieldDefinition,
    Material,
    Matter,
    MatterField,
)
from onevisit.catalog.situations import BundleSpec, MaterialSpec, MatterSpec, RuleError, validate_bundle
from onevisit.core import clock

KINDS = ("departments", "clauses", "fields", "matters", "bundles")


class CatalogImportError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Item:
    source: str
    data: dict[str, Any]


@dataclass
class Loaded:
    departments: dict[str, Item] = field(default_factory=dict)
    clauses: dict[tuple[str, str], Item] = field(default_factory=dict)
    fields: dict[str, Item] = field(default_factory=dict)
    matters: dict[str, Item] = field(default_factory=dict)
    bundles: dict[str, Item] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


@dataclass
class Stats:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    published: list[str] = field(default_factory=list)

    def count(self, created: bool, changed: bool) -> None:
        if created:
            self.created += 1
        elif changed:
            self.updated += 1
        else:
            self.unchanged += 1


def yaml_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*.yaml") if p.is_file()) + sorted(path.rglob("*.yml"))
    return [path]


def read(paths: Iterable[Path]) -> Loaded:
    loaded = Loaded()
    for path in paths:
        name = str(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            loaded.problems.append(f"{name}: 无法读取：{exc}")
            continue
        if not isinstance(doc, dict):
            loaded.problems.append(f"{name}: 顶层须为 {'/'.join(KINDS)} 映射")
            continue
        unknown = set(doc) - set(KINDS)
        if unknown:
            loaded.problems.append(f"{name}: 未知的顶层键 {', '.join(sorted(unknown))}")
        for kind in KINDS:
            items = doc.get(kind) or []
            if not isinstance(items, list):
                loaded.problems.append(f"{name}: {kind} 须为列表")
                continue
            for i, data in enumerate(items):
                if not isinstance(data, dict):
                    loaded.problems.append(f"{name}: {kind}[{i}] 须为映射")
                    continue
                key = (
                    (str(data.get("code", "")), str(data.get("version", "")))
                    if kind == "clauses"
                    else str(data.get("code", ""))
                )
                target = getattr(loaded, kind)
                label = f"{kind[:-1]} {key[0] + '@' + key[1] if kind == 'clauses' else key}"
                if key in target:
                    loaded.problems.append(f"{name}: {label}: 重复定义（另见 {target[key].source}）")
                    continue
                target[key] = Item(name, data)
    return loaded


# ---- validation ---------------------------------------------------------------------------------------------


def _check_material(data: Any, where: str, clause_refs: set[str], problems: list[str]) -> MaterialSpec | None:
    if not isinstance(data, dict):
        problems.append(f"{where}: 材料须为映射")
        return None
    where = f"{where} 材料 {data.get('code', '') or '?'}"
    item = schema.MaterialItem.check(data, where, problems)
    if item is None:
        return None
    if item.clause and item.clause not in clause_refs:
        problems.append(f"{where}: 引用的条款 {item.clause} 未定义")
        return None
    return MaterialSpec(
        code=item.code,
        name=item.name,
        original=item.original,
        electronic=item.electronic,
        stamp=item.stamp or "",
        copies=item.copies,
        tolerable=item.tolerable,
        shared=item.shared,
        clause=item.clause,
        note=item.note or "",
        exempt_if=(item.exempt_if or "").strip(),
        due_working_days=item.due_working_days,
    )


def validate(loaded: Loaded) -> tuple[dict[str, MatterSpec], list[str]]:
    """Check everything before anything is written; returns the matters' specs and the problems found."""
    problems = list(loaded.problems)
    for (code, version), item in loaded.clauses.items():
        schema.ClauseItem.check(
            {**item.data, "code": code, "version": version}, f"{item.source}: 条款 {code}", problems
        )
    clause_refs = {f"{c}@{v}" for c, v in loaded.clauses} | {c.ref for c in Clause.objects.all()}
    department_codes = _check_departments(loaded, problems)
    for code, item in loaded.fields.items():
        _check_field(code, item, problems)
    field_codes = set(loaded.fields) | set(FieldDefinition.objects.values_list("code", flat=True))
    specs: dict[str, MatterSpec] = {}
    for code, item in loaded.matters.items():
        before = len(problems)
        where = f"{item.source}: 事项 {code}"
        schema.MatterItem.check({**item.data, "code": code}, where, problems)
        if item.data.get("department") not in department_codes:
            problems.append(
                f"{where}: 实施部门 department「{item.data.get('department', '')}」不在部门表中（填部门代码）"
            )
        materials = _check_materials(item.data.get("materials"), where, clause_refs, problems)
        _check_form(item.data.get("fields"), where, field_codes, problems)
        if len(problems) == before:
            specs[code] = MatterSpec(code=code, name=str(item.data["name"]), materials=tuple(materials))
    known = {**services.matter_specs(), **specs}
    for code, item in loaded.bundles.items():
        _check_bundle(code, item, clause_refs, field_codes, department_codes, known, problems)
    return specs, problems


def _check_field(code: str, item: Item, problems: list[str]) -> None:
    where = f"{item.source}: 字段 {code}"
    schema.FieldItem.check({**item.data, "code": code}, where, problems)
    rules = fields_rules.validation_problems(
        item.data.get("type", "text"), item.data.get("validation", {}) or {}
    )
    problems += [f"{where}: {problem}" for problem in rules]


def _check_materials(data: Any, where: str, clause_refs: set[str], problems: list[str]) -> list[MaterialSpec]:
    """A matter's checklist: each material valid, no code twice, not empty."""
    materials: dict[str, MaterialSpec] = {}
    for m in data or []:
        spec = _check_material(m, where, clause_refs, problems)
        if spec and spec.code in materials:
            problems.append(f"{where} 材料 {spec.code}: 同一事项中重复")
        elif spec:
            materials[spec.code] = spec
    if not data:
        problems.append(f"{where}: 材料清单为空")
    return list(materials.values())


def _check_form(data: Any, where: str, field_codes: set[str], problems: list[str]) -> None:
    """A matter's form: each use names a field of the dictionary, once."""
    seen: set[str] = set()
    for use in data or []:
        ref = use.get("field") if isinstance(use, dict) else None
        if ref not in field_codes:
            problems.append(f"{where}: 表单引用的字段 {ref} 未在字段字典中定义")
        elif ref in seen:
            problems.append(f"{where}: 字段 {ref} 重复")
        else:
            seen.add(ref)


def _check_bundle(
    code: str,
    item: Item,
    clause_refs: set[str],
    field_codes: set[str],
    department_codes: set[str],
    known: dict[str, MatterSpec],
    problems: list[str],
) -> None:
    """A bundle on its own, then its situation rules against the matters, its questions and its tasks."""
    where, d = f"{item.source}: 一件事 {code}", item.data
    if schema.BundleItem.check({**d, "code": code}, where, problems) is None:
        return
    for add in d.get("add_materials") or []:
        _check_material(add.get("material") if isinstance(add, dict) else None, where, clause_refs, problems)
    try:
        spec = services.spec_from_data(code, str(d.get("name", "")), str(d.get("key_matter", "")), d)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        problems.append(
            f"{where}: 结构不正确（{exc.__class__.__name__}: {exc}），请对照 docs/catalog-format.md"
        )
        return
    try:
        validate_bundle(spec, known)
    except RuleError as exc:
        problems.append(f"{item.source}: {exc.where}: {exc.reason}")
    problems += [f"{where}: {p}" for p in _bundle_references(spec, d, field_codes, department_codes)]


def _bundle_references(
    spec: BundleSpec, d: dict[str, Any], field_codes: set[str], department_codes: set[str]
) -> list[str]:
    """What a bundle's questions and tasks name that the catalog does not have."""
    tasks = d.get("tasks") or []
    problems = [
        f"问题 {q.code} 的 field {q.field} 不在字段字典中"
        for q in spec.questions
        if q.field and q.field not in field_codes
    ]
    problems += services.task_problems(tasks, [bm.matter for bm in spec.matters])
    return problems + [
        f"任务 {t.get('code')} 的部门「{t['department']}」不在部门表中（填部门代码）"
        for t in tasks
        if isinstance(t, dict)
        and isinstance(t.get("department"), str)
        and t["department"] not in department_codes
    ]


def _check_departments(loaded: Loaded, problems: list[str]) -> set[str]:
    """The department codes matters and tasks may name: those in the files and those already in the table."""
    stored = dict(Department.objects.values_list("code", "parent__code"))
    given = {c: i.data.get("parent") or None for c, i in loaded.departments.items()}
    parents = {**stored, **{c: p if isinstance(p, str) else None for c, p in given.items()}}
    names: dict[str, str] = {}
    for code, item in loaded.departments.items():
        where = f"{item.source}: 部门 {code}"
        department = schema.DepartmentItem.check({**item.data, "code": code}, where, problems)
        if department is not None and department.name in names:
            problems.append(f"{where}: 名称「{department.name}」与部门 {names[department.name]} 相同")
        elif department is not None:
            names[department.name] = code
        _check_parent(code, item.data.get("parent"), parents, where, problems)
    taken = dict(Department.objects.exclude(code__in=loaded.departments).values_list("name", "code"))
    problems += [
        f"{loaded.departments[code].source}: 部门 {code}: 名称「{name}」已被部门 {taken[name]} 使用"
        for name, code in names.items()
        if name in taken
    ]
    return set(parents)


def _check_parent(code: str, parent: Any, parents: dict[str, Any], where: str, problems: list[str]) -> None:
    """A department's parent is known and the chain above it does not come back to it."""
    if parent is not None and not isinstance(parent, str):
        problems.append(f"{where}: 上级部门 parent 须为一个部门代码")
        return
    if parent is not None and parent not in parents:
        problems.append(f"{where}: 上级部门 {parent} 不在部门表中")
    seen, up = {code}, parent
    while up in parents:
        if up in seen:
            problems.append(f"{where}: 上级部门形成循环（{code} → {parent}）")
            return
        seen.add(up)
        up = parents[up]


# ---- writing ------------------------------------------------------------------------------------------------


def _upsert(model, lookup: dict, values: dict, stats: Stats):
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model.objects.create(**lookup, **values)
        stats.count(created=True, changed=True)
        return obj
    changed = any(getattr(obj, k) != v for k, v in values.items())
    if changed:
        for k, v in values.items():
            setattr(obj, k, v)
        obj.save()
    stats.count(created=False, changed=changed)
    return obj


def import_catalog(
    path: Path,
    *,
    dry_run: bool = False,
    as_draft: bool = False,
    user=None,
    progress: Callable[[str], None] = lambda _: None,
) -> Stats:
    """Validate every file, then write all of it in one transaction (or nothing)."""
    loaded = read(yaml_files(Path(path)))
    _, problems = validate(loaded)
    if problems:
        raise CatalogImportError(problems)
    stats = Stats()
    if dry_run:
        return stats
    with transaction.atomic():
        departments = {}
        for code, item in loaded.departments.items():
            departments[code] = _upsert(
                Department, {"code": code}, {"name": item.data["name"].strip()}, stats
            )
            progress(f"department {code}")
        for code, item in loaded.departments.items():
            parent = item.data.get("parent")
            parent = (
                departments.get(parent) or Department.objects.filter(code=parent).first() if parent else None
            )
            if departments[code].parent != parent:
                departments[code].parent = parent
                departments[code].save(update_fields=["parent"])
        for (code, version), item in loaded.clauses.items():
            values = {"title": item.data["title"].strip(), "text": str(item.data.get("text", "")).strip()}
            _upsert(Clause, {"code": code, "version": version}, values, stats)
            progress(f"clause {code}@{version}")
        for code, item in loaded.fields.items():
            d = item.data
            values = {
                "label": d["label"].strip(),
                "type": d.get("type", "text"),
                "sensitivity": d.get("sensitivity", "personal"),
                "core": bool(d.get("core", False)),
                "synonyms": list(d.get("synonyms") or []),
                "validation": dict(d.get("validation") or {}),
            }
            _upsert(FieldDefinition, {"code": code}, values, stats)
            progress(f"field {code}")
        fields = {f.code: f for f in FieldDefinition.objects.all()}
        clauses = {c.ref: c for c in Clause.objects.all()}
        for code, item in loaded.matters.items():
            _write_matter(
                code, item.data, stats, fields=fields, clauses=clauses, as_draft=as_draft, user=user
            )
            progress(f"matter {code}")
        for code, item in loaded.bundles.items():
            _write_bundle(code, item.data, stats)
            progress(f"bundle {code}")
    return stats


def _write_matter(
    code: str, d: dict, stats: Stats, *, fields: dict, clauses: dict, as_draft: bool, user
) -> None:
    values = {
        "name": d["name"].strip(),
        "department": Department.objects.get(code=d["department"]),
        "level": d.get("level", "district"),
        "legal_basis": str(d.get("legal_basis", "")).strip(),
        "time_limit_days": d.get("time_limit_days", 0),
        "correction_pauses_clock": d.get("correction_pauses_clock", True),
        "channels": list(d.get("channels", ["window"])),
    }
    matter = _upsert(Matter, {"code": code}, values, stats)
    wanted = []
    for position, use in enumerate(d.get("fields") or []):
        definition = fields[use["field"]]
        wanted.append(definition.code)
        form_values = {
            "label": str(use.get("label") or definition.label),
            "required": bool(use.get("required", True)),
            "position": position,
        }
        _upsert(MatterField, {"matter": matter, "field": definition}, form_values, stats)
    MatterField.objects.filter(matter=matter).exclude(field__code__in=wanted).delete()

    specs = [_check_material(m, "", set(clauses), []) for m in d["materials"]]
    digest = services.content_hash(specs)
    published = services.published_checklist(matter)
    if published and published.content_hash == digest:
        return
    if as_draft:
        waiting = matter.checklists.filter(status=ChecklistVersion.Status.SUBMITTED).first()
        if waiting and waiting.content_hash == digest:
            return
        if waiting:
            raise CatalogImportError(
                [f"事项 {code}: 已有待审核的第{waiting.number}版，请先审核或退回后再导入"]
            )
    number = (matter.checklists.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ChecklistVersion.objects.create(
        matter=matter, number=number, source="import", created_by=user, created_at=clock.now()
    )
    Material.objects.bulk_create(
        Material(
            checklist=version,
            matter=matter,
            code=s.code,
            name=s.name,
            original_required=s.original,
            electronic_accepted=s.electronic,
            stamp_unit=s.stamp,
            copies=s.copies,
            tolerable=s.tolerable,
            shared=s.shared,
            clause=clauses.get(s.clause),
            note=s.note,
            exempt_if=s.exempt_if,
            due_working_days=s.due_working_days,
            position=position,
        )
        for position, s in enumerate(specs)
    )
    if as_draft:
        services.submit(version=version, user=user)
    else:
        services.publish_imported(version=version, user=user)
        stats.published.append(f"{matter.code} v{version.number}")


def _write_bundle(code: str, d: dict, stats: Stats) -> None:
    spec_data = {
        k: d.get(k) or [] for k in ("questions", "matters", "add_materials", "drop_materials", "tasks")
    }
    values = {
        "name": d["name"].strip(),
        "key_matter": Matter.objects.get(code=d["key_matter"]),
        "audience": str(d.get("audience", "")).strip(),
        "description": str(d.get("description", "")).strip(),
        "spec": spec_data,
    }
    bundle = _upsert(Bundle, {"code": code}, values, stats)
    codes = [m if isinstance(m, str) else m["matter"] for m in spec_data["matters"]]
    matters = {m.code: m for m in Matter.objects.filter(code__in=codes)}
    for position, c in enumerate(codes):
        BundleMatter.objects.update_or_create(
            bundle=bundle, matter=matters[c], defaults={"position": position}
        )
    BundleMatter.objects.filter(bundle=bundle).exclude(matter__code__in=codes).delete()


# ---- export -------------------------------------------------------------------------------------------------


def export_catalog(path: Path) -> Path:
    """Write the published catalog as one YAML file that import reads back to the same state."""
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path.mkdir(parents=True, exist_ok=True)
        path = path / "catalog.yaml"

    def material(m: MaterialSpec) -> dict:
        out: dict[str, Any] = {"code": m.code, "name": m.name}
        defaults = MaterialSpec(code="", name="")
        for key in (
            "original",
            "electronic",
            "stamp",
            "copies",
            "tolerable",
            "shared",
            "clause",
            "note",
            "exempt_if",
            "due_working_days",
        ):
            if getattr(m, key) != getattr(defaults, key):
                out[key] = getattr(m, key)
        return out

    doc = {
        "departments": [
            {"code": d.code, "name": d.name, **({"parent": d.parent.code} if d.parent else {})}
            for d in Department.objects.select_related("parent")
        ],
        "clauses": [
            {"code": c.code, "version": c.version, "title": c.title, "text": c.text}
            for c in Clause.objects.all()
        ],
        "fields": [
            {
                "code": f.code,
                "label": f.label,
                "type": f.type,
                "sensitivity": f.sensitivity,
                "core": f.core,
                "synonyms": f.synonyms,
                "validation": f.validation,
            }
            for f in FieldDefinition.objects.all()
        ],
        "matters": [],
        "bundles": [],
    }
    specs = services.matter_specs(
        standing=True
    )  # a temporary change is not the catalog a hall reviews and loads
    for m in Matter.objects.select_related("department").prefetch_related("form_fields__field"):
        if not specs[m.code].materials:
            continue  # nothing published yet: import would refuse an empty checklist
        doc["matters"].append(
            {
                "code": m.code,
                "name": m.name,
                "department": m.department.code,
                "level": m.level,
                "legal_basis": m.legal_basis,
                "time_limit_days": m.time_limit_days,
                "correction_pauses_clock": m.correction_pauses_clock,
                "channels": m.channels,
                "materials": [material(s) for s in specs[m.code].materials],
                "fields": [
                    {"field": f.field.code, "label": f.label, "required": f.required}
                    for f in m.form_fields.all()
                ],
            }
        )
    for b in Bundle.objects.select_related("key_matter"):
        doc["bundles"].append(
            {
                "code": b.code,
                "name": b.name,
                "key_matter": b.key_matter.code,
                "audience": b.audience,
                "description": b.description,
                **{k: v for k, v in b.spec.items() if v},
            }
        )
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
    return path
