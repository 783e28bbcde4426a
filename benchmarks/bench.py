"""Measure symgrad's speed: per-claim times of both paths, and cold command runs.

    python benchmarks/bench.py            # all built-in derivations
    python benchmarks/bench.py FILE ...   # other claim files

Prints, per claim, the seconds spent in the symbolic path, the index path (every size
at once), the numeric path and (for refutations) the exact confirmation, and the claim's
scope; then the wall time of cold `symgrad check` runs (a fresh interpreter each, imports
included) over all built-ins and over one small file, and of `symgrad derive` (every
gradient, jacobian, backprop and hessian built-in asked as a question, derived and
checked).  Numbers, not assertions: the budget in the core issue is < 10 s for
all built-ins and < 2 s for one small file.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import symgrad
from symgrad.language.files import builtin_folder


def cold(args: list[str], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "symgrad", *args], capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(paths: list[str]) -> None:
    targets = paths or [None]
    rows = []
    start = time.perf_counter()
    for target in targets:
        rows.extend(symgrad.check(target))
    total = time.perf_counter() - start
    print(f"{'claim':58} {'verdict':9} {'symbolic':>9} {'index':>7} {'numeric':>8} "
          f"{'confirm':>8}  scope")
    for r in rows:
        t = r.timings
        print(f"{(r.file + '::' + r.claim)[:58]:58} {r.verdict:9} {t.get('symbolic', 0):9.3f} "
              f"{t.get('index', 0):7.3f} {t.get('numeric', 0):8.3f} {t.get('confirm', 0):8.3f}"
              f"  {r.scope[:30]}")
    symbolic, index, numeric = (sum(r.timings.get(path, 0) for r in rows)
                                for path in ("symbolic", "index", "numeric"))
    every = sum(r.scope == "all sizes" for r in rows)
    print(f"\n{len(rows)} claims in {total:.2f}s warm (symbolic {symbolic:.2f}s, index "
          f"{index:.2f}s, numeric {numeric:.2f}s); {every} proved for all sizes")
    if not paths:
        small = builtin_folder() / "trace.toml"
        print(f"cold `symgrad check` (all built-ins): {cold(['check']):.2f}s (median of 3)")
        print(f"cold `symgrad check --jobs 1` (all built-ins): "
              f"{cold(['check', '--jobs', '1']):.2f}s")
        print(f"cold `symgrad check {small.name}`: {cold(['check', str(small)]):.2f}s")
        print(f"cold `symgrad --version`: {cold(['--version']):.2f}s")
        print(f"cold `symgrad derive` (all built-in questions): {cold(['derive']):.2f}s")
        print(f"derivation alone (no checking): {_derivation_times():.2f}s over the built-in "
              "questions")
    else:
        print(f"cold `symgrad check {' '.join(paths)}`: {cold(['check', *paths]):.2f}s")


def _derivation_times() -> float:
    from symgrad.derivation.reverse import QUESTIONS, derive
    from symgrad.derivation.trees import CannotDerive
    from symgrad.language.files import claim_files, load

    start = time.perf_counter()
    for path in claim_files([builtin_folder()]):
        model = load(path)
        for claim in model.claims:
            if claim.kind in QUESTIONS:
                try:
                    derive(model, claim)
                except CannotDerive:  # a strided convolution's backward pass, say
                    pass
    return time.perf_counter() - start


if __name__ == "__main__":
    main([str(Path(p)) for p in sys.argv[1:]])
