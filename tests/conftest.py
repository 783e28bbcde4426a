"""Fixtures shared by the tests."""

from __future__ import annotations

import textwrap

import pytest

# SymPy is loaded once, before pytester's in-process runs snapshot the modules: a SymPy first
# imported inside one of them is dropped after it, and a second copy (other classes) would
# then meet objects of the first.
import sympy  # noqa: F401


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> path of a dedented file under tmp_path."""
    def _write(name: str, text: str):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return _write
