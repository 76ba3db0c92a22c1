from __future__ import annotations

from mock_server.core.ratelimit import SlidingWindow


def test_the_eleventh_hit_within_a_minute_is_refused_with_the_seconds_to_wait():
    window = SlidingWindow(10, 60)
    for i in range(10):
        assert window.hit("c", 100.0 + i) is None
    assert window.hit("c", 115.0) == 45


def test_the_window_slides():
    window = SlidingWindow(2, 60)
    assert window.hit("c", 0.0) is None
    assert window.hit("c", 30.0) is None
    assert window.hit("c", 59.0) is not None
    assert window.hit("c", 60.0) is None  # the hit at 0 left the window


def test_keys_are_independent():
    window = SlidingWindow(1, 60)
    assert window.hit("a", 0.0) is None
    assert window.hit("b", 0.0) is None
    assert window.hit("a", 1.0) is not None


def test_hits_in_the_future_of_a_clock_set_backwards_are_forgotten():
    window = SlidingWindow(1, 60)
    assert window.hit("a", 1000.0) is None
    assert window.hit("a", 10.0) is None
