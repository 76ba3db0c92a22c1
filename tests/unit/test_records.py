"""The record codec every area's snapshot uses: records to plain JSON values and back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import orjson

from mock_server.core.records import revive, to_plain


class Colour(StrEnum):
    RED = "RED"
    BLUE = "BLUE"


@dataclass
class Leaf:
    colour: Colour
    note: str | None = None


@dataclass
class Tree:
    id: int
    colour: Colour | None
    leaves: list[Leaf]
    trunk: Leaf
    size: tuple[int, int] = (1, 2)
    tags: dict[str, int] = field(default_factory=dict)


def test_a_record_goes_out_as_plain_json_values():
    tree = Tree(1, Colour.RED, [Leaf(Colour.BLUE)], Leaf(Colour.RED, "x"), tags={"a": 1})
    plain = to_plain(tree)
    assert plain == {
        "id": 1,
        "colour": "RED",
        "leaves": [{"colour": "BLUE", "note": None}],
        "trunk": {"colour": "RED", "note": "x"},
        "size": (1, 2),
        "tags": {"a": 1},
    }
    assert type(plain["colour"]) is str and type(plain["leaves"][0]["colour"]) is str


def test_a_record_comes_back_typed_from_its_json_form():
    tree = Tree(1, Colour.RED, [Leaf(Colour.BLUE)], Leaf(Colour.RED, "x"))
    back = revive(Tree, orjson.loads(orjson.dumps(to_plain(tree))))
    assert back == tree
    assert back.colour is Colour.RED and back.leaves[0].colour is Colour.BLUE and back.size == (1, 2)


def test_unknown_keys_are_ignored_and_missing_ones_take_their_default():
    back = revive(Tree, {"id": 2, "colour": None, "leaves": [], "trunk": {"colour": "BLUE"}, "gone": 1})
    assert back == Tree(2, None, [], Leaf(Colour.BLUE))
