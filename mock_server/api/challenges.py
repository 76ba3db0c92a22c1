"""The verification challenge page: what a ``challenge_url`` opens (no auth, no tenant header).

QA decides a challenge by hand here, "match" or "no match"; ``POST /__admin/challenges/{id}/decision``
does the same by API.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mock_server.api.http import FORM_TYPE, api_route, media_type, sandbox_of
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import CHALLENGE_OUTCOMES, Verification

__all__ = ["routes"]

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>osigu-mock verification challenge</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}}
dt{{font-weight:600}}button{{font-size:1.1rem;margin-right:1rem;padding:.5rem 1.5rem}}</style></head>
<body><h1>{kind} verification</h1>
<p>The sponsor asks for {what} before {subject} can complete.
This page stands in for the beneficiary's device: choose the outcome.</p>
<dl><dt>Challenge</dt><dd>{challenge_id}</dd><dt>Beneficiary</dt><dd>{beneficiary_id}</dd>
<dt>Sponsor</dt><dd>{sponsor_slug}</dd><dt>Status</dt><dd id="status">{status}</dd></dl>
{form}
</body></html>
"""
FORM = """<form method="post"><button name="outcome" value="MATCH">Match</button>
<button name="outcome" value="NO_MATCH">No match</button></form>"""


def _page(challenge) -> HTMLResponse:
    what = "a one-time password" if challenge.kind == "OTP" else "a fingerprint or face match"
    return HTMLResponse(
        PAGE.format(
            kind=escape(challenge.kind),
            what=what,
            subject=escape(challenge.subject),
            challenge_id=escape(challenge.challenge_id),
            beneficiary_id=challenge.beneficiary_id,
            sponsor_slug=escape(challenge.sponsor_slug),
            status=escape(challenge.status),
            form=FORM
            if challenge.status == "PENDING"
            else f"<p>Decided. Complete the {escape(challenge.subject)} again.</p>",
        )
    )


async def show(request: Request, _: Principal | None) -> Response:
    _, challenge = sandbox_of(request).challenge(request.path_params["challenge_id"])
    return _page(challenge)


async def decide(request: Request, _: Principal | None) -> Response:
    ledger, challenge = sandbox_of(request).challenge(request.path_params["challenge_id"])
    raw = await request.body()
    if raw and media_type(request) != FORM_TYPE:
        raise ApiError("MOCK-415-unsupported-media-type", f"Send the outcome as {FORM_TYPE}.")
    body = raw.decode("utf-8", errors="replace")
    outcome = (parse_qs(body).get("outcome") or [""])[0]
    if outcome not in CHALLENGE_OUTCOMES:
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("outcome", "must be MATCH or NO_MATCH")])
    return _page(ledger.area(Verification).decide(challenge.challenge_id, outcome))


routes = [api_route("/challenges/{challenge_id}", get=show, post=decide)]
