from __future__ import annotations

import hashlib
import hmac

import pytest

from mock_server.webhooks import WebhookSignatureError, sign, verify

BODY = b'{"event_id":"evt_1","event_type":"authorization.created"}'
SECRET = "whsec_test"


def test_signature_is_hmac_sha256_of_timestamp_dot_raw_body():
    header = sign(BODY, SECRET, timestamp=1700000000)
    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"


def test_a_fresh_signature_verifies_and_returns_its_timestamp():
    assert verify(BODY, sign(BODY, SECRET, timestamp=1700000000), SECRET, now=1700000100) == 1700000000


def test_a_stale_signature_is_refused_outside_300_seconds():
    header = sign(BODY, SECRET, timestamp=1700000000)
    verify(BODY, header, SECRET, now=1700000300)
    with pytest.raises(WebhookSignatureError, match="away"):
        verify(BODY, header, SECRET, now=1700000301)
    with pytest.raises(WebhookSignatureError):
        verify(BODY, header, SECRET, now=1699999699)
    assert verify(BODY, header, SECRET, tolerance=None) == 1700000000


@pytest.mark.parametrize(
    ("body", "secret"), [(BODY + b" ", SECRET), (BODY, "whsec_other")], ids=["tampered-body", "wrong-secret"]
)
def test_forged_or_tampered_deliveries_are_refused(body, secret):
    header = sign(BODY, SECRET, timestamp=1700000000)
    with pytest.raises(WebhookSignatureError, match="no v1= signature matches"):
        verify(body, header, secret, now=1700000000)


def test_during_a_rotation_every_secret_signs_and_either_verifies():
    header = sign(BODY, ["whsec_new", "whsec_old"], timestamp=1700000000)
    assert header.count("v1=") == 2
    assert verify(BODY, header, "whsec_old", now=1700000000)
    assert verify(BODY, header, "whsec_new", now=1700000000)
    assert verify(BODY, header, ["whsec_unknown", "whsec_new"], now=1700000000)


@pytest.mark.parametrize("header", [None, "", "v1=abc", "t=abc,v1=abc", "t=1700000000", "garbage"])
def test_malformed_headers_are_refused(header):
    with pytest.raises(WebhookSignatureError):
        verify(BODY, header, SECRET, now=1700000000)
