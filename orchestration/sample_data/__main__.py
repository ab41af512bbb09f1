"""Command line for the sample-data generator: python -m orchestration.sample_data --out DIR."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from pathlib import Path

from .generator import generate
from .scale import PRESETS, generate_scale

DEFAULT_CUSTOMERS = 5000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.sample_data",
        description="Write deterministic sample CX exports (surveys, CRM, orders, churn, mystery "
        "shopping, lost deals).",
    )
    parser.add_argument("--out", type=Path, required=True, help="inbox folder to write into")
    parser.add_argument("--customers", type=int, default=DEFAULT_CUSTOMERS)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--start-quarter", default="2023-Q1")
    parser.add_argument("--quarters", type=int, default=12)
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="multiplies the customer count (and so all rows but the fixed-size mystery "
        "shopping programme)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="benchmark volumes drawn with numpy (scale.py): large = 1 M customers, 10 M "
        "answers, 20 M orders, 300 k churn events over 12 quarters; small = 1/20 of that. "
        "--customers and --scale do not apply",
    )
    parser.add_argument(
        "--append-quarter",
        action="store_true",
        help="with --preset: write only the files that a run over --quarters + 1 quarters adds "
        "to one over --quarters (the next quarter's answers, its year's orders and churn, the "
        "CRM snapshot at its end), into an inbox that already holds the others",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.preset:
        return _scale(parser, args)
    if args.append_quarter:
        parser.error("--append-quarter needs --preset")

    customers = max(10, round(args.customers * args.scale))
    return _write(
        parser,
        args.out,
        f"for {customers} customers",
        lambda: generate(
            args.out,
            customers=customers,
            seed=args.seed,
            start_quarter=args.start_quarter,
            quarters=args.quarters,
        ),
    )


def _scale(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    quarters = args.quarters + (1 if args.append_quarter else 0)
    return _write(
        parser,
        args.out,
        f"(preset {args.preset})",
        lambda: generate_scale(
            args.out,
            preset=args.preset,
            seed=args.seed,
            start_quarter=args.start_quarter,
            quarters=quarters,
            write_from=args.quarters if args.append_quarter else 0,
        ),
    )


def _write(
    parser: argparse.ArgumentParser, out: Path, what: str, write: Callable[[], dict[str, int]]
) -> int:
    """Run one generator, turn its ValueError into a usage error, print rows and time."""
    started = time.perf_counter()
    try:
        written = write()
    except ValueError as error:
        parser.error(str(error))
    elapsed = time.perf_counter() - started
    summary = ", ".join(f"{source} {rows}" for source, rows in written.items())
    print(f"wrote {summary} rows {what} to {out} in {elapsed:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
