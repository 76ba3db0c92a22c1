"""Public helpers to sign and verify osigu-mock's (and OSIGU's) webhook deliveries.

Receive a delivery and check it::

    from mock_server.webhooks import verify, WebhookSignatureError

    try:
        verify(raw_body, request.headers.get("X-Osigu-Signature"), signing_secret)
    except WebhookSignatureError:
        return 401  # OSIGU's guide: answer 401 to a bad or stale signature

``verify`` refuses timestamps more than 300 s from ``now`` (default: this machine's clock). The mock
signs every delivery with the wall-clock time of the attempt, even while ``POST /__admin/clock/advance``
moves its own clock, so the default works against the mock as it does against OSIGU.
"""

from mock_server.core.signing import DEFAULT_TOLERANCE, SIGNATURE_HEADER, WebhookSignatureError, sign, verify

__all__ = ["DEFAULT_TOLERANCE", "SIGNATURE_HEADER", "WebhookSignatureError", "sign", "verify"]
