"""Numbers and arrays as JSON data: plain Python numbers and nested lists, and the JSON form
of a counterexample (what a result carries, whichever path found it)."""

from __future__ import annotations

import numpy as np


def counterexample(sizes, inputs, functions, expected, got, differs) -> dict:
    """The JSON form of a counterexample: plain numbers, nested lists."""
    return {
        "sizes": dict(sizes),
        "inputs": {name: plain(value) for name, value in inputs.items()},
        "functions": {name: f.describe() for name, f in functions.items()},
        "expected": plain(expected),
        "got": plain(got),
        "differs": [list(p) for p in differs],
    }


def plain(array):
    """A numpy array as nested lists of short Python numbers (ints where whole)."""
    array = np.real(np.asarray(array))
    if array.ndim == 0:
        number = float(array)
        if not np.isfinite(number):
            return str(number)
        return int(number) if number.is_integer() and abs(number) < 2**53 else \
            float(f"{number:.10g}")
    return [plain(a) for a in array]
