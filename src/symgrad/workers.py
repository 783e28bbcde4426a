"""Claims decided in worker processes, so that time and memory limits are hard ones.

A worker is a fork of this process (symgrad's modules already loaded), decides one claim at
a time, and sends the verdict as soon as it is known, then the result with its explanation
(diagnosis, correct answer).  The parent ends a worker that overruns its claim's time limit
by more than :data:`GRACE` seconds: the claim keeps the verdict it sent, or is ``undecided``
("time limit").  Each worker runs under an address-space limit; a claim that exceeds it is
``undecided`` ("memory limit") and the other claims are unaffected.  Results come back in
the order the claims were given, each as soon as it and the ones before it are done.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait

from .decide import decide
from .language.model import Claim, Model
from .limits import DEFAULT_JOBS, GRACE
from .verdicts.combine import memory_limit, result
from .verdicts.results import Result


@dataclass
class Task:
    """One claim to decide, with decide()'s options (seed, timeout, explain)."""

    model: Model
    claim: Claim
    options: dict = field(default_factory=dict)

    @property
    def timeout(self) -> float:
        return self.options["timeout"]


OUT_OF_MEMORY = 3  # a worker's exit code when memory ran out outside any claim's decision


def _serve(connection, memory: float | None) -> None:
    """A worker's life: decide the claims it is sent until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    code = 0
    try:
        if memory:
            _limit_address_space(memory)
        hypothesis_files_in_the_cache()
        while (task := connection.recv()) is not None:
            try:
                done = decide(task.model, task.claim, **task.options,
                              on_verdict=lambda found: connection.send(("verdict", found)))
            except MemoryError:
                done = memory_limit(task.model, task.claim, memory)
            connection.send(("done", done))
    except (EOFError, OSError, KeyboardInterrupt):
        pass  # the parent is gone or stopping
    except MemoryError:
        code = OUT_OF_MEMORY
    except BaseException as exc:  # a bug: say it in one line, the parent reports the claim
        print(f"symgrad worker: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    os._exit(code)  # a fork: leave without running the parent's clean-up


def _limit_address_space(megabytes: float) -> None:
    """Allow this process `megabytes` more address space than it holds now (where the
    system says how much that is: Linux's /proc; elsewhere the limit is not set)."""
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as status:
            held = next(int(line.split()[1]) * 1024 for line in status
                        if line.startswith("VmSize"))
    except (OSError, StopIteration, ValueError):
        return
    limit = held + int(megabytes * 2**20)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def hypothesis_files_in_the_cache() -> None:
    """hypothesis keeps files (its constants cache) under ./.hypothesis by default; symgrad
    (its workers, and the command) keeps them in the user's cache folder, so that a run
    leaves the working directory alone (set where hypothesis is first run:
    :data:`symgrad.paths.hypothesis_search.HYPOTHESIS_HOME`)."""
    from .paths import hypothesis_search

    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    hypothesis_search.HYPOTHESIS_HOME = os.path.join(cache, "symgrad", "hypothesis")


class _Worker:
    def __init__(self, memory: float | None):
        context = multiprocessing.get_context("fork")
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, memory), daemon=True)
        self.process.start()
        child.close()
        self.index: int | None = None  # which task it is deciding
        self.task: Task | None = None
        self.started = 0.0
        self.verdict: Result | None = None

    def give(self, index: int, task: Task) -> None:
        self.index, self.task, self.started, self.verdict = index, task, time.monotonic(), None
        self.connection.send(task)

    @property
    def overdue(self) -> float:
        """Seconds until this worker's claim is past its hard limit (negative: past it)."""
        return self.started + self.task.timeout + GRACE - time.monotonic()

    def end(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.connection.close()


class Pool:
    """Workers that decide claims, each under hard limits; use as a context manager."""

    def __init__(self, jobs: int | None = None, memory: float | None = None):
        self.jobs = max(1, jobs or DEFAULT_JOBS)
        self.memory = memory
        self._idle: list[_Worker] = []

    def __enter__(self) -> Pool:
        _load_the_engine()
        return self

    def __exit__(self, *exc) -> None:
        for worker in self._idle:
            try:
                worker.connection.send(None)
            except OSError:
                pass
            worker.end()
        self._idle.clear()

    def results(self, tasks: Iterable[Task | Result]) -> Iterator[Result]:
        """Each task's result, in the tasks' order (a Result among them passes through)."""
        tasks = iter(tasks)
        finished: dict[int, Result] = {}
        busy: list[_Worker] = []
        given = following = 0
        exhausted = False
        try:
            while True:
                while not exhausted and len(busy) < self.jobs:
                    task = next(tasks, None)
                    if task is None:
                        exhausted = True
                    elif isinstance(task, Result):
                        finished[given] = task
                        given += 1
                    else:
                        worker = self._idle.pop() if self._idle else _Worker(self.memory)
                        worker.give(given, task)
                        busy.append(worker)
                        given += 1
                while following in finished:
                    yield finished.pop(following)
                    following += 1
                if exhausted and not busy:
                    return
                if busy:
                    self._collect(busy, finished)
        finally:
            for worker in busy:
                worker.end()

    def _collect(self, busy: list[_Worker], finished: dict[int, Result]) -> None:
        """Wait for the next message from a busy worker, or end the one past its limit."""
        ready = wait([w.connection for w in busy], timeout=max(0.0, min(w.overdue for w in busy)))
        for worker in list(busy):
            if worker.connection in ready:
                try:
                    what, found = worker.connection.recv()
                except (EOFError, OSError):  # the worker died (out of memory, or a crash)
                    worker.end()
                    finished[worker.index] = self._lost(worker, died=True)
                    busy.remove(worker)
                    continue
                if what == "verdict":
                    worker.verdict = found
                    continue
                finished[worker.index] = found
                busy.remove(worker)
                self._idle.append(worker)
            elif worker.overdue <= 0:
                finished[worker.index] = self._lost(worker, died=False)
                busy.remove(worker)
                worker.end()

    def _lost(self, worker: _Worker, *, died: bool) -> Result:
        """The result of a claim whose worker was ended or died: the verdict it sent, if any."""
        task, seconds = worker.task, time.monotonic() - worker.started
        if not died:
            limit = f"time limit: not decided within {task.timeout:g} s (raise --timeout)"
        elif worker.process.exitcode in (-signal.SIGKILL, -signal.SIGABRT, OUT_OF_MEMORY):
            limit = ("memory limit: the worker deciding this claim ran out of memory"
                     + (f" (--memory {self.memory:g} MB)" if self.memory else ""))
        else:
            return result(task.model, task.claim, "error", seconds=seconds, reason=(
                "symgrad's worker stopped while deciding this claim (a bug; please report it "
                f"with the claim): exit code {worker.process.exitcode}"))
        if worker.verdict is not None:
            found = replace(worker.verdict, seconds=seconds)
            found.reason += f"; the explanation could not be made ({limit})"
            return found
        return result(task.model, task.claim, "undecided", reason=limit, seconds=seconds)


def _load_the_engine() -> None:
    """Import what deciding needs before forking, so each worker starts with it loaded."""
    from .derivation import reverse  # noqa: F401
    from .explain import diagnose  # noqa: F401
    from .index import prove  # noqa: F401
    from .kinds import convergence, expectation, psd, value  # noqa: F401
    from .output import latex  # noqa: F401
    from .paths import numeric, symbolic  # noqa: F401
    from .vocabulary.ops import sympy

    sympy()  # SymPy itself loads lazily: here, once, not in each worker (hypothesis only
    # where a point fails: a check that finds nothing wrong never imports it)
