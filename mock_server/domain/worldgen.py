"""Generated beneficiaries: families in each sponsor's locale, from a seed.

The default seed's output is committed (``fixtures/world/beneficiaries.seed-<seed>.json``), so start-up
never runs faker for it; any other seed is generated here at start-up. The same seed and the same faker
release always give the same beneficiaries (faker is pinned to one release line for that reason).

Faker has no Dominican locale: :class:`DominicanProvider` makes cédulas with their check digit.
"""

from __future__ import annotations

import random
import unicodedata
from datetime import date, timedelta
from typing import Any

from mock_server.domain.identity import check_letter, do_cedula_check_digit

__all__ = ["WORLD_DATE", "generate_beneficiaries"]

# The date the generated world is anchored to (coverage windows, ages).
WORLD_DATE = date(2026, 1, 1)
FAMILIES_PER_SPONSOR = 30
FIRST_GENERATED_ID = 2_000_001


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class DominicanProvider:
    """A faker-style provider for the Dominican Republic (faker ships no ``es_DO``)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def cedula(self) -> str:
        first_ten = f"{self.rng.choice(['001', '002', '031', '402', '223'])}{self.rng.randrange(10**7):07d}"
        return first_ten + str(do_cedula_check_digit(first_ten))

    def phone_number(self) -> str:
        area = self.rng.choice(["809", "829", "849"])
        return f"+1 {area} {self.rng.randrange(200, 999)} {self.rng.randrange(10**4):04d}"


def _document(
    country: str,
    fake: Any,
    rng: random.Random,
    dominican: DominicanProvider,
    age: int,
    person: tuple[str, str, date, str],
) -> tuple[str, str]:
    """A document of the country's kind; ``person`` is ``(first name, last name, born, sex)``."""
    if country == "CO":
        if age < 18:
            return "TI", str(rng.randrange(10**9, 10**10))
        kind = rng.choices(["CC", "CE", "PA"], weights=[90, 7, 3])[0]
        return kind, str(rng.randrange(10**5, 10**10))
    if country == "DO":
        return "CED", dominican.cedula()
    if country == "ES":
        if rng.random() < 0.85:
            number = rng.randrange(10**7, 10**8)
            return "DNI", f"{number:08d}{check_letter(number)}"
        prefix = rng.choice("XYZ")
        digits = rng.randrange(10**7)
        return "NIE", f"{prefix}{digits:07d}{check_letter(int(str('XYZ'.index(prefix)) + f'{digits:07d}'))}"
    if country == "MX":
        return "CURP", _curp(*person, fake.random)
    if country == "GT":
        return "DPI", f"{rng.randrange(10**12, 10**13)}"
    raise ValueError(f"no document rule for {country}")


_CURP_CHARACTERS = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ"
_CURP_STATES = ("AS", "BC", "CH", "CL", "DF", "GT", "JC", "MC", "MN", "NL", "OC", "PL", "QT", "SP", "VZ", "YN")
_CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"


def _curp(first: str, last: str, born: date, sex: str, pick: random.Random) -> str:
    """A CURP that agrees with the person: surname and name initials, birth date, sex, then a state, inner
    consonants, the century digit or letter and the check digit. Built here rather than by faker, whose
    CURPs take a birth date relative to today and would make the committed world depend on the day."""
    surname, given = _ascii(last).replace(" ", "") or "X", _ascii(first).replace(" ", "") or "X"
    vowel = next((c for c in surname[1:] if c in "AEIOU"), "X")
    inner = [next((c for c in name[1:] if c in _CONSONANTS), "X") for name in (surname, "X", given)]
    inner[1] = pick.choice(_CONSONANTS)  # the second surname is not modelled
    body = (
        f"{surname[0]}{vowel}{pick.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}{given[0]}"
        f"{born:%y%m%d}{'M' if sex == 'FEMALE' else 'H'}{pick.choice(_CURP_STATES)}{''.join(inner)}"
        f"{pick.choice('0123456789') if born.year < 2000 else pick.choice('ABCDEFGHIJ')}"
    )
    check = -sum((18 - i) * _CURP_CHARACTERS.index(c) for i, c in enumerate(body)) % 10
    return f"{body.upper()}{check}"


def _person(fake: Any, rng: random.Random, sex: str) -> tuple[str, str]:
    first = fake.first_name_female() if sex == "FEMALE" else fake.first_name_male()
    return first.upper(), fake.last_name().upper()


def generate_beneficiaries(seed: int, sponsors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Beneficiaries (holders and dependants) for every sponsor, in a stable order."""
    from faker import Faker  # only other seeds need faker at run time

    rng = random.Random(f"osigu-mock-world:{seed}")
    out: list[dict[str, Any]] = []
    for index, sponsor in enumerate(sponsors):
        fake = Faker(sponsor["locale"])
        fake.seed_instance(seed * 101 + index)
        dominican = DominicanProvider(rng)
        plans = [p["plan_code"] for p in sponsor["plans"]]
        for _ in range(FAMILIES_PER_SPONSOR):
            family = _draw_family(rng, plans)
            out += _family_members(family, sponsor, fake, rng, dominican, FIRST_GENERATED_ID + len(out))
    return out


def _draw_family(rng: random.Random, plans: list[str]) -> dict[str, Any]:
    """A family's plan, coverage window and members ``(relationship, sex, age)``, holder first."""
    holder_sex = rng.choice(["FEMALE", "MALE"])
    holder_age = rng.randrange(25, 71)
    plan = rng.choice(plans)
    inactive = rng.random() < 0.06
    until = (
        WORLD_DATE - timedelta(days=rng.randrange(30, 400))
        if inactive
        else WORLD_DATE + timedelta(days=rng.randrange(700, 1800))
    )
    # a lapsed family's coverage started at least 30 days before it ended
    since = min(WORLD_DATE - timedelta(days=rng.randrange(100, 2500)), until - timedelta(days=30))
    members = [("HOLDER", holder_sex, holder_age)]
    if rng.random() < 0.55:
        members.append(("SPOUSE", "MALE" if holder_sex == "FEMALE" else "FEMALE", rng.randrange(25, 71)))
    for _ in range(rng.choices([0, 1, 2, 3], weights=[35, 30, 25, 10])[0]):
        members.append(("CHILD", rng.choice(["FEMALE", "MALE"]), rng.randrange(0, min(holder_age - 17, 30))))
    return {"plan": plan, "since": since, "until": until, "members": members}


def _family_members(
    family: dict[str, Any],
    sponsor: dict[str, Any],
    fake: Any,
    rng: random.Random,
    dominican: DominicanProvider,
    first_id: int,
) -> list[dict[str, Any]]:
    """The family's beneficiaries, numbered from ``first_id`` (the holder's id); children take the
    holder's last name."""
    out = []
    family_name = None
    for offset, (relationship, sex, age) in enumerate(family["members"]):
        first, last = _person(fake, rng, sex)
        if relationship == "HOLDER":
            family_name = last
        elif relationship == "CHILD" and family_name:
            last = family_name
        born = WORLD_DATE - timedelta(days=age * 365 + rng.randrange(0, 365))
        document_type, document_number = _document(
            sponsor["country_code"], fake, rng, dominican, age, (first, last, born, sex)
        )
        beneficiary_id = first_id + offset
        handle = _ascii(f"{first}.{last}".lower()).replace(" ", "")
        phone = dominican.phone_number() if sponsor["country_code"] == "DO" else fake.phone_number()
        out.append(
            {
                "beneficiary_id": beneficiary_id,
                "sponsor_slug": sponsor["sponsor_slug"],
                "first_name": first,
                "last_name": last,
                "sex": sex,
                "date_of_birth": born.isoformat(),
                "document_type": document_type,
                "document_number": document_number,
                "member_id": f"{sponsor['member_prefix']}-{beneficiary_id}",
                "plan_code": family["plan"],
                "email": f"{handle}{beneficiary_id % 1000}@example.com",
                "phone": phone,
                "status": "ENABLED",
                "effective_from": family["since"].isoformat(),
                "effective_until": family["until"].isoformat(),
                "relationship": relationship,
                "holder_id": None if relationship == "HOLDER" else first_id,
            }
        )
    return out
