"""Fuzz symgrad the way a teaching assistant meets it: thousands of generated claim files in
one folder, checked by the command.

    python benchmarks/fuzz.py [FILES] [--timeout S] [--seed N] [--keep DIR]

Writes FILES claim files (tests/fuzzing.py's grammar: the vocabulary mixed with junk), runs
``symgrad check --jsonl`` over the folder, and reports: tracebacks on stderr, results that
say "a bug", verdicts outside the documented set, memory-limit results, the worst overrun
of a claim past its time limit, and the verdict counts.  Exit status 1 if any problem.
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.fuzzing import claim_files  # noqa: E402

VERDICTS = {"proved", "verified", "refuted", "undecided", "error"}


def write_files(folder: Path, count: int, seed: int) -> None:
    written = []

    @settings(max_examples=count, deadline=None, database=None, derandomize=seed == 0,
              suppress_health_check=list(HealthCheck))
    @given(claim_files())
    def write(text):
        path = folder / f"f{len(written):05d}.toml"
        path.write_text(text, encoding="utf-8")
        written.append(path)

    write()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", type=int, nargs="?", default=3000)
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0, help="0: hypothesis derandomized")
    parser.add_argument("--keep", type=Path, help="write the files here and keep them")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="symgrad-fuzz-"))
    folder.mkdir(parents=True, exist_ok=True)
    write_files(folder, args.files, args.seed)
    files = sorted(folder.glob("*.toml"))
    started = time.perf_counter()
    run = subprocess.run([sys.executable, "-m", "symgrad", "check", "--jsonl", "--timeout",
                          str(args.timeout), str(folder)], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    results = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    (folder / "results.jsonl").write_text(run.stdout)  # for a closer look
    (folder / "stderr.txt").write_text(run.stderr)
    verdicts = collections.Counter(r["verdict"] for r in results)
    bugs = [r for r in results if "a bug" in r["reason"]]
    memory = [r for r in results if "memory limit" in r["reason"]]
    odd = [r for r in results if r["verdict"] not in VERDICTS]
    worst = max(results, key=lambda r: r["seconds"], default=None)
    overrun = worst["seconds"] - args.timeout if worst else 0.0
    tracebacks = run.stderr.count("Traceback")
    print(f"{len(files)} files, {len(results)} results in {seconds:.0f} s "
          f"(exit status {run.returncode}); verdicts: {dict(verdicts)}")
    print(f"tracebacks: {tracebacks}; bug results: {len(bugs)}; memory limit: {len(memory)}; "
          f"verdicts outside the set: {len(odd)}")
    if worst:
        print(f"slowest claim: {worst['seconds']:.2f} s ({worst['file']}::{worst['claim']}), "
              f"{max(overrun, 0):.2f} s past the limit of {args.timeout:g} s")
    for r in bugs[:10]:
        print(f"  bug: {r['file']}::{r['claim']}: {r['reason'][:300]}")
    if tracebacks:
        print(run.stderr[-3000:])
    print(f"files in {folder}")
    return 1 if tracebacks or bugs or odd or overrun > 2 else 0


if __name__ == "__main__":
    sys.exit(main())
