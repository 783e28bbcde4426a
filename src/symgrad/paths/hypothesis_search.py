"""hypothesis's search, as symgrad runs it: seeded, no database, no deadline, every health
check off; its files under the user's cache (:data:`HYPOTHESIS_HOME`); outside any test of
the caller's; and blind to the constants in the code loaded, so that the same input gives
the same counterexample however symgrad is installed and whatever else is imported.
hypothesis itself is imported only here, when a search runs: a check that finds nothing
wrong never imports it.
"""

from __future__ import annotations

import contextlib
import random
import threading

#: Where hypothesis keeps its files: set by symgrad's own processes (the command, its
#: workers) to the user's cache folder, so that a run leaves the working directory alone;
#: None (symgrad called in the caller's process) leaves hypothesis's own setting alone.
HYPOTHESIS_HOME: str | None = None


def _outside_any_test():
    """symgrad's search is its own, not a test nested in the caller's: a user's @given test
    (or a worker forked from one) that calls symgrad must not fail hypothesis's nested-test
    health check, which only the outer test could suppress.  hypothesis marks "inside a
    test" in a private variable; without it, nothing to undo."""
    from hypothesis import control

    context = getattr(control, "_current_build_context", None)
    return context.with_value(None) if context is not None else contextlib.nullcontext()


@contextlib.contextmanager
def _without_local_constants():
    """hypothesis also draws, now and then, constants it finds in the code of the "local"
    modules loaded: an editable install's own, a user's project's.  A counterexample would
    then depend on how symgrad was installed and on what else the process imported (and the
    first search would read all those modules).  symgrad's searches see none: the same
    input, the same counterexample.  Searches in several threads at once (a Dask worker's)
    share one change, undone by the last to end.  (hypothesis's internals: where they are
    not as expected, nothing is changed.)"""
    try:
        from hypothesis.internal.conjecture import providers

        empty, clear = providers.Constants(), providers.CONSTANTS_CACHE.cache.clear
        _ = providers._get_local_constants
    except (ImportError, AttributeError, TypeError):
        yield
        return
    with _PATCHED[0]:
        if _PATCHED[1] == 0:
            _PATCHED[2] = providers._get_local_constants
            providers._get_local_constants = lambda: empty
            clear()  # (the permitted constants are cached with the local ones)
        _PATCHED[1] += 1
    try:
        yield
    finally:
        with _PATCHED[0]:
            _PATCHED[1] -= 1
            if _PATCHED[1] == 0:
                providers._get_local_constants = _PATCHED[2]
                clear()


_PATCHED: list = [threading.Lock(), 0, None]  # (lock, searches running, hypothesis's own)


def find(points, fails, seed, max_examples, shrink: bool = True, stops=()):
    """hypothesis's first point of the strategy ``points`` where ``fails`` is true (shrunk,
    with ``shrink``), or None; an exception of ``stops`` raised by ``fails`` ends the
    search as itself."""
    from hypothesis import HealthCheck, Phase, find, settings
    from hypothesis.errors import FlakyFailure, NoSuchExample, Unsatisfiable

    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    if HYPOTHESIS_HOME is not None:
        from hypothesis.configuration import set_hypothesis_home_dir

        set_hypothesis_home_dir(HYPOTHESIS_HOME)
    try:
        with _outside_any_test(), _without_local_constants():
            return find(points, fails, random=random.Random(seed),
                        settings=settings(max_examples=max_examples, database=None,
                                          deadline=None, phases=phases,
                                          suppress_health_check=list(HealthCheck)))
    except (NoSuchExample, Unsatisfiable):
        return None
    except FlakyFailure as group:  # hypothesis wraps what our own `fails` raised: unwrap it
        for inner in stops:
            if group.subgroup(inner) is not None:
                raise inner("stopped") from None
        raise
