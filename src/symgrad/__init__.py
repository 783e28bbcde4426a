"""symgrad: check hand-derived matrix calculus two independent ways.

    >>> import symgrad
    >>> [r.verdict for r in symgrad.check("derivations/trace.toml")]  # doctest: +SKIP
    ['proved', 'proved']

``check`` takes a path, a list of paths, or the text of a claim file, and
returns one :class:`Result` per claim.
"""

__version__ = "0.1.0"
__all__ = ["ClaimError", "Result", "SymgradError", "VERDICTS", "__version__", "check"]


def __getattr__(name):
    # Lazy, so that `symgrad --version` and the pytest plugin stay cheap to import.
    if name == "check":
        from .run import check

        return check
    if name in ("Result", "VERDICTS"):
        from .verdicts import results

        return getattr(results, name)
    if name in ("ClaimError", "SymgradError"):
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module 'symgrad' has no attribute {name!r}")
