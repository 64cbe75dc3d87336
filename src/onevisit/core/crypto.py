"""Keyed hashing and encryption of personal data, keyed from settings.ONEVISIT_DATA_KEY."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@cache
def derive(master: str, purpose: str) -> bytes:
    """A 32-byte key for one purpose from a master secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(
        master.encode()
    )


def _key(purpose: str) -> bytes:
    return derive(settings.ONEVISIT_DATA_KEY, purpose)


def digest(kind: str, value: str) -> str:
    """Keyed SHA-256 of a personal number: lets us match a returning citizen without storing the number."""
    return hmac.new(_key(f"digest:{kind}"), value.encode(), hashlib.sha256).hexdigest()


def seal(value: str) -> str:
    """AES-256-GCM encrypt; the result is ASCII, safe for a text column."""
    nonce = os.urandom(12)
    sealed = AESGCM(_key("seal")).encrypt(nonce, value.encode(), b"onevisit")
    return "v1:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def unseal(token: str) -> str:
    version, _, body = token.partition(":")
    if version != "v1":
        raise ValueError("unknown sealed-value version")
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(_key("seal")).decrypt(raw[:12], raw[12:], b"onevisit").decode()
