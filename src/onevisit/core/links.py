"""Addresses printed for citizens (the QR codes on tickets, receipts and notices): one function, one setting."""

from __future__ import annotations

from django.conf import settings


def public_url(request, path: str) -> str:
    """`path` as an address a citizen's phone can open.

    ONEVISIT_PUBLIC_BASE_URL when it is set (a hall whose server staff reach by an intranet name, while phones
    reach it by another), else the address of the request that prints it.
    """
    base = (settings.ONEVISIT_PUBLIC_BASE_URL or "").rstrip("/")
    if base:
        return f"{base}/{path.lstrip('/')}"
    return request.build_absolute_uri(path)
