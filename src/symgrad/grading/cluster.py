"""Decisions sent to a Dask distributed scheduler (the optional extra ``symgrad[dask]``).

Each decision is one Dask task that runs :func:`symgrad.decide.decide` on a worker, with
the claim's time limit kept by the decision itself (a soft limit: Dask's own worker limits
bound its memory).  Results come back in the order they were asked for, so a run on a
cluster grades exactly as a local one.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import SymgradError


class NoDask(SymgradError):
    """--dask was asked for, but Dask's distributed scheduler is not installed."""


def decide_remotely(model, claim, options: dict):
    """What a Dask worker runs: one claim decided (a module-level function, so that it
    pickles by reference)."""
    from ..decide import decide
    from ..verdicts.combine import memory_limit

    try:
        return decide(model, claim, **options)
    except MemoryError:
        return memory_limit(model, claim)


def decide_on(address, todo, options: dict) -> Iterator:
    """Each ((question, answer), (model, claim)) of ``todo`` decided on the cluster at
    ``address`` (a scheduler's address, or a ``distributed.Client``), in order."""
    try:
        from distributed import Client
    except ImportError:
        raise NoDask("--dask needs Dask's distributed scheduler: "
                     "pip install 'symgrad[dask]'") from None
    client = address if isinstance(address, Client) else Client(address)
    try:
        futures = [client.submit(decide_remotely, model, claim, options, pure=False)
                   for _, (model, claim) in todo]
        for (name, _), future in zip(todo, futures, strict=True):
            yield name, future.result()
    finally:
        if client is not address:
            client.close()
