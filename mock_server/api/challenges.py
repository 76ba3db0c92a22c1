"""The verification challenge page: what a ``challenge_url`` opens (no auth, no tenant header).

QA decides a challenge by hand here, "match" or "no match"; ``POST /__admin/challenges/{id}/decision``
does the same by API.

Embedded (``?origin=<the embedding page's origin>``, as the widgets open it in an iframe; ``contracts/README.md``,
"Widgets"), the page stands in for the beneficiary: an OTP challenge sends a code by SMS (to the outbox) and takes
it; once the code is right the page posts ``{type: "osigu:otp", otp_verification_token}`` to that origin only,
and the widget completes with that token.
A biometric challenge keeps the match / no match buttons and posts ``{type: "osigu:challenge", kind, status}``.
``locale`` (``en``, ``es``, ``pt-BR``) chooses the page's language and ``theme`` (``light``, ``dark``, ``auto``) its
colours, as the widget's own.
"""

from __future__ import annotations

import json
import re
from html import escape
from urllib.parse import parse_qs, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mock_server.api.http import FORM_TYPE, api_route, media_type, query, sandbox_of
from mock_server.core.errors import ApiError, FieldError
from mock_server.domain.tokens import Principal
from mock_server.domain.verification import CHALLENGE_OUTCOMES, Challenge, Verification, VerificationKind

__all__ = ["routes"]

ORIGIN = re.compile(r"https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?")

TEXT = {
    "en": {
        "title": "{kind} verification",
        "otp": "a one-time password",
        "biometric": "a fingerprint or face match",
        "intro": "The sponsor asks for {what} before {subject} can complete.",
        "stand_in": "This page stands in for the beneficiary's device: choose the outcome.",
        "send": "Send a code by SMS",
        "sent": "A code was sent to {to}.",
        "code": "Verification code",
        "verify": "Verify",
        "match": "Match",
        "no_match": "No match",
        "decided": "Decided: {status}.",
        "verified": "Verified: the code is right. You can close this page.",
        "again": "Decided. Complete the {subject} again.",
        "challenge": "Challenge",
        "beneficiary": "Beneficiary",
        "sponsor": "Sponsor",
        "status": "Status",
    },
    "es": {
        "title": "Verificación {kind}",
        "otp": "una contraseña de un solo uso",
        "biometric": "una coincidencia de huella o rostro",
        "intro": "El patrocinador pide {what} antes de completar {subject}.",
        "stand_in": "Esta página hace las veces del dispositivo del beneficiario: elija el resultado.",
        "send": "Enviar un código por SMS",
        "sent": "Se envió un código a {to}.",
        "code": "Código de verificación",
        "verify": "Verificar",
        "match": "Coincide",
        "no_match": "No coincide",
        "decided": "Decidido: {status}.",
        "verified": "Verificado: el código es correcto. Puede cerrar esta página.",
        "again": "Decidido. Complete de nuevo {subject}.",
        "challenge": "Desafío",
        "beneficiary": "Beneficiario",
        "sponsor": "Patrocinador",
        "status": "Estado",
    },
    "pt-BR": {
        "title": "Verificação {kind}",
        "otp": "uma senha de uso único",
        "biometric": "uma correspondência de digital ou rosto",
        "intro": "O patrocinador pede {what} antes de concluir {subject}.",
        "stand_in": "Esta página faz as vezes do dispositivo do beneficiário: escolha o resultado.",
        "send": "Enviar um código por SMS",
        "sent": "Um código foi enviado para {to}.",
        "code": "Código de verificação",
        "verify": "Verificar",
        "match": "Corresponde",
        "no_match": "Não corresponde",
        "decided": "Decidido: {status}.",
        "verified": "Verificado: o código está correto. Pode fechar esta página.",
        "again": "Decidido. Conclua {subject} novamente.",
        "challenge": "Desafio",
        "beneficiary": "Beneficiário",
        "sponsor": "Patrocinador",
        "status": "Status",
    },
}

PAGE = """<!doctype html>
<html lang="{lang}" data-theme="{theme}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>osigu-mock: {title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.5}}
h1{{font-size:1.4rem}}dt{{font-weight:600}}
button,input{{font-size:1.1rem;margin:.25rem 1rem .25rem 0;padding:.5rem 1rem}}
:focus-visible{{outline:3px solid #1d4ed8;outline-offset:2px}}
[role=alert]{{color:#b91c1c;font-weight:600}}
:root{{color-scheme:light dark}}:root[data-theme=light]{{color-scheme:light}}:root[data-theme=dark]{{color-scheme:dark}}
:root[data-theme=dark] body{{background:#111827;color:#f3f4f6}}
@media (prefers-color-scheme: dark){{:root[data-theme=auto] body{{background:#111827;color:#f3f4f6}}}}</style></head>
<body><main><h1>{title}</h1>
<p>{intro}</p>
{first}
<p role="status">{notice}</p><p role="alert" id="error">{error}</p>
{form}
{last}
</main>{script}</body></html>
"""
DETAILS = """<dl><dt>{l_challenge}</dt><dd>{challenge_id}</dd><dt>{l_beneficiary}</dt><dd>{beneficiary_id}</dd>
<dt>{l_sponsor}</dt><dd>{sponsor_slug}</dd><dt>{l_status}</dt><dd id="status">{status}</dd></dl>"""


THEMES = ("light", "dark", "auto")


def _embedding(request: Request) -> tuple[str | None, str, str]:
    """The embedding page's origin (checked to be one), the page's locale and its theme."""
    params = query(request)
    origin = params.get("origin") or None
    if origin is not None and not ORIGIN.fullmatch(origin):
        raise ApiError("MOCK-422-validation-failed", errors=[FieldError("origin", "must be an http(s) origin")])
    locale = params.get("locale", "en")
    theme = params.get("theme", "auto")
    return origin, locale if locale in TEXT else "en", theme if theme in THEMES else "auto"


def _form(challenge: Challenge, origin: str | None, locale: str, theme: str, just_sent: bool) -> str:
    """What the page asks: nothing once decided; embedded for an OTP, send a code then type it; else the
    match / no match buttons."""
    text = TEXT[locale]
    action = escape("?" + urlencode({"origin": origin, "locale": locale, "theme": theme}) if origin else "")
    if challenge.status != "PENDING":
        return f"<p>{escape(text['again'].format(subject=challenge.subject))}</p>"
    if not (origin and challenge.kind == VerificationKind.OTP):
        return (
            f'<form method="post" action="{action}">'
            f'<button name="outcome" value="MATCH">{escape(text["match"])}</button>'
            f'<button name="outcome" value="NO_MATCH">{escape(text["no_match"])}</button></form>'
        )
    send = escape(text["send"])
    form = f'<form method="post" action="{action}"><button name="action" value="send">{send}</button></form>'
    if challenge.otp_id is not None:
        form += (
            f'<form method="post" action="{action}"><label for="code">{escape(text["code"])}</label> '
            '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required '
            f'{"autofocus " if just_sent else ""}aria-describedby="error"> '
            f"<button>{escape(text['verify'])}</button></form>"
        )
    return form


def _page(
    request: Request,
    challenge: Challenge,
    *,
    notice: str = "",
    error: str = "",
    message: dict | None = None,
    verified: bool = False,
) -> HTMLResponse:
    origin, locale, theme = _embedding(request)
    text = TEXT[locale]
    form = "" if verified else _form(challenge, origin, locale, theme, bool(notice))
    script = ""
    if origin and message is not None:
        # Posted to the embedding page's origin only, never "*".
        payload = json.dumps(message).replace("<", "\\u003c")
        script = f"<script>window.parent.postMessage({payload}, {json.dumps(origin)});</script>"
    what = text["otp"] if challenge.kind == VerificationKind.OTP else text["biometric"]
    details = DETAILS.format(
        l_challenge=text["challenge"],
        l_beneficiary=text["beneficiary"],
        l_sponsor=text["sponsor"],
        l_status=text["status"],
        challenge_id=escape(challenge.challenge_id),
        beneficiary_id=challenge.beneficiary_id,
        sponsor_slug=escape(challenge.sponsor_slug),
        status=escape(challenge.status),
    )
    return HTMLResponse(
        PAGE.format(
            lang=locale,
            theme=theme,
            title=escape(text["title"].format(kind=challenge.kind)),
            intro=escape(text["intro"].format(what=what, subject=challenge.subject)),
            # Embedded, the form comes first (the iframe is small); the challenge's details follow it.
            first="" if origin else details,
            last=details if origin else "",
            notice=escape(notice) if notice else ("" if origin else escape(text["stand_in"])),
            error=escape(error),
            form=form,
            script=script,
        )
    )


async def show(request: Request, _: Principal | None) -> Response:
    _, challenge = sandbox_of(request).challenge(request.path_params["challenge_id"])
    return _page(request, challenge)


async def decide(request: Request, _: Principal | None) -> Response:
    ledger, challenge = sandbox_of(request).challenge(request.path_params["challenge_id"])
    _, locale, _ = _embedding(request)
    raw = await request.body()
    if raw and media_type(request) != FORM_TYPE:
        raise ApiError("MOCK-415-unsupported-media-type", f"Send the outcome as {FORM_TYPE}.")
    form = parse_qs(raw.decode("utf-8", errors="replace"))
    verification = ledger.area(Verification)
    if form.get("action") == ["send"]:
        sent = verification.send_challenge_otp(challenge.challenge_id)
        return _page(request, challenge, notice=TEXT[locale]["sent"].format(to=sent["masked_destination"]))
    if "code" in form:
        try:
            answer = verification.answer_challenge_otp(challenge.challenge_id, form["code"][0].strip())
        except ApiError as refused:
            if refused.status != 422:
                raise
            # Shown on the page (200, as a form page answers), where the beneficiary types again until it locks.
            said = "; ".join(f"{e.path}: {e.message}" for e in refused.errors)
            return _page(request, challenge, error=f"{refused.message} {said}".strip())
        message = {"type": "osigu:otp", "otp_verification_token": answer["otp_verification_token"]}
        return _page(request, challenge, notice=TEXT[locale]["verified"], message=message, verified=True)
    outcome = (form.get("outcome") or [""])[0]
    if outcome not in CHALLENGE_OUTCOMES:
        raise ApiError(
            "MOCK-422-validation-failed", errors=[FieldError("outcome", "must be MATCH or NO_MATCH (or send a code)")]
        )
    decided = verification.decide(challenge.challenge_id, outcome)
    message = {"type": "osigu:challenge", "kind": decided.kind, "status": decided.status}
    return _page(request, decided, notice=TEXT[locale]["decided"].format(status=decided.status), message=message)


routes = [api_route("/challenges/{challenge_id}", get=show, post=decide)]
