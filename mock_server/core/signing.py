"""Webhook signatures: ``X-Osigu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">``.

The HMAC key is the UTF-8 bytes of the subscription's ``signing_secret``. During a secret rotation the
header carries one ``v1=`` per active secret. A receiver recomputes the HMAC over the raw body it
received, compares in constant time against every ``v1=``, and refuses timestamps more than 300 s
away from its clock. The public face of this module is :mod:`mock_server.webhooks`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

__all__ = ["DEFAULT_TOLERANCE", "SIGNATURE_HEADER", "WebhookSignatureError", "sign", "signature", "verify"]

SIGNATURE_HEADER = "X-Osigu-Signature"
DEFAULT_TOLERANCE = 300


class WebhookSignatureError(ValueError):
    """The signature header is missing, malformed, stale, or matches none of the secrets."""


def signature(secret: str, timestamp: int, payload: bytes) -> str:
    """The hex HMAC-SHA256 of ``"<timestamp>.<payload>"`` keyed with ``secret``."""
    message = str(int(timestamp)).encode("ascii") + b"." + payload
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(payload: bytes, secrets: str | Iterable[str], timestamp: int | None = None) -> str:
    """The ``X-Osigu-Signature`` value for ``payload``: one ``v1=`` per secret, in the order given."""
    if isinstance(secrets, str):
        secrets = [secrets]
    t = int(time.time() if timestamp is None else timestamp)
    parts = [f"t={t}"] + [f"v1={signature(secret, t, payload)}" for secret in secrets]
    if len(parts) == 1:
        raise ValueError("at least one secret is needed to sign")
    return ",".join(parts)


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            raise WebhookSignatureError(f"malformed signature element {item.strip()!r}")
        if key == "t":
            if not value.isdigit():
                raise WebhookSignatureError("the timestamp is not a number of seconds")
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None:
        raise WebhookSignatureError("no t= timestamp in the signature")
    if not candidates:
        raise WebhookSignatureError("no v1= signature")
    return timestamp, candidates


def verify(
    payload: bytes,
    header: str | None,
    secrets: str | Iterable[str],
    *,
    tolerance: float | None = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> int:
    """Check a delivery; returns its timestamp, or raises :class:`WebhookSignatureError`.

    ``payload`` must be the raw body as received (not re-serialised JSON). ``secrets`` may hold
    several (rotation). ``tolerance`` is how far, in seconds, ``t`` may be from ``now`` (default:
    this machine's clock); ``None`` skips the check.
    """
    if not header:
        raise WebhookSignatureError(f"no {SIGNATURE_HEADER} header")
    timestamp, candidates = _parse(header)
    if tolerance is not None:
        current = time.time() if now is None else now
        if abs(current - timestamp) > tolerance:
            raise WebhookSignatureError(f"the timestamp is {abs(current - timestamp):.0f} s away (over {tolerance} s)")
    if isinstance(secrets, str):
        secrets = [secrets]
    for secret in secrets:
        expected = signature(secret, timestamp, payload)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return timestamp
    raise WebhookSignatureError("no v1= signature matches")
