"""Per-claim time limits.

SymPy cannot be asked to stop, so on the main thread a limit is an interval
timer whose signal raises :class:`OutOfTime` inside whatever SymPy is doing.
Off the main thread (where signals cannot be used) the limit is only checked
between steps, through :meth:`Deadline.check`.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager

from ..errors import OutOfTime


class Deadline:
    def __init__(self, seconds: float):
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return self.end - time.monotonic()

    def check(self) -> None:
        if self.remaining() <= 0:
            raise OutOfTime("time limit reached")

    def part(self, fraction: float) -> Deadline:
        """A deadline that ends after this fraction of the time left."""
        return Deadline(max(0.0, self.remaining()) * fraction)


_active: list[Deadline] = []  # the deadlines of the blocks entered, innermost last
RETRY = 0.25  # seconds between repeated signals, should one be swallowed


@contextmanager
def interrupt_at(deadline: Deadline):
    """Raise OutOfTime inside the block when the deadline passes (main thread only).

    Blocks nest: the timer is armed for the earliest deadline of the blocks entered, so an
    inner step with a shorter limit is stopped at its own, and an outer limit still stops
    everything inside it.  A signal can arrive while Python runs a finaliser, where an
    exception is swallowed; so the timer fires again every RETRY seconds until the block
    whose deadline passed is left.  The outermost block owns the handler and the timer: on
    leaving it, both are as they were, whatever happened inside (an inner block left by an
    exception before it was set up included)."""
    usable = threading.current_thread() is threading.main_thread() and hasattr(
        signal, "setitimer")
    if not usable:
        deadline.check()
        yield
        return
    if deadline.remaining() <= 0:
        raise OutOfTime("time limit reached")
    outermost = signal.getsignal(signal.SIGALRM) is not _raise
    previous = hook = None
    try:
        if outermost:
            _active.clear()
            previous = signal.signal(signal.SIGALRM, _raise)
            hook, sys.unraisablehook = sys.unraisablehook, _quiet(sys.unraisablehook)
        _active.append(deadline)
        _arm()
        yield
    finally:
        while True:  # a signal may interrupt the clean-up itself: repeat until it is done
            try:
                _leave(deadline)
                if outermost:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    _active.clear()
                    if previous is not None:
                        signal.signal(signal.SIGALRM, previous)
                    if hook is not None:
                        sys.unraisablehook = hook
                elif _active:
                    _arm()
                break
            except OutOfTime:
                continue


def _leave(deadline: Deadline) -> None:
    """Forget this block's deadline, wherever it stands (by identity)."""
    for position, active in enumerate(_active):
        if active is deadline:
            del _active[position]
            return


def _quiet(hook):
    """An unraisable-exception hook that drops the time limit's own signal: the repeated
    signal may land in a finaliser or a gc callback, where Python cannot raise it and would
    print it as 'Exception ignored'; the next signal raises it where it can."""
    def unraisable(info):
        if not isinstance(info.exc_value, OutOfTime):
            hook(info)

    return unraisable


def _raise(signum, frame):
    if not _active:
        return  # every block is being left: nothing to stop
    if min(d.remaining() for d in _active) <= 0:
        raise OutOfTime("time limit reached")
    _arm()  # early (a deadline left since): wait for the earliest one still active


def _arm() -> None:
    left = min(d.remaining() for d in _active)
    signal.setitimer(signal.ITIMER_REAL, max(left, 1e-4), RETRY)
