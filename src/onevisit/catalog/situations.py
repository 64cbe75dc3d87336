"""Situations (情形): questions, declarative conditions and the resolution of answers to a checklist.

Pure: no Django. Rules are data — mappings checked on import and evaluated here, never `eval`-ed.
"""

from __future__ import annotations

import itertools
import operator
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS = ("single", "multiple", "yesno", "number")
_CODE = re.compile(r"[a-z0-9][a-z0-9_-]*")
_COMPARE = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
_BOUNDS = tuple(_COMPARE)


class RuleError(ValueError):
    """A catalog rule that cannot be used; `where` names the item, `reason` says why (Chinese)."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


class AnswerError(ValueError):
    """An answer set that names an unknown question or option, or a value of the wrong kind."""

    def __init__(self, question: str, reason: str) -> None:
        super().__init__(f"{question}: {reason}")
        self.question = question
        self.reason = reason


@dataclass(frozen=True)
class Option:
    code: str
    label: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    kind: str
    options: tuple[Option, ...] = ()
    min: float | None = None
    max: float | None = None
    when: Mapping[str, Any] | None = None
    field: str = ""  # the form field this answer fills (asked once at the desk, never again at the window)

    def option_codes(self) -> list[str]:
        return [o.code for o in self.options]


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    original: bool = False
    electronic: bool = False
    stamp: str = ""
    copies: int = 1
    tolerable: bool = False
    shared: bool = False
    clause: str = ""  # "code@YYYY-MM"
    note: str = ""
    exempt_if: str = ""  # who need not bring it (e.g. 灵活就业人员): the desk offers it as "not applicable"
    due_working_days: int | None = None  # 容缺: to be supplied within this many working days


_NOTE_PARTS = re.compile(r"[，,；;。]")


def own_note(material: Any) -> str:
    """A material's note less what its 可容缺 badge already says ("可容缺", "5个工作日内补交"): the seed's notes
    repeat the rule ("制作社保卡用，可容缺"), which shown beside the badge read twice. A note that says something
    else (another number of days, a use) is kept as written."""
    note = str(material.note or "")
    if not material.tolerable:
        return note
    due = getattr(material, "due_working_days", None)
    said = {"可容缺", "可容缺后补"} | (
        {f"{due}个工作日内补交", f"可容缺{due}个工作日内补交"} if due else set()
    )
    parts = [p.strip() for p in _NOTE_PARTS.split(note)]
    if not any(p in said for p in parts):
        return note
    return "，".join(p for p in parts if p and p not in said)


@dataclass(frozen=True)
class FieldUse:
    field: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class MatterSpec:
    code: str
    name: str
    materials: tuple[MaterialSpec, ...] = ()
    fields: tuple[FieldUse, ...] = ()
    # The checklist version the materials come from (its id), when read from one: not part of what the spec says.
    version: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class BundleMatter:
    matter: str
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class AddMaterial:
    matter: str
    material: MaterialSpec
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class DropMaterial:
    matter: str
    material: str
    when: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class BundleSpec:
    code: str
    name: str
    key_matter: str
    questions: tuple[Question, ...] = ()
    matters: tuple[BundleMatter, ...] = ()
    add_materials: tuple[AddMaterial, ...] = ()
    drop_materials: tuple[DropMaterial, ...] = ()

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)


@dataclass
class Resolution:
    """The answer set's outcome: the matters that apply and each one's materials, in catalog order."""

    asked: list[str]
    matters: list[str]
    materials: dict[str, list[MaterialSpec]] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)


# ---- conditions -------------------------------------------------------------------------------------------


def condition_questions(cond: Mapping[str, Any] | None) -> set[str]:
    if not cond:
        return set()
    names: set[str] = set()
    for key, value in cond.items():
        if key == "any":
            for sub in value:
                names |= condition_questions(sub)
        else:
            names.add(key)
    return names


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def check_condition(cond: Any, questions: Mapping[str, Question], where: str) -> None:
    """Refuse a condition naming an unknown question or option, or one that can never hold."""
    if cond is None:
        return
    if not isinstance(cond, Mapping) or not cond:
        raise RuleError(where, "条件(when)须为“问题: 取值”的映射")
    for key, value in cond.items():
        if key == "any":
            if not isinstance(value, list) or not value:
                raise RuleError(where, "any 须为条件列表")
            for sub in value:
                check_condition(sub, questions, where)
            continue
        q = questions.get(key)
        if q is None:
            raise RuleError(where, f"条件引用了不存在的问题 {key}")
        if q.kind == "yesno":
            if not isinstance(value, bool):
                raise RuleError(where, f"问题 {key} 是是否题，条件取值须为 true 或 false")
        elif q.kind == "number":
            _check_number_condition(q, value, where)
        else:
            values = value.get("all") if isinstance(value, Mapping) and q.kind == "multiple" else value
            if isinstance(value, Mapping) and q.kind != "multiple":
                raise RuleError(where, f"问题 {key} 的条件取值须为选项或选项列表")
            for v in _as_list(values):
                if v not in q.option_codes():
                    raise RuleError(where, f"问题 {key} 没有选项 {v}")


def _check_number_condition(q: Question, value: Any, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float | Mapping):
        raise RuleError(where, f"问题 {q.code} 是数字题，条件须为数字或 gt/gte/lt/lte 范围")
    if isinstance(value, Mapping):
        unknown = set(value) - set(_BOUNDS)
        if unknown:
            raise RuleError(where, f"数字条件只能用 gt/gte/lt/lte，不能用 {', '.join(sorted(unknown))}")
        if any(isinstance(b, bool) or not isinstance(b, int | float) for b in value.values()):
            raise RuleError(where, f"问题 {q.code} 的数字条件边界须为数字")
        low = max(
            [value[k] for k in ("gt", "gte") if k in value] + ([q.min] if q.min is not None else []),
            default=None,
        )
        high = min(
            [value[k] for k in ("lt", "lte") if k in value] + ([q.max] if q.max is not None else []),
            default=None,
        )
        strict = ("gt" in value and value["gt"] == low) or ("lt" in value and value["lt"] == high)
        if low is not None and high is not None and (low > high or (low == high and strict)):
            raise RuleError(where, f"问题 {q.code} 的数字条件永远不可能成立")
    elif (q.min is not None and value < q.min) or (q.max is not None and value > q.max):
        raise RuleError(where, f"问题 {q.code} 的条件取值 {value} 超出允许范围")


def holds(
    cond: Mapping[str, Any] | None, answers: Mapping[str, Any], questions: Mapping[str, Question]
) -> bool:
    """Every key must hold; a question left unanswered makes its key fail."""
    if not cond:
        return True
    for key, expected in cond.items():
        if key == "any":
            if not any(holds(sub, answers, questions) for sub in expected):
                return False
            continue
        if key not in answers:
            return False
        answer, kind = answers[key], questions[key].kind
        if kind == "number":
            if isinstance(expected, Mapping):
                if not all(_COMPARE[op](answer, bound) for op, bound in expected.items()):
                    return False
            elif answer != expected:
                return False
        elif kind == "multiple":
            chosen = set(answer)
            if isinstance(expected, Mapping):
                if not set(expected["all"]) <= chosen:
                    return False
            elif not chosen & set(_as_list(expected)):
                return False
        elif kind == "yesno":
            if answer is not expected:
                return False
        elif answer not in _as_list(expected):
            return False
    return True


# ---- validation of a bundle ----------------------------------------------------------------------------------


def validate_bundle(spec: BundleSpec, matters: Mapping[str, MatterSpec]) -> None:
    """Check a bundle against the known matters; raise RuleError naming the first problem."""
    where = f"一件事 {spec.code}"
    questions: dict[str, Question] = {}
    for q in spec.questions:
        qwhere = f"{where} 问题 {q.code}"
        if not isinstance(q.code, str) or not _CODE.fullmatch(q.code):
            raise RuleError(qwhere, "问题编码须为小写字母、数字和下划线")
        if any(not isinstance(o.code, str) or not _CODE.fullmatch(o.code) for o in q.options):
            raise RuleError(qwhere, "选项编码须为小写字母、数字和下划线")
        if any(
            b is not None and (isinstance(b, bool) or not isinstance(b, int | float)) for b in (q.min, q.max)
        ):
            raise RuleError(qwhere, "min/max 须为数字")
        if q.code in questions:
            raise RuleError(qwhere, "问题编码重复")
        if q.kind not in KINDS:
            raise RuleError(qwhere, f"问题类型须为 {'/'.join(KINDS)}，不能是 {q.kind}")
        if q.kind in ("single", "multiple"):
            codes = q.option_codes()
            if len(codes) < 2:
                raise RuleError(qwhere, "单选或多选题至少需要两个选项")
            if len(set(codes)) != len(codes):
                raise RuleError(qwhere, "选项编码重复")
        elif q.options:
            raise RuleError(qwhere, f"{q.kind} 类型的问题不能有选项")
        if q.kind == "number" and q.min is not None and q.max is not None and q.min > q.max:
            raise RuleError(qwhere, "数字题的最小值大于最大值")
        questions[q.code] = q
    for q in spec.questions:
        check_condition(q.when, questions, f"{where} 问题 {q.code}")
    _refuse_cycles(spec, questions, where)

    codes = [bm.matter for bm in spec.matters]
    if not codes:
        raise RuleError(where, "一件事至少包含一个事项")
    if len(set(codes)) != len(codes):
        raise RuleError(where, "事项重复列出")
    for bm in spec.matters:
        if bm.matter not in matters:
            raise RuleError(f"{where} 事项 {bm.matter}", "引用的事项未定义")
        check_condition(bm.when, questions, f"{where} 事项 {bm.matter}")
    if spec.key_matter not in codes:
        raise RuleError(where, f"主事项 {spec.key_matter} 不在本一件事的事项中")
    for add in spec.add_materials:
        awhere = f"{where} 增加材料 {add.matter}/{add.material.code}"
        if add.matter not in codes:
            raise RuleError(awhere, "该事项不在本一件事中")
        check_condition(add.when, questions, awhere)
    for drop in spec.drop_materials:
        dwhere = f"{where} 免交材料 {drop.matter}/{drop.material}"
        if drop.matter not in codes:
            raise RuleError(dwhere, "该事项不在本一件事中")
        listed = {m.code for m in matters[drop.matter].materials} | {
            a.material.code for a in spec.add_materials if a.matter == drop.matter
        }
        if drop.material not in listed:
            raise RuleError(dwhere, "该事项没有这项材料")
        check_condition(drop.when, questions, dwhere)
        for add in spec.add_materials:
            if (add.matter, add.material.code) == (drop.matter, drop.material) and _can_both_hold(
                add.when, drop.when
            ):
                raise RuleError(dwhere, "同一情形下既增加又免交同一材料，规则矛盾")


def _can_both_hold(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Conservative: an unconditional rule overlaps everything, and identical conditions overlap."""
    return not a or not b or dict(a) == dict(b)


def _refuse_cycles(spec: BundleSpec, questions: Mapping[str, Question], where: str) -> None:
    deps = {q.code: condition_questions(q.when) for q in spec.questions}
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            cycle = " → ".join([*path[path.index(code) :], code])
            raise RuleError(where, f"问题的显示条件形成循环：{cycle}")
        state[code] = 1
        for dep in sorted(deps.get(code, ())):
            visit(dep, [*path, code])
        state[code] = 2

    for q in spec.questions:
        visit(q.code, [])


# ---- answers and resolution ----------------------------------------------------------------------------------


def asked_questions(spec: BundleSpec, answers: Mapping[str, Any]) -> list[Question]:
    """Questions to show, in order: those without a condition or whose condition holds."""
    index = {q.code: q for q in spec.questions}
    return [q for q in spec.questions if holds(q.when, answers, index)]


def normalize_answers(spec: BundleSpec, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check every answer against its question; answers to questions not asked are dropped."""
    index = {q.code: q for q in spec.questions}
    clean: dict[str, Any] = {}
    for code, value in raw.items():
        q = index.get(code)
        if q is None:
            raise AnswerError(code, f"一件事「{spec.name}」没有问题 {code}")
        if value is None or value == "" or value == []:
            continue
        clean[code] = _answer(q, value)
    # Only answers to asked questions count; asking depends on earlier answers, so settle to a fixed point.
    while True:
        asked = {q.code for q in asked_questions(spec, clean)}
        kept = {k: v for k, v in clean.items() if k in asked}
        if kept == clean:
            return clean
        clean = kept


def _answer(q: Question, value: Any) -> Any:
    if q.kind == "yesno":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "yes", "1", "是", "y"):
            return True
        if text in ("false", "no", "0", "否", "n"):
            return False
        raise AnswerError(q.code, f"问题 {q.code} 只能回答是或否")
    if q.kind == "number":
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise AnswerError(q.code, f"问题 {q.code} 须填数字") from None
        if isinstance(value, bool) or number != number:
            raise AnswerError(q.code, f"问题 {q.code} 须填数字")
        if (q.min is not None and number < q.min) or (q.max is not None and number > q.max):
            raise AnswerError(q.code, f"问题 {q.code} 的取值须在 {q.min} 到 {q.max} 之间")
        return int(number) if number.is_integer() else number
    values = _as_list(value)
    for v in values:
        if v not in q.option_codes():
            raise AnswerError(q.code, f"问题 {q.code} 没有选项 {v}")
    if q.kind == "single":
        if len(values) != 1:
            raise AnswerError(q.code, f"问题 {q.code} 是单选题，只能选一项")
        return values[0]
    return sorted(set(values), key=q.option_codes().index)


def resolve(
    spec: BundleSpec, matters: Mapping[str, MatterSpec], raw_answers: Mapping[str, Any]
) -> Resolution:
    """Answers in, the applicable matters and their materials out. Deterministic: catalog order throughout."""
    answers = normalize_answers(spec, raw_answers)
    index = {q.code: q for q in spec.questions}
    applicable = [bm.matter for bm in spec.matters if holds(bm.when, answers, index)]
    result = Resolution(
        asked=[q.code for q in asked_questions(spec, answers)], matters=applicable, answers=answers
    )
    for code in applicable:
        added = [a.material for a in spec.add_materials if a.matter == code and holds(a.when, answers, index)]
        # An added material with a code the matter already lists replaces it in that situation (e.g. a document
        # the hall obtains for local births must be brought for a birth elsewhere).
        replacing = {m.code: m for m in added}
        items = [replacing.pop(m.code, m) for m in matters[code].materials]
        items += [m for m in added if m.code in replacing]
        dropped = {
            d.material for d in spec.drop_materials if d.matter == code and holds(d.when, answers, index)
        }
        result.materials[code] = [m for m in items if m.code not in dropped]
    return result


def answer_combinations(spec: BundleSpec) -> Iterator[dict[str, Any]]:
    """Every answer set worth trying: each option, both yes and no, number bounds and thresholds, unanswered."""
    domains: list[list[Any]] = []
    for q in spec.questions:
        if q.kind == "yesno":
            values: list[Any] = [True, False]
        elif q.kind == "single":
            values = q.option_codes()
        elif q.kind == "multiple":
            codes = q.option_codes()
            values = [list(c) for n in range(1, len(codes) + 1) for c in itertools.combinations(codes, n)]
        else:
            values = sorted(_number_points(spec, q))
        domains.append([None, *values])
    for combo in itertools.product(*domains):
        yield {q.code: v for q, v in zip(spec.questions, combo, strict=True) if v is not None}


def _number_points(spec: BundleSpec, q: Question) -> set[float]:
    points = {p for p in (q.min, q.max) if p is not None}
    conds = [q2.when for q2 in spec.questions] + [bm.when for bm in spec.matters]
    conds += [a.when for a in spec.add_materials] + [d.when for d in spec.drop_materials]
    for cond in conds:
        for value in _values_for(cond, q.code):
            if isinstance(value, Mapping):
                for bound in value.values():
                    points |= {bound - 1, bound, bound + 1}
            else:
                points.add(value)
    lo, hi = q.min, q.max
    return {p for p in points if (lo is None or p >= lo) and (hi is None or p <= hi)} or {0}


def _values_for(cond: Mapping[str, Any] | None, code: str) -> list[Any]:
    if not cond:
        return []
    found = [v for k, v in cond.items() if k == code]
    for sub in cond.get("any", []):
        found += _values_for(sub, code)
    return found
