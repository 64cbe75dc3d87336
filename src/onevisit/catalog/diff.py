"""A readable difference between two checklist versions. Pure: no Django."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

from onevisit.catalog.situations import MaterialSpec

LABELS = {
    "name": "名称",
    "original": "须原件",
    "electronic": "可用电子证照",
    "stamp": "盖章单位",
    "copies": "份数",
    "tolerable": "可容缺",
    "shared": "免提交",
    "clause": "依据条款",
    "note": "说明",
    "exempt_if": "无需提供的人群",
    "due_working_days": "补交期限（工作日）",
}


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed | moved
    code: str
    name: str
    details: tuple[tuple[str, str, str], ...] = ()  # (attribute label, before, after)

    @property
    def sentence(self) -> str:
        if self.kind == "added":
            return f"新增材料「{self.name}」"
        if self.kind == "removed":
            return f"删除材料「{self.name}」"
        if self.kind == "moved":
            return "材料顺序有调整"
        parts = "；".join(
            f"{label}：{before or '无'} → {after or '无'}" for label, before, after in self.details
        )
        return f"材料「{self.name}」{parts}"


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def diff_materials(old: Sequence[MaterialSpec], new: Sequence[MaterialSpec]) -> list[Change]:
    before = {m.code: m for m in old}
    after = {m.code: m for m in new}
    changes: list[Change] = []
    for m in new:
        prior = before.get(m.code)
        if prior is None:
            changes.append(Change("added", m.code, m.name))
            continue
        details = tuple(
            (LABELS[f.name], _show(getattr(prior, f.name)), _show(getattr(m, f.name)))
            for f in fields(MaterialSpec)
            if f.name != "code" and getattr(prior, f.name) != getattr(m, f.name)
        )
        if details:
            changes.append(Change("changed", m.code, m.name, details))
    changes += [Change("removed", m.code, m.name) for m in old if m.code not in after]
    kept_old = [m.code for m in old if m.code in after]
    kept_new = [m.code for m in new if m.code in before]
    if kept_old != kept_new:
        changes.append(Change("moved", "", ""))
    return changes
