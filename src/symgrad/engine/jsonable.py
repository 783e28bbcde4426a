"""Numbers and arrays as JSON data: plain Python numbers and nested lists, and the JSON form
of a counterexample (what a result carries, whichever path found it)."""

from __future__ import annotations

import numpy as np

SHOWN_ENTRIES = 1000  # entries of a counterexample's array given in full, at most
FIRST_ENTRIES = 8  # entries given of a larger one (a layer's real size), with its shape


def counterexample(sizes, inputs, functions, expected, got, differs) -> dict:
    """The JSON form of a counterexample: plain numbers, nested lists (:func:`shown`)."""
    return {
        "sizes": dict(sizes),
        "inputs": {name: shown(value) for name, value in inputs.items()},
        "functions": {name: f.describe() for name, f in functions.items()},
        "expected": shown(expected),
        "got": shown(got),
        "differs": [list(p) for p in differs],
    }


def shown(array):
    """:func:`plain` of an array of at most :data:`SHOWN_ENTRIES` entries; of a larger one
    (a layer's real size: 10⁶ entries would be megabytes of text, and seconds to write),
    ``{"shape": [...], "entries": N, "first": [...]}``: its shape, its number of entries
    and the first :data:`FIRST_ENTRIES` of them in row-major order (the same run, with the
    same seed, draws the rest again)."""
    array = np.asarray(array)
    if array.size <= SHOWN_ENTRIES:
        return plain(array)
    return {"shape": list(array.shape), "entries": int(array.size),
            "first": plain(np.ravel(array)[:FIRST_ENTRIES])}


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


def brief(value, limit: int):
    """A value of :func:`shown` with at most ``limit`` entries as it is; a larger one as
    :func:`shown` gives an array past :data:`SHOWN_ENTRIES` (what a report prints of an
    array at a layer's real size)."""
    if not isinstance(value, list):
        return value
    flat = _flat(value)
    if len(flat) <= limit:
        return value
    shape = []
    while isinstance(value, list):
        shape.append(len(value))
        value = value[0] if value else None
    return {"shape": shape, "entries": len(flat), "first": flat[:FIRST_ENTRIES]}


def _flat(value) -> list:
    return [x for v in value for x in _flat(v)] if isinstance(value, list) else [value]


WRITTEN_ENTRIES = 64  # entries of an array a report writes out in full, at most


def written(value) -> str:
    """A value of :func:`shown` as a report's text: numbers and nested lists as they are,
    an array of more than :data:`WRITTEN_ENTRIES` entries as its first entries and what it
    is."""
    value = brief(value, WRITTEN_ENTRIES)
    if isinstance(value, dict):  # (a large array, at a layer's real size)
        first = ", ".join(written(v) for v in value["first"])
        shape = value["shape"]
        kind = "a vector" if len(shape) == 1 else \
            f"a {' x '.join(str(d) for d in shape)} array, row by row"
        rest = "--json gives them all" if value["entries"] <= SHOWN_ENTRIES else \
            "the same seed draws them all again"
        return (f"[{first}, ...] ({kind}: the first {len(value['first'])} of "
                f"{value['entries']:,} entries; {rest})")
    if isinstance(value, list):
        return "[" + ", ".join(written(v) for v in value) + "]"
    return str(value)
