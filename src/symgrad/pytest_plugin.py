"""pytest plugin: claim files under a ``derivations/`` folder become test items.

Each ``*.toml`` file inside a folder named ``derivations`` is collected as a
file of items, one per claim.  An item passes when its claim is ``proved`` or
``verified`` and fails otherwise, with symgrad's own report (counterexample
or error message) instead of a traceback.  The CLI and the plugin both call
:func:`symgrad.run.results`, so they cannot disagree (each claim in a worker process with
hard time and memory limits, so no timer of symgrad's ever runs in pytest's process).
Registered through the ``pytest11`` entry point; cheap to import (symgrad's engine loads only
when a claim file is collected).
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser):
    group = parser.getgroup("symgrad", "symgrad derivation checks")
    group.addoption("--symgrad-seed", type=int, default=0,
                    help="seed of symgrad's random checks (default 0)")
    group.addoption("--symgrad-timeout", type=float, default=30.0,
                    help="symgrad's time limit per claim in seconds (default 30)")


def pytest_collect_file(file_path, parent):
    if file_path.suffix == ".toml" and "derivations" in file_path.parent.parts:
        return DerivationFile.from_parent(parent, path=file_path)
    return None


class DerivationFile(pytest.File):
    def collect(self):
        from .language.files import load

        model = load(self.path, display=self.nodeid)
        if model.error and not model.claims:
            yield ClaimItem.from_parent(self, name="(file)", model=model, claim=None)
            return
        for claim in model.claims:
            yield ClaimItem.from_parent(self, name=claim.name, model=model, claim=claim)


class ClaimFailed(Exception):
    """A claim whose verdict is not proved or verified."""

    def __init__(self, result):
        super().__init__(result.verdict)
        self.result = result


class ClaimItem(pytest.Item):
    def __init__(self, *, model, claim, **kwargs):
        super().__init__(**kwargs)
        self.model = model
        self.claim = claim

    def runtest(self):
        from .run import results

        config = self.config
        item = self.model if self.claim is None else (self.model, self.claim)
        [result] = results([item], seed=config.getoption("symgrad_seed"),
                           timeout=config.getoption("symgrad_timeout"), jobs=1)
        if not result.ok:
            raise ClaimFailed(result)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, ClaimFailed):
            from .output.report import describe

            return describe(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        line = (self.claim.line - 1) if self.claim and self.claim.line else 0
        kind = self.claim.kind if self.claim else "file"
        return self.path, line, f"{kind} claim {self.name}"
