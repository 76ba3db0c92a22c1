"""Public helpers to sign and verify osigu-mock's (and OSIGU's) webhook deliveries.

Receive a delivery and check it::

    from mock_server.webhooks import verify, WebhookSignatureError

    try:
        verify(raw_body, request.headers.get("X-Osigu-Signature"), signing_secret)
    except WebhookSignatureError:
        return 401  # OSIGU's guide: answer 401 to a bad or stale signature

``verify`` refuses timestamps more than 300 s from ``now`` (default: this machine's clock). The mock
stamps deliveries it makes during ``POST /__admin/clock/advance`` with the simulated time, so a receiver
that follows a moved mock clock passes ``now=`` (or ``tolerance=None``).
"""

from mock_server.core.signing import DEFAULT_TOLERANCE, SIGNATURE_HEADER, WebhookSignatureError, sign, verify

__all__ = ["DEFAULT_TOLERANCE", "SIGNATURE_HEADER", "WebhookSignatureError", "sign", "verify"]
