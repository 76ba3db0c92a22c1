"""One-time passwords: ``/otp/generate`` and ``/otp/validate`` (aliases ``/v1/otp/send``, ``/v1/otp/validate``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_server.api.http import api_route, ledger_of, read_json, render
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import OtpChannel, Verification

__all__ = ["routes"]


async def generate(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "otp-generate-request")
    verification = ledger_of(request, principal).area(Verification)
    channel = body.get("channel", OtpChannel.SMS)
    return render(verification.generate(body["beneficiary_id"], body["sponsor_slug"], channel), 201)


async def validate(request: Request, principal: Principal) -> Response:
    body = await read_json(request, "otp-validate-request")
    verification = ledger_of(request, principal).area(Verification)
    return render(verification.validate(body["otp_id"], body["code"]))


routes = [
    api_route("/otp/generate", post=generate),
    api_route("/v1/otp/send", post=generate),
    api_route("/otp/validate", post=validate),
    api_route("/v1/otp/validate", post=validate),
]
