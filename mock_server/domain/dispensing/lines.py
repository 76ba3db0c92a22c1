"""Which lines a dispensation takes, and at what price (``contracts/openapi.yaml``: startDispensation,
updateDispensation; the money rule is ``mock_server.domain.money``).

Without ``products[]`` a dispensation takes every dispensable line at its remaining quantity. With it,
each item names a line by its ``id`` (the authorization line's, or the prescription item's) and takes a
quantity of at most what is left: partial dispensing. An item may hand over a substitute
(``substitute_product_code``, from the catalogue) with a ``substitution_reason_enum`` (or the free-text
``substitution_reason``; inferred); ``OTHER`` needs
``substitution_other_description``. A line is priced at the list price of what is handed over, in the
dispensation's currency; its ``taxes`` are the caller's (0 when not given).
"""

from __future__ import annotations

from typing import Any

from mock_server.core.errors import ApiError, FieldError
from mock_server.domain import money
from mock_server.domain.authorizations.records import Authorization
from mock_server.domain.authorizations.redemption import Wanted, open_lines, pick, remaining
from mock_server.domain.dispensing.records import DispensationLine, SubstitutionReason
from mock_server.domain.prescriptions.records import REDEEMABLE, Prescription
from mock_server.domain.world import World

__all__ = ["for_authorization", "for_prescription"]


def _line_id(item: dict[str, Any], path: str, problems: list[FieldError]) -> int | None:
    try:
        return int(str(item["id"]).strip())
    except (TypeError, ValueError):
        problems.append(FieldError(f"{path}.id", "is not a line id of this code"))
        return None


def _priced(
    world: World,
    currency: str,
    path: str,
    line_id: int,
    product_code: str,
    product_name: str,
    quantity: int,
    item: dict[str, Any] | None,
    problems: list[FieldError],
) -> DispensationLine | None:
    item = item or {}
    substitute_code = item.get("substitute_product_code") or None
    handed = world.product(substitute_code or product_code)
    if handed is None:
        field = "substitute_product_code" if substitute_code else "id"
        problems.append(FieldError(f"{path}.{field}", f"{substitute_code or product_code} is not in the catalogue"))
        return None
    reason_enum = item.get("substitution_reason_enum")
    if substitute_code and not reason_enum and not item.get("substitution_reason"):
        problems.append(
            FieldError(f"{path}.substitution_reason_enum", "is required with a substitute (or substitution_reason)")
        )
    if reason_enum == SubstitutionReason.OTHER and not item.get("substitution_other_description"):
        problems.append(FieldError(f"{path}.substitution_other_description", "is required when the reason is OTHER"))
    if currency not in handed.prices:
        problems.append(FieldError(f"{path}.id", f"{handed.product_code} has no list price in {currency}"))
        return None
    return DispensationLine(
        line_id=line_id,
        product_code=product_code,
        product_name=product_name,
        quantity=quantity,
        price=money.list_price(handed, currency, path),
        taxes=float(item.get("taxes") or 0.0),
        substitute_product_code=substitute_code,
        substitute_product_name=handed.name if substitute_code else None,
        substitute_quantity=int(item.get("substitute_quantity") or quantity) if substitute_code else None,
        substitution_reason=item.get("substitution_reason"),
        substitution_reason_enum=SubstitutionReason(reason_enum) if reason_enum else None,
        substitution_other_description=item.get("substitution_other_description"),
    )


def _done(lines: list[DispensationLine | None], problems: list[FieldError]) -> list[DispensationLine]:
    if problems:
        raise ApiError("MOCK-422-validation-failed", errors=problems)
    return [line for line in lines if line is not None]


def for_authorization(
    world: World, authorization: Authorization, products: list[dict[str, Any]] | None, currency: str
) -> list[DispensationLine]:
    problems: list[FieldError] = []
    if not products:
        chosen = [(line, remaining(line), None, "products") for line in open_lines(authorization)]
    else:
        ids = [_line_id(item, f"products[{i}]", problems) for i, item in enumerate(products)]
        wanted = [
            Wanted(f"products[{i}]", line_id, None, int(item["quantity"]))
            for i, (line_id, item) in enumerate(zip(ids, products, strict=True))
            if line_id is not None
        ]
        kept = [item for line_id, item in zip(ids, products, strict=True) if line_id is not None]
        try:
            picked = pick(authorization, wanted)
        except ApiError as refused:
            merged = sorted([*problems, *refused.errors], key=lambda problem: problem.path)
            raise ApiError("MOCK-422-validation-failed", errors=merged) from None
        if problems:
            raise ApiError("MOCK-422-validation-failed", errors=problems)
        chosen = [(line, units, item, w.path) for (line, units), item, w in zip(picked, kept, wanted, strict=True)]
    lines = [
        _priced(world, currency, path, line.id, line.product_code, line.product_name, units, item, problems)
        for line, units, item, path in chosen
    ]
    return _done(lines, problems)


def for_prescription(
    world: World,
    prescription: Prescription,
    products: list[dict[str, Any]] | None,
    currency: str,
    *,
    held_by: int | None = None,
) -> list[DispensationLine]:
    """``held_by``: the STARTED dispensation whose update this is; the items it holds are choosable."""
    problems: list[FieldError] = []
    open_items = {
        i.id: i
        for i in prescription.items
        if (i.status in REDEEMABLE or (held_by is not None and i.locked_by == held_by))
        and i.quantity > i.dispensed_quantity
    }
    if not products:
        chosen = [(item, item.quantity - item.dispensed_quantity, None, "products") for item in open_items.values()]
    else:
        chosen, asked = [], {}
        for i, entry in enumerate(products):
            path = f"products[{i}]"
            item_id = _line_id(entry, path, problems)
            item = open_items.get(item_id) if item_id is not None else None
            if item is None:
                if item_id is not None:
                    problems.append(
                        FieldError(f"{path}.id", f"item {item_id} is not dispensable on {prescription.code}")
                    )
                continue
            asked[item.id] = asked.get(item.id, 0) + int(entry["quantity"])
            left = item.quantity - item.dispensed_quantity
            if asked[item.id] > left:
                problems.append(FieldError(f"{path}.quantity", f"{left} unit(s) of {item.product_code} are left"))
                continue
            chosen.append((item, int(entry["quantity"]), entry, path))
    lines = [
        _priced(world, currency, path, item.id, item.product_code, item.product_name, units, entry, problems)
        for item, units, entry, path in chosen
    ]
    return _done(lines, problems)
