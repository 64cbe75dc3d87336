"""Where domains above cases plug in, without cases importing them (the data ferry uses all four).

- ON_ACCEPTED: called inside acceptance's transaction with (case, actor), so what a hook writes (the ferry's
  envelopes) lands with the case or not at all.
- PANELS: called when the window shows a case, each returning (template name, context) or None.
- FACTS: called when the back office reads a case (its task page and the API), each returning the read-only
  sections it knows of the case — what was checked against other systems, and what failed.
- Known values use cases.known.PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Finding:
    level: str  # info | warn | error
    message: str


@dataclass(frozen=True)
class FactSection:
    """One source's facts about a case, as the back office reads them: values already masked for display."""

    title: str
    source: str
    state: str  # what the source's answer is, in words: 已核验, 后台无记录, 调取中, 系统中断, 手工录入
    values: list[tuple[str, str]] = field(default_factory=list)  # (label, shown value)
    findings: list[Finding] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]


ON_ACCEPTED: list[Callable[[Any, Any], None]] = []
PANELS: list[Callable[[Any, Any], tuple[str, dict] | None]] = []
FACTS: list[Callable[[Any], list[FactSection]]] = []
