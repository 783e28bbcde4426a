"""The `symgrad` command: check, list, --version."""

from __future__ import annotations

import argparse
import sys
import time

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symgrad",
        description="Check hand-derived matrix-calculus claims: a SymPy proof and an "
                    "independent numeric cross-check.")
    parser.add_argument("--version", action="version", version=f"symgrad {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="decide every claim (default: the built-ins)")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="claim files or folders of them (default: the built-in derivations)")
    check.add_argument("--json", action="store_true", help="print a JSON array of results")
    check.add_argument("--seed", type=int, default=None,
                       help="seed of the random checks (default 0: runs are reproducible)")
    check.add_argument("--timeout", type=float, default=None, metavar="S",
                       help="time limit per claim in seconds (default 30)")

    listing = commands.add_parser("list", help="list the claims with their titles and kinds")
    listing.add_argument("paths", nargs="*", metavar="PATH")
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `symgrad list | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130


def _main(argv: list[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        _parser().print_help()
        return 0
    if args.command == "list":
        return _list(args.paths)
    return _check(args)


def _check(args) -> int:
    from . import report
    from .decide import DEFAULT_SEED, DEFAULT_TIMEOUT, check

    if args.timeout is not None and args.timeout <= 0:
        print("symgrad: --timeout must be a positive number of seconds", file=sys.stderr)
        return 2
    start = time.perf_counter()
    results = []
    seed = DEFAULT_SEED if args.seed is None else args.seed
    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    targets = args.paths or [None]
    for target in targets:
        for result in check(target, seed=seed, timeout=timeout):
            results.append(result)
            if not args.json:
                print(report.describe(result), flush=True)
    if args.json:
        print(report.to_json(results))
    else:
        print(report.summary(results, time.perf_counter() - start))
    return report.exit_status(results)


def _list(paths) -> int:
    from .decide import builtin_folder, claim_files, load

    status = 0
    for path in claim_files(paths or [builtin_folder()]):
        model = load(path, display=None if paths else f"derivations/{path.name}")
        print(f"{model.path}: {model.title or '(no title)'}")
        if model.error:
            print(f"  error: {model.error.describe()}")
            status = 2
        for claim in model.claims:
            print(f"  {claim.name:<28} {claim.kind}")
            if claim.error and not model.error:
                print(f"    error: {claim.error.describe()}")
                status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
