"""Times the CLV fit (BG/NBD + Gamma-Gamma + 12-month predictions), for BENCHMARKS.md.

    python -m orchestration.lib.clv_benchmark --customers 100000 [--profile demo]
    python -m orchestration.lib.clv_benchmark --warehouse   # $CX_WAREHOUSE's summary

The synthetic population is drawn from the BG/NBD and Gamma-Gamma processes themselves (CDNOW
parameters by default), so the recovered parameters are a check on the fit as well.
"""

import argparse
import resource
import sys
import time
from dataclasses import dataclass

import duckdb
import numpy as np

from orchestration.lib.clv_models import fit_and_predict
from orchestration.settings import get_settings

# Published CDNOW values (docs/metrics.md): the default population to simulate.
CDNOW_BG_NBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
CDNOW_GAMMA_GAMMA = {"p": 6.2488, "q": 3.7446, "v": 15.4477}
# Frequent buyers over three years: the BG/NBD fit of the 5 000-customer demo data.
PROFILES = {
    "cdnow": {"bg_nbd": CDNOW_BG_NBD, "t_range": (27.0, 39.0)},
    "demo": {
        "bg_nbd": {"r": 1.498, "alpha": 9.658, "a": 0.2454, "b": 14.91},
        "t_range": (0.0, 156.0),
    },
}


@dataclass(frozen=True)
class Summary:
    frequency: np.ndarray
    recency: np.ndarray
    t: np.ndarray
    mean_repeat_value: np.ndarray  # NaN without a repeat purchase
    mean_purchase_value: np.ndarray


def simulate_summary(
    n: int,
    *,
    seed: int = 1,
    t_range: tuple[float, float] = (27.0, 39.0),
    bg_nbd: dict[str, float] | None = None,
    gamma_gamma: dict[str, float] | None = None,
) -> Summary:
    """An RFM summary (weeks) of n customers simulated from BG/NBD and Gamma-Gamma."""
    bg = bg_nbd or CDNOW_BG_NBD
    gg = gamma_gamma or CDNOW_GAMMA_GAMMA
    rng = np.random.default_rng(seed)
    rate = rng.gamma(bg["r"], 1.0 / bg["alpha"], n)
    drop = rng.beta(bg["a"], bg["b"], n)
    big_t = rng.uniform(*t_range, n)
    x, tx, now = np.zeros(n), np.zeros(n), np.zeros(n)
    active = np.arange(n)
    # Repeat purchases arrive as a Poisson process; after each one the customer leaves with
    # probability p. Only the customers still buying are stepped.
    while active.size:
        now[active] += rng.exponential(1.0 / rate[active])
        bought = active[now[active] <= big_t[active]]
        x[bought] += 1
        tx[bought] = now[bought]
        active = bought[rng.random(bought.size) >= drop[bought]]
    # Gamma-Gamma: a customer's mean of k purchase values ~ Gamma(p k, rate nu k).
    nu = rng.gamma(gg["q"], 1.0 / gg["v"], n)
    repeat = np.maximum(x, 1)
    mean_repeat = rng.gamma(gg["p"] * repeat, 1.0 / (nu * repeat))
    mean_all = rng.gamma(gg["p"] * (x + 1), 1.0 / (nu * (x + 1)))
    return Summary(x, tx, big_t, np.where(x > 0, mean_repeat, np.nan), mean_all)


def warehouse_summary() -> Summary:
    """The purchase summary dbt built in $CX_WAREHOUSE (read-only)."""
    con = duckdb.connect(str(get_settings().warehouse), read_only=True)
    try:
        rows = con.sql(
            "select frequency, recency_weeks, t_weeks, mean_repeat_value, mean_purchase_value "
            "from intermediate.int_customers__purchase_summary order by customer_id"
        ).fetchnumpy()
    finally:
        con.close()
    cols = [np.asarray(rows[k], dtype=float) for k in rows]
    return Summary(*cols)


def time_fit(summary: Summary, repeats: int = 3) -> tuple[float, object]:
    """Best wall-clock seconds of `repeats` full fits + predictions, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        result = fit_and_predict(
            summary.frequency,
            summary.recency,
            summary.t,
            summary.mean_repeat_value,
            summary.mean_purchase_value,
        )
        best = min(best, time.perf_counter() - started)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--customers", type=int, default=100_000, help="simulate this many")
    source.add_argument("--warehouse", action="store_true", help="use $CX_WAREHOUSE's summary")
    parser.add_argument(
        "--profile", choices=sorted(PROFILES), default="cdnow", help="population to simulate"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="report the best of this many")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    summary = (
        warehouse_summary()
        if args.warehouse
        else simulate_summary(args.customers, seed=args.seed, **PROFILES[args.profile])
    )
    prepared = time.perf_counter() - started
    seconds, result = time_fit(summary, args.repeats)
    bg, gg = result.bg_nbd, result.gamma_gamma
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    lines = [
        f"summary: {'warehouse' if args.warehouse else 'simulated ' + args.profile}, "
        f"{bg.n_customers} customers ({bg.n_repeat_customers} repeat), ready in {prepared:.2f} s",
        f"fit + 12-month predictions: best of {args.repeats}: {seconds:.2f} s, "
        f"peak RSS {peak_mb:.0f} MB",
        f"BG/NBD r {bg.r:.4f} alpha {bg.alpha:.4f} a {bg.a:.4f} b {bg.b:.4f} "
        f"(LL {bg.log_likelihood:.1f}, {bg.iterations} iterations)",
        f"Gamma-Gamma p {gg.p:.4f} q {gg.q:.4f} v {gg.v:.4f}"
        if gg
        else f"Gamma-Gamma not used ({result.value_model}): {result.fallback_reason}",
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
