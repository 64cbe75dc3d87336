"""Where domains above cases plug in, without cases importing them (the data ferry uses all three).

- ON_ACCEPTED: called inside acceptance's transaction with (case, actor), so what a hook writes (the ferry's
  envelopes) lands with the case or not at all.
- PANELS: called when the window shows a case, each returning (template name, context) or None.
- Known values use cases.known.PROVIDERS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ON_ACCEPTED: list[Callable[[Any, Any], None]] = []
PANELS: list[Callable[[Any, Any], tuple[str, dict] | None]] = []
