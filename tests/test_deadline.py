"""Time limits: nested blocks, each stopped at its own deadline, and nothing left behind —
whatever the signal interrupts (a worker that kept a stale deadline was once killed by
its own timer, SIGALRM, on the next claim)."""

import signal
import time

import pytest

from symgrad.engine import deadline as deadlines
from symgrad.engine.deadline import Deadline, interrupt_at
from symgrad.errors import OutOfTime


def test_an_inner_block_stops_at_its_own_deadline_and_the_outer_one_at_its():
    started = time.monotonic()
    with pytest.raises(OutOfTime), interrupt_at(Deadline(1.0)):
        with pytest.raises(OutOfTime), interrupt_at(Deadline(0.2)):
            while True:
                time.sleep(0.01)
        assert time.monotonic() - started < 0.6
        while True:
            time.sleep(0.01)
    assert 0.9 < time.monotonic() - started < 1.6


@pytest.mark.parametrize("attempt", range(5))
def test_nothing_is_left_behind_whatever_the_signal_interrupts(attempt):
    before = signal.getsignal(signal.SIGALRM)
    entered = 0
    try:
        with interrupt_at(Deadline(0.3 + 0.05 * attempt)):
            while True:  # inner blocks entered and left as fast as possible: the outer
                with interrupt_at(Deadline(30)):  # signal lands in their set-up and clean-up
                    entered += 1
    except OutOfTime:
        pass
    assert entered > 100
    assert deadlines._active == []
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    with interrupt_at(Deadline(5)):  # and the next claim's limit works
        time.sleep(0.01)
