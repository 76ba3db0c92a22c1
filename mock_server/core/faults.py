"""Fault rules (``POST /__admin/faults``, ``contracts/schemas/admin-fault-request.schema.json``): what a tenant's
requests suffer on the way, per route pattern, seeded so that a run repeats.

Kinds:

- ``latency``: a delay before the route runs: ``fixed`` (``ms``), ``uniform`` (``min_ms`` .. ``max_ms``) or
  ``lognormal`` (``median_ms``, ``sigma``), at most a minute;
- ``error``: an answer with the chosen ``status`` and OSIGU's error body (``code``, ``message``) instead of the
  route's;
- ``drop``: the connection closes without an answer;
- ``lost_response``: the operation runs and commits, then the connection closes before its answer, to test
  that an integrator's retry (of a complete, say) is safe.

Each rule has its own random generator, seeded (``seed``, default 0): every request the rule matches draws once
to decide whether it fires (``rate``), and a firing latency rule draws its delay from the same generator, so the
same requests in the same order suffer the same faults. ``times`` caps how often a rule fires. A pattern is a
path with ``*`` for one segment and ``**`` for any number of them; the control plane (``/__admin``) is never
matched, so faults can always be removed.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import Any

from mock_server.core.errors import ApiError, FieldError

__all__ = ["KINDS", "MAX_DELAY_MS", "FaultRule", "FaultSet", "InjectedError"]

KINDS = ("latency", "error", "drop", "lost_response")
MAX_DELAY_MS = 60_000
UNTOUCHABLE = ("/__admin",)


class InjectedError(ApiError):
    """An error answer a fault rule chose: any status, OSIGU's body. Deliberately outside the error catalogue
    (and so outside the contract): it is what the integrator asked the mock to get wrong."""

    def __init__(self, status: int, code: str, message: str) -> None:
        Exception.__init__(self, f"{code}: {message}")
        self.code, self.status, self.message = code, status, message
        self.errors: list[FieldError] = []
        self.headers: dict[str, str] = {}
        self.extra: dict[str, Any] = {}


def _pattern(path: str) -> re.Pattern[str]:
    parts = []
    for segment in path.strip("/").split("/"):
        if segment == "**":
            parts.append("(?:/[^/]+)*")
        else:
            parts.append("/" + ".*".join(re.escape(piece) for piece in segment.split("*")).replace(".*", "[^/]*"))
    return re.compile("^" + "".join(parts) + "/?$")


@dataclass
class FaultRule:
    fault_id: str
    kind: str
    path: str
    method: str | None = None
    rate: float = 1.0
    times: int | None = None
    seed: int = 0
    latency: dict[str, Any] | None = None
    status: int = 503
    code: str | None = None
    message: str | None = None
    applied: int = 0
    _random: random.Random = field(init=False, repr=False)
    _regex: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._regex = _pattern(self.path)
        if self.method:
            self.method = self.method.upper()

    @classmethod
    def from_body(cls, fault_id: str, body: dict[str, Any]) -> FaultRule:
        """A rule from a request body the schema has already checked; the rules the schema cannot say: 422."""
        problems = []
        latency = body.get("latency")
        if body["kind"] == "latency":
            problems += _latency_problems(latency)
        elif latency is not None:
            problems.append(FieldError("latency", "is for kind latency only"))
        if body["kind"] != "error" and any(key in body for key in ("status", "code", "message")):
            problems.append(FieldError("status", "status, code and message are for kind error only"))
        if problems:
            raise ApiError("MOCK-422-validation-failed", errors=problems)
        status = int(body.get("status", 503))
        return cls(
            fault_id=fault_id,
            kind=body["kind"],
            path=body["path"],
            method=body.get("method"),
            rate=float(body.get("rate", 1.0)),
            times=body.get("times"),
            seed=int(body.get("seed", 0)),
            latency=latency,
            status=status,
            code=body.get("code") or f"MOCK-{status}-injected-fault",
            message=body.get("message") or "Injected by a fault rule (POST /__admin/faults).",
        )

    def matches(self, method: str, path: str) -> bool:
        if path.startswith(UNTOUCHABLE) or (self.method and self.method != method.upper()):
            return False
        return self._regex.match(path) is not None

    def fires(self) -> bool:
        """One draw per matching request: whether the rule fires this time."""
        hit = self._random.random() < self.rate
        if not hit or (self.times is not None and self.applied >= self.times):
            return False
        self.applied += 1
        return True

    def delay_ms(self) -> float:
        spec = self.latency or {}
        kind = spec.get("distribution", "fixed")
        if kind == "fixed":
            value = float(spec["ms"])
        elif kind == "uniform":
            value = self._random.uniform(float(spec["min_ms"]), float(spec["max_ms"]))
        else:
            value = float(spec["median_ms"]) * math.exp(float(spec.get("sigma", 0.5)) * self._random.gauss(0, 1))
        return min(max(value, 0.0), MAX_DELAY_MS)

    def error(self) -> InjectedError:
        return InjectedError(self.status, self.code or f"MOCK-{self.status}-injected-fault", self.message or "")

    def view(self) -> dict[str, Any]:
        return {
            "fault_id": self.fault_id,
            "kind": self.kind,
            "path": self.path,
            "method": self.method,
            "rate": self.rate,
            "times": self.times,
            "seed": self.seed,
            "latency": self.latency,
            "status": self.status if self.kind == "error" else None,
            "code": self.code if self.kind == "error" else None,
            "message": self.message if self.kind == "error" else None,
            "applied": self.applied,
        }


def _latency_problems(latency: dict[str, Any] | None) -> list[FieldError]:
    if latency is None:
        return [FieldError("latency", "is required for kind latency")]
    needs = {"fixed": ("ms",), "uniform": ("min_ms", "max_ms"), "lognormal": ("median_ms",)}
    kind = latency.get("distribution", "fixed")
    problems = [FieldError(f"latency.{name}", f"is required for {kind}") for name in needs[kind] if name not in latency]
    if kind == "uniform" and not problems and latency["min_ms"] > latency["max_ms"]:
        problems.append(FieldError("latency.min_ms", "must not exceed max_ms"))
    return problems


class FaultSet:
    """A tenant's fault rules, in the order they were added."""

    def __init__(self) -> None:
        self.rules: dict[str, FaultRule] = {}

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules[rule.fault_id] = rule
        return rule

    def remove(self, fault_id: str) -> FaultRule | None:
        return self.rules.pop(fault_id, None)

    def clear(self) -> None:
        self.rules.clear()

    def firing(self, method: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (each matching rule draws once, in order)."""
        if not self.rules:
            return []
        return [rule for rule in list(self.rules.values()) if rule.matches(method, path) and rule.fires()]
