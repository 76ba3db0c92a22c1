"""Records (dataclasses) to plain JSON values and back: the snapshot codec every area shares.

:func:`to_plain` is :func:`dataclasses.asdict` with enum members written as their values;
:func:`revive` rebuilds a record from that form, guided by the type hints: nested records and lists of
records, tuples, and enum members (``X | None`` included). Unknown keys are ignored and missing ones
take the field's default, so a record may gain a field with a default without breaking older snapshots.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, TypeVar

__all__ = ["revive", "to_plain"]

T = TypeVar("T")


def to_plain(record: Any) -> dict[str, Any]:
    return dataclasses.asdict(record, dict_factory=_plain_dict)


def _plain_dict(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: _plain(value) for key, value in items}


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def revive(record_type: type[T], data: dict[str, Any]) -> T:
    """The dataclass ``record_type`` from its :func:`to_plain` form."""
    hints = _hints(record_type)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(record_type):  # type: ignore[arg-type]
        if f.name in data:
            values[f.name] = _revive_value(hints[f.name], data[f.name])
    return record_type(**values)


def _revive_value(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        concrete = [arg for arg in args if arg is not type(None)]
        return _revive_value(concrete[0], value) if len(concrete) == 1 else value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if dataclasses.is_dataclass(hint):
        return revive(hint, value)  # type: ignore[arg-type]
    if origin is list and args:
        return [_revive_value(args[0], item) for item in value]
    if origin is tuple:
        return tuple(value)
    return value


@cache
def _hints(record_type: type) -> dict[str, Any]:
    return typing.get_type_hints(record_type)
