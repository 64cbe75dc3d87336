"""Back-office task graphs (后台并行): which tasks must wait for which; the rest run in parallel. Pure.

A bundle lists its tasks with the tasks each must come `after`; everything not ordered that way runs at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

T = TypeVar("T", bound=Any)


class GraphError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TaskSpec:
    code: str
    department: str
    matter: str = ""
    time_limit_days: int = 1
    after: tuple[str, ...] = ()
    role: str = ""  # 责任环节: who answers for this step


def validate(tasks: Sequence[TaskSpec]) -> None:
    """Refuse duplicate codes, unknown or self dependencies, and cycles (naming the cycle)."""
    codes = [t.code for t in tasks]
    if len(set(codes)) != len(codes):
        dup = next(c for c in codes if codes.count(c) > 1)
        raise GraphError(f"任务 {dup} 重复")
    known = set(codes)
    for t in tasks:
        if t.code in t.after:
            raise GraphError(f"任务 {t.code} 不能依赖自己")
        missing = [d for d in t.after if d not in known]
        if missing:
            raise GraphError(f"任务 {t.code} 依赖的任务 {', '.join(missing)} 不存在")
        if t.time_limit_days < 0:
            raise GraphError(f"任务 {t.code} 的时限不能为负")
    deps = {t.code: t.after for t in tasks}
    state: dict[str, int] = {}

    def visit(code: str, path: list[str]) -> None:
        if state.get(code) == 2:
            return
        if state.get(code) == 1:
            cycle = " → ".join([*path[path.index(code) :], code])
            raise GraphError(f"任务依赖形成循环：{cycle}")
        state[code] = 1
        for dep in deps[code]:
            visit(dep, [*path, code])
        state[code] = 2

    for code in codes:
        visit(code, [])


def ready(tasks: Sequence[TaskSpec], done: Iterable[str], started: Iterable[str] = ()) -> list[str]:
    """Every task whose prerequisites are all done and that has not started: all of them are offered at once."""
    done, started = set(done), set(started)
    return [t.code for t in tasks if t.code not in done and t.code not in started and set(t.after) <= done]


def waves(tasks: Sequence[TaskSpec]) -> list[list[str]]:
    """The tasks in rounds that can run in parallel, each round after the one before."""
    validate(tasks)
    done: set[str] = set()
    rounds = []
    while len(done) < len(tasks):
        batch = ready(tasks, done)
        rounds.append(batch)
        done |= set(batch)
    return rounds


def critical_days(tasks: Sequence[TaskSpec]) -> int:
    """Working days along the longest chain: the bundle's promised time when every task keeps its limit."""
    validate(tasks)
    by_code = {t.code: t for t in tasks}
    finish: dict[str, int] = {}
    for batch in waves(tasks):
        for code in batch:
            t = by_code[code]
            finish[code] = t.time_limit_days + max((finish[d] for d in t.after), default=0)
    return max(finish.values(), default=0)


def applying(declared: Sequence[T], matters: Iterable[str]) -> list[T]:
    """The declared tasks for the matters that apply (a task without a matter always applies); a prerequisite
    that does not apply passes on the ones it waited for. Works on any frozen dataclass with code, matter and
    after (the catalog's TaskSpec, the synthetic history's TaskDef)."""
    wanted = set(matters)
    by_code = {t.code: t for t in declared}
    kept = [t for t in declared if not t.matter or t.matter in wanted]
    codes = {t.code for t in kept}

    def waits_for(code: str) -> set[str]:
        found: set[str] = set()
        for dep in by_code[code].after:
            found |= {dep} if dep in codes else waits_for(dep)
        return found

    return [replace(t, after=tuple(sorted(waits_for(t.code)))) for t in kept]


def default_tasks(matters: Sequence[tuple[str, str, int]]) -> list[TaskSpec]:
    """When a bundle names no tasks: one task per matter in its own department, all in parallel."""
    return [
        TaskSpec(code=code, department=dept, matter=code, time_limit_days=max(days, 1))
        for code, dept, days in matters
    ]
