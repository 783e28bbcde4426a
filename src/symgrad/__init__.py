"""symgrad: check hand-derived matrix calculus two independent ways.

    >>> import symgrad
    >>> [r.verdict for r in symgrad.check("derivations/trace.toml")]  # doctest: +SKIP
    ['proved', 'proved']

``check`` takes a path, a list of paths, or the text of a claim file, and returns one
:class:`Result` per claim (a :class:`Results` list, which a notebook shows as a table);
``same`` decides whether two expressions are equal, ``derive`` answers a file's claims as
questions, ``latex`` prints them (or the whole answer sheet), ``grade`` grades a class
against an answer key.
"""

__version__ = "0.1.0"
__all__ = ["ClaimError", "Result", "Results", "SymgradError", "VERDICTS", "__version__",
           "check", "derive", "grade", "latex", "same"]

_WHERE = {"check": "run", "same": "run", "derive": "run", "latex": "run",
          "grade": "grading.grade",
          "Result": "verdicts.results", "Results": "verdicts.results",
          "VERDICTS": "verdicts.results", "ClaimError": "errors", "SymgradError": "errors"}


def __getattr__(name):
    # Lazy, so that `symgrad --version` and the pytest plugin stay cheap to import.
    if name not in _WHERE:
        raise AttributeError(f"module 'symgrad' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)


def __dir__():
    return sorted(__all__)
