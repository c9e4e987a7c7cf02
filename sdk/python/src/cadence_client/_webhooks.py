"""Webhook verification, constant-time (``hmac.compare_digest``).

Cadence signs every delivery twice: ``X-Cadence-Signature: sha256=<hex HMAC-SHA256 of the raw
body, keyed by the secret string>`` and the Standard Webhooks headers ``webhook-id``,
``webhook-timestamp``, ``webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body",
keyed by the base64 part of the whsec_ secret>``. Verify the raw body, before parsing it.
For 24 hours after a secret rotation both secrets sign: each header then carries two
signatures (comma-separated in ``X-Cadence-Signature``, space-separated in
``webhook-signature``), and either secret verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Mapping

_SHA256_HEADER = re.compile(r"sha256=([0-9a-fA-F]{64})")


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else bytes(body)


def verify_signature(secret: str, raw_body: bytes | str, header: str | None) -> bool:
    """Checks ``X-Cadence-Signature`` (``sha256=<hex>``, or two of them comma-separated
    while a secret rotation runs) against the raw body: true when one entry matches."""
    if not secret or not header:
        return False
    expected = hmac.new(secret.encode("utf-8"), _bytes(raw_body), hashlib.sha256).hexdigest()
    matches = (_SHA256_HEADER.fullmatch(entry.strip()) for entry in header.split(","))
    return any(m is not None and hmac.compare_digest(expected, m.group(1).lower()) for m in matches)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify_standard_webhook(
    secret: str,
    raw_body: bytes | str,
    headers: Mapping[str, str],
    *,
    tolerance_seconds: int = 300,
    now: float | None = None,
) -> bool:
    """Checks the Standard Webhooks headers: the timestamp within ``tolerance_seconds`` of
    now (so an old delivery cannot be replayed) and one of the ``v1,`` signatures matching."""
    msg_id = _header(headers, "webhook-id")
    timestamp = (_header(headers, "webhook-timestamp") or "").strip()
    signatures = _header(headers, "webhook-signature")
    if not secret.startswith("whsec_") or not msg_id or not timestamp.isdigit() or not signatures:
        return False
    try:
        key = base64.b64decode(secret[len("whsec_"):], validate=True)
    except (binascii.Error, ValueError):
        return False
    if not key:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + _bytes(raw_body)
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    ok = False
    for candidate in signatures.split(" "):
        version, _, given = candidate.partition(",")
        # Every candidate is compared, so the time taken does not tell which one matched.
        if version == "v1" and hmac.compare_digest(expected, given):
            ok = True
    return ok
