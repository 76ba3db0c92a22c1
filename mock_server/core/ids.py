"""Ids and human codes (``contracts/README.md``, "Conventions"), from one seeded generator per tenant ledger.

- Resources get int64 ids, sequential per kind, so a reset world hands out the same ids again.
- Async monitors and signed documents get UUIDs (version 4, drawn from the seeded RNG).
- An authorization ``code`` is 9 characters ``[A-Z0-9]`` starting with a letter (``JG2SJYAP5``);
  a prescription ``code`` is 12 digits. Both come from one registry of issued codes, so a code is
  never issued twice in a ledger and dispensing can tell the kinds apart by shape.
- Opaque prefixed ids (``evt_...``, ``otp_...``) are 26 Crockford base-32 characters, ULID-like.
"""

from __future__ import annotations

import random
import re
import string
import uuid

__all__ = [
    "AUTHORIZATION_CODE",
    "PRESCRIPTION_CODE",
    "IdGenerator",
    "code_kind",
]

AUTHORIZATION_CODE = re.compile(r"^[A-Z][A-Z0-9]{8}$")
PRESCRIPTION_CODE = re.compile(r"^[0-9]{12}$")

_LETTERS = string.ascii_uppercase
_ALNUM = string.ascii_uppercase + string.digits
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_PAIRS = [_CROCKFORD[i >> 5] + _CROCKFORD[i & 31] for i in range(1024)]  # 10 bits -> 2 characters
_PAIR_SHIFTS = range(120, -1, -10)  # 13 pairs: the 130 bits, most significant first

# Resource ids start here so they look like the real int64 ids and never collide with 0/1 defaults.
ID_BASE = 10_000


def code_kind(code: str) -> str | None:
    """``AUTHORIZATION``, ``PRESCRIPTION`` or ``None`` for a string that is neither shape."""
    if AUTHORIZATION_CODE.match(code):
        return "AUTHORIZATION"
    if PRESCRIPTION_CODE.match(code):
        return "PRESCRIPTION"
    return None


class IdGenerator:
    """Every id and code a ledger hands out.

    Parameters:
        seed: seeds the RNG behind codes, UUIDs and opaque ids, so the same seed and the same
            sequence of calls give the same values (QA scripts can rely on them after a reset).
    """

    def __init__(self, seed: int | str = 0) -> None:
        self._rng = random.Random(f"osigu-mock:{seed}")
        self._counters: dict[str, int] = {}
        self._codes: set[str] = set()

    def next_id(self, kind: str) -> int:
        value = self._counters.get(kind, ID_BASE) + 1
        self._counters[kind] = value
        return value

    def advance_past(self, kind: str, value: int) -> None:
        """The next id of ``kind`` is above ``value`` (records carried into a fresh ledger keep theirs)."""
        if value >= self._counters.get(kind, ID_BASE):
            self._counters[kind] = value

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def opaque(self, prefix: str) -> str:
        # 130 random bits, five per character: one draw instead of 26, and two characters a lookup (events and
        # timers are on the hot path)
        bits = self._rng.getrandbits(130)
        return f"{prefix}_" + "".join([_CROCKFORD_PAIRS[(bits >> shift) & 1023] for shift in _PAIR_SHIFTS])

    def token(self, nbytes: int = 24) -> str:
        """A URL-safe random secret (client secrets, signing secrets)."""
        alphabet = string.ascii_letters + string.digits
        return "".join(self._rng.choice(alphabet) for _ in range(nbytes))

    def digits(self, count: int) -> str:
        """``count`` random decimal digits (one-time codes)."""
        return "".join(self._rng.choice(string.digits) for _ in range(count))

    def authorization_code(self) -> str:
        return self._unique(lambda: self._rng.choice(_LETTERS) + "".join(self._rng.choice(_ALNUM) for _ in range(8)))

    def prescription_code(self) -> str:
        return self._unique(lambda: "".join(self._rng.choice(string.digits) for _ in range(12)))

    def reserve_code(self, code: str) -> None:
        """Mark a code as taken (seeded records, imported snapshots)."""
        self._codes.add(code)

    def _unique(self, make) -> str:
        while True:
            code = make()
            if code not in self._codes:
                self._codes.add(code)
                return code

    # -- snapshots -----------------------------------------------------------------------------
    def state(self) -> dict:
        return {"counters": dict(self._counters), "codes": sorted(self._codes), "rng": _rng_state(self._rng)}

    def restore(self, state: dict) -> None:
        self._counters = {k: int(v) for k, v in state.get("counters", {}).items()}
        self._codes = set(state.get("codes", []))
        if "rng" in state:
            version, internal, gauss = state["rng"]
            self._rng.setstate((version, tuple(internal), gauss))


def _rng_state(rng: random.Random) -> list:
    version, internal, gauss = rng.getstate()
    return [version, list(internal), gauss]
