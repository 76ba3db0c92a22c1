"""State machines as data: one table of legal transitions per machine.

Each area declares its statuses as a :class:`enum.StrEnum` and its legal transitions as one
:class:`StateMachine`. The domain moves records only through :meth:`StateMachine.move`, the routes
validate status filters against :attr:`StateMachine.states`, and a test checks that the enums of
``contracts/`` equal the enums in code. A record that would take an illegal step is a bug in the
mock, not a caller's mistake: the domain turns caller mistakes into catalogued errors before it
moves anything, so :class:`IllegalTransition` never reaches a client as anything but a 500.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, Protocol, TypeVar

__all__ = ["IllegalTransition", "StateMachine"]

S = TypeVar("S", bound=StrEnum)


class IllegalTransition(RuntimeError):
    pass


class _HasStatus(Protocol[S]):
    status: S


class StateMachine(Generic[S]):
    """The legal transitions between the members of one StrEnum.

    Parameters:
        name: what the machine is about (``authorization``), for messages.
        states: the StrEnum; every member is a state, those without transitions are terminal (or,
            for statuses OSIGU documents that the mock never reaches, unreachable).
        transitions: state -> the states it may move to.
    """

    def __init__(self, name: str, states: type[S], transitions: Mapping[S, Iterable[S]]) -> None:
        self.name = name
        self.enum = states
        self.transitions: dict[S, frozenset[S]] = {state: frozenset(transitions.get(state, ())) for state in states}
        unknown = [s for s in transitions if s not in self.transitions]
        if unknown:
            raise ValueError(f"{name}: transitions from unknown states {unknown}")

    @property
    def states(self) -> tuple[str, ...]:
        """Every state's wire value, in declaration order."""
        return tuple(state.value for state in self.enum)

    def allows(self, current: S, target: S) -> bool:
        return target in self.transitions[self.enum(current)]

    def terminal(self, state: S) -> bool:
        return not self.transitions[self.enum(state)]

    def reachable(self) -> frozenset[S]:
        """States some transition leads to or leaves from."""
        sources = {s for s, targets in self.transitions.items() if targets}
        return frozenset(sources.union(*self.transitions.values()))

    def move(self, record: _HasStatus[S], target: S) -> None:
        """Set ``record.status`` to ``target``, or raise :class:`IllegalTransition`."""
        current = self.enum(record.status)
        if not self.allows(current, target):
            raise IllegalTransition(f"{self.name}: {current} -> {target} is not a legal transition")
        record.status = self.enum(target)
