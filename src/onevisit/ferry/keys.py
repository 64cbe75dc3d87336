"""Keys the hall shares with each legacy back end: one signing key and one API key per back end.

Both derive from ONEVISIT_FERRY_KEY, so the simulators started with the same settings hold the same keys;
a real back end is given its keys once, out of band.
"""

from __future__ import annotations

from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def _derive(master: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master.encode()
    )


def signing_key(backend: str) -> bytes:
    return _derive(settings.ONEVISIT_FERRY_KEY, f"ferry-sign:{backend}")


def api_key(backend: str) -> str:
    return _derive(settings.ONEVISIT_FERRY_KEY, f"ferry-api:{backend}").hex()
