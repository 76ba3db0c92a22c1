from __future__ import annotations

import pytest

from mock_server.core.clock import Clock, format_instant, parse_instant


class Wall:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def recording_clock(**kwargs):
    fired = []
    clock = Clock(**kwargs)
    clock.on_fire = lambda timer: fired.append((timer.id, clock.timestamp()))
    return clock, fired


def test_wall_clock_follows_wall_time_plus_offset():
    wall = Wall()
    clock = Clock(wall=wall)
    wall.now += 10
    assert clock.timestamp() == 1_000_010.0
    clock.advance(5)
    wall.now += 1
    assert clock.timestamp() == 1_000_016.0
    assert not clock.frozen


def test_frozen_clock_moves_only_when_told():
    wall = Wall()
    clock = Clock(wall=wall, frozen=True)
    wall.now += 100
    assert clock.timestamp() == 1_000_000.0
    clock.advance(30)
    assert clock.timestamp() == 1_000_030.0


def test_set_jumps_and_freezes_or_unfreezes():
    wall = Wall()
    clock = Clock(wall=wall)
    clock.set(now=2_000_000.0, frozen=True)
    wall.now += 50
    assert clock.frozen and clock.timestamp() == 2_000_000.0
    clock.set(frozen=False)
    wall.now += 5
    assert not clock.frozen and clock.timestamp() == 2_000_005.0


def test_advance_fires_due_timers_in_time_order_at_their_due_time():
    clock, fired = recording_clock(wall=Wall(), frozen=True)
    start = clock.timestamp()
    clock.schedule(start + 30, "x", id="late")
    clock.schedule(start + 10, "x", id="early")
    clock.schedule(start + 20, "x", id="middle")
    clock.schedule(start + 100, "x", id="beyond")
    result = clock.advance(31)
    assert [t.id for t in result] == ["early", "middle", "late"]
    assert fired == [("early", start + 10), ("middle", start + 20), ("late", start + 30)]
    assert clock.timestamp() == start + 31
    assert [t.id for t in clock.pending()] == ["beyond"]


def test_timers_due_at_the_same_time_fire_in_scheduling_order():
    clock, fired = recording_clock(wall=Wall(), frozen=True)
    due = clock.timestamp() + 5
    for name in ("a", "b", "c"):
        clock.schedule(due, "x", id=name)
    clock.advance(5)
    assert [name for name, _ in fired] == ["a", "b", "c"]


def test_cancelled_timer_never_fires():
    clock, fired = recording_clock(wall=Wall(), frozen=True)
    clock.schedule(clock.timestamp() + 1, "x", id="gone")
    assert clock.cancel("gone")
    assert not clock.cancel("gone")
    clock.advance(10)
    assert fired == []


def test_moving_backwards_fires_nothing_and_advance_refuses_negative():
    clock, fired = recording_clock(wall=Wall(), frozen=True)
    clock.schedule(clock.timestamp() + 1, "x", id="t")
    clock.set(now=clock.timestamp() - 3600)
    assert fired == []
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_setting_the_time_forward_fires_the_timers_it_passes():
    clock, fired = recording_clock(wall=Wall(), frozen=True)
    clock.schedule(clock.timestamp() + 60, "x", id="t")
    clock.set(now=clock.timestamp() + 61)
    assert [name for name, _ in fired] == ["t"]


def test_fire_due_fires_what_wall_time_has_reached():
    wall = Wall()
    clock, fired = recording_clock(wall=wall)
    clock.schedule(wall.now + 2, "x", id="t")
    assert clock.fire_due() == []
    wall.now += 2
    assert [t.id for t in clock.fire_due()] == ["t"]


def test_a_failing_timer_does_not_stop_the_others():
    clock = Clock(wall=Wall(), frozen=True)
    seen = []

    def on_fire(timer):
        if timer.id == "bad":
            raise RuntimeError("boom")
        seen.append(timer.id)

    clock.on_fire = on_fire
    clock.schedule(clock.timestamp() + 1, "x", id="bad")
    clock.schedule(clock.timestamp() + 2, "x", id="good")
    clock.advance(3)
    assert seen == ["good"]


def test_a_timer_scheduled_while_firing_and_already_due_fires_in_the_same_advance():
    clock = Clock(wall=Wall(), frozen=True)
    seen = []

    def on_fire(timer):
        seen.append(timer.id)
        if timer.id == "first":
            clock.schedule(clock.timestamp() + 1, "x", id="follow-up")

    clock.on_fire = on_fire
    clock.schedule(clock.timestamp() + 1, "x", id="first")
    clock.advance(5)
    assert seen == ["first", "follow-up"]


def test_instants_are_iso8601_utc_with_milliseconds():
    assert format_instant(1782397331.789) == "2026-06-25T14:22:11.789Z"
    assert parse_instant("2026-06-25T14:22:11.789Z") == pytest.approx(1782397331.789)
    assert parse_instant("2026-06-25T16:22:11+02:00") == pytest.approx(1782397331.0)
    with pytest.raises(ValueError):
        parse_instant("2026-06-25T14:22:11")


@pytest.mark.parametrize(
    ("period", "inside", "outside"),
    [
        (
            "2026-11",
            ["2026-11-01T00:00:00.000Z", "2026-11-30T23:59:59.999Z"],
            ["2026-10-31T23:59:59.999Z", "2026-12-01T00:00:00.000Z"],
        ),
        ("2026-12", ["2026-12-31T23:59:59.999Z"], ["2027-01-01T00:00:00.000Z"]),
        ("2028-02", ["2028-02-29T12:00:00.000Z"], ["2028-03-01T00:00:00.000Z"]),
    ],
)
def test_a_months_bounds_hold_exactly_the_instants_written_in_that_month(period, inside, outside):
    from mock_server.core.clock import month_bounds, month_of

    start, end = month_bounds(period)
    for text in inside:
        ts = parse_instant(text)
        assert start <= ts < end and month_of(ts) == period
    for text in outside:
        ts = parse_instant(text)
        assert not start <= ts < end and month_of(ts) != period
