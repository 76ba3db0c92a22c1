"""The prescribing or requesting doctor, as a request names them (pre-authorizations, prescriptions)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Doctor"]


@dataclass
class Doctor:
    name: str | None = None
    medical_license_number: str | None = None
    country_code: str | None = None
    specialty_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
