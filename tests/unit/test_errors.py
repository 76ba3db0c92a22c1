from __future__ import annotations

import re
from pathlib import Path

import pytest

from mock_server.core.errors import ApiError, FieldError, catalogue

SOURCE = Path(__file__).resolve().parents[2] / "mock_server"
RAISED = re.compile(r"""ApiError\(\s*["']([^"']+)["']""")


def test_invented_codes_say_their_status_and_documented_ones_are_osigu_codes():
    for code, entry in catalogue().items():
        if code.startswith("MOCK-"):
            assert re.fullmatch(rf"MOCK-{entry.status}-[a-z0-9]+(-[a-z0-9]+)*", code), code
        else:
            assert re.fullmatch(r"\d{3}-\d{3}", code) and entry.confidence != "inferred", code
        assert entry.confidence in {"schema-page", "operation-page", "guide", "inferred", "mock"}
        assert 400 <= entry.status <= 599 and entry.message


def test_every_code_the_source_raises_is_in_the_catalogue():
    raised = {m for path in SOURCE.rglob("*.py") for m in RAISED.findall(path.read_text(encoding="utf-8"))}
    assert raised, "the scan found no ApiError calls: the pattern is broken"
    assert raised <= set(catalogue()), raised - set(catalogue())


def test_an_unknown_code_fails_at_once():
    with pytest.raises(KeyError):
        ApiError("MOCK-418-teapot")


def test_body_is_osigu_error_shape_with_one_entry_per_problem():
    error = ApiError("MOCK-422-validation-failed", errors=[FieldError("a", "x"), FieldError("b[0].c", "y")])
    assert error.status == 422
    assert error.body() == {
        "code": "MOCK-422-validation-failed",
        "message": catalogue()["MOCK-422-validation-failed"].message,
        "errors": [{"path": "a", "message": "x"}, {"path": "b[0].c", "message": "y"}],
    }


def test_documented_product_code_error_is_071_104_with_422():
    assert catalogue()["071-104"].status == 422
