"""Where a value the system already knew came from: the `known_from` of a `field.entered` event.

Declared once. The known-value providers (cases.known, the ferry's) take their names from here, emit() refuses
any other, and the synthetic history (simulators.history) writes the same names, so a duplicate entry is counted
by the same source whether it happened at a window or was generated. Pure: no Django.
"""

from __future__ import annotations

GUIDE_DESK = "导引台"  # identity captured once at the guide desk, and what the resident ID itself says
EARLIER_CASES = "以往办件"  # what the same citizen gave in earlier cases
DATA_FERRY = "数据摆渡"  # the legacy back ends through the ferry, or typed by hand while one was down

SOURCES: tuple[str, ...] = (GUIDE_DESK, EARLIER_CASES, DATA_FERRY)
