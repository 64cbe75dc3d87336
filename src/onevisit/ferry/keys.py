"""Keys the hall shares with each legacy back end: one signing key and one API key per back end.

Both derive from ONEVISIT_FERRY_KEY, so the simulators started with the same settings hold the same keys;
a real back end is given its keys once, out of band.
"""

from __future__ import annotations

from django.conf import settings

from onevisit.core.crypto import derive


def signing_key(backend: str) -> bytes:
    return derive(settings.ONEVISIT_FERRY_KEY, f"ferry-sign:{backend}")


def api_key(backend: str) -> str:
    return derive(settings.ONEVISIT_FERRY_KEY, f"ferry-api:{backend}").hex()
