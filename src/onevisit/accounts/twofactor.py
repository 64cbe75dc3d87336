"""The second factor (TOTP, django-otp): one authenticator app per staff member, enrolled at first sign-in."""

from __future__ import annotations

import base64
import time

from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "动态口令"


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The device being enrolled: made once, shown until its first code confirms it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it when typed in (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def grouped(secret: str, size: int = 4) -> list[str]:
    """The key in blocks of four, as it is read out and typed; the page spaces them without adding characters."""
    return [secret[i : i + size] for i in range(0, len(secret), size)]


def check(device: TOTPDevice, code: str) -> tuple[bool, bool]:
    """(accepted, throttled): a wrong code makes the next try wait longer (django-otp's throttling); a code is
    accepted once."""
    allowed, _ = device.verify_is_allowed()
    if not allowed:
        return False, True
    with transaction.atomic():
        accepted = device.verify_token(code)
        if accepted and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
    return accepted, False


def enrol_with_key(user, key_hex: str) -> TOTPDevice:
    """A confirmed device with the given key (the demo's known keys); replaces the user's devices."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key_hex, confirmed=True)


def current_code(device: TOTPDevice, at: float | None = None) -> str:
    """The code the device's app shows now (for the demo's `onevisit totp` and for tests)."""
    clock = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    clock.time = time.time() if at is None else at
    return str(clock.token()).zfill(device.digits)
