"""The outcome payloads' JSON Schemas (contracts/schemas/widget-*-outcome.schema.json), checked with jsonschema."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

SCHEMAS = Path(__file__).resolve().parents[2] / "contracts" / "schemas"


@cache
def _validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def _check(name: str, outcome: Any) -> None:
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _validator(name).iter_errors(outcome)]
    assert not problems, problems


def assert_valid_preauth_outcome(outcome: Any) -> None:
    _check("widget-preauth-outcome", outcome)


def assert_valid_prescription_outcome(outcome: Any) -> None:
    _check("widget-prescription-outcome", outcome)
