"""BG/NBD and Gamma-Gamma customer-lifetime models: maximum-likelihood fits and predictions.

The published likelihoods (Fader, Hardie & Lee 2005 for BG/NBD; Fader, Hardie & Berger 2004
for Gamma-Gamma) are maximised with scipy on log-parameters, with analytic gradients. Inputs are
the usual RFM summary in one time unit (weeks here): frequency = repeat purchase days, recency =
first to last purchase, T = first purchase to the end of the calibration period.

A fit that cannot be trusted raises ClvFitError with the reason (a message and a short code);
predictions are checked to be finite, so a bad fit never turns into NaN rows. What the caller
does then is its choice: the asset (clv.py) publishes the historical fallback instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

log = logging.getLogger(__name__)

# 365.25 / 12 / 7: a calendar month in weeks (the horizon and the discounting are monthly).
WEEKS_PER_MONTH = 365.25 / 12 / 7
# Fewer repeat customers than this cannot pin down four (or three) parameters.
MIN_REPEAT_CUSTOMERS = 30
# Log-parameters beyond this (a parameter below 1e-9 or above 1e9) mean a degenerate fit.
MAX_ABS_LOG_PARAM = 20.7
# Convergence is judged on the scale of the objective (the mean negative log-likelihood per
# customer, |f| ~ 5-50 on weekly data), never on a fixed absolute gradient: the optimiser's
# own stop on the relative reduction of f (ftol 1e-14) is accepted when the largest gradient
# per log-parameter is below CONVERGED_GRADIENT * max(1, |f|); any other stop (a line search
# that ran out of precision at the optimum, the iteration limit) is accepted only when it is
# below STATIONARY_GRADIENT * max(1, |f|). A gradient of 1e-4 on an f of 30 moves the total
# log-likelihood of a few thousand customers by far less than 0.01 at the optimum.
CONVERGED_GRADIENT = 1e-3
STATIONARY_GRADIENT = 1e-5

VALUE_MODEL_GAMMA_GAMMA = "gamma_gamma"
VALUE_MODEL_HISTORICAL_MEAN = "historical_mean"

# ClvFitError.reason codes: the asset stores them and the report explains each one.
REASON_BAD_INPUT = "bad_input"
REASON_NO_CUSTOMERS = "no_customers"
REASON_TOO_FEW_REPEAT = "too_few_repeat_customers"
REASON_NOT_CONVERGED = "not_converged"
REASON_BOUNDARY = "parameters_at_boundary"
REASON_UNBOUNDED_SPEND = "unbounded_spend"
REASON_NON_FINITE = "non_finite_predictions"


class ClvFitError(RuntimeError):
    """A fit that cannot be trusted: too little data, bad input or no convergence.

    `reason` is one of the REASON_* codes: a stable value a table can store and a report can
    explain; the message says the details (parameters, counts, the optimiser's message).
    """

    def __init__(self, message: str, reason: str = REASON_BAD_INPUT) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    n_repeat_customers: int
    iterations: int


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    log_likelihood: float
    n_customers: int
    iterations: int


@dataclass(frozen=True)
class ClvResult:
    """Both fits and one prediction per input customer (arrays in input order)."""

    bg_nbd: BgNbdParams
    gamma_gamma: GammaGammaParams | None  # None when the documented fallback was used
    value_model: str  # VALUE_MODEL_GAMMA_GAMMA or VALUE_MODEL_HISTORICAL_MEAN
    fallback_reason: str | None  # the Gamma-Gamma error's message, None when it was used
    fallback_code: str | None  # its ClvFitError.reason
    probability_alive: np.ndarray
    expected_purchases: np.ndarray  # over the horizon
    expected_order_value: np.ndarray
    expected_revenue: np.ndarray  # undiscounted, over the horizon
    clv: np.ndarray  # discounted monthly, times the margin


def _as_summary(
    frequency: np.ndarray, recency: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, tx, big_t = (np.asarray(v, dtype=float) for v in (frequency, recency, t))
    if not (x.shape == tx.shape == big_t.shape) or x.ndim != 1:
        raise ClvFitError("frequency, recency and T must be 1-d arrays of one length")
    if x.size == 0:
        raise ClvFitError(
            "the customer summary is empty: no customer has a purchase", REASON_NO_CUSTOMERS
        )
    problems = []
    if not np.all(np.isfinite(x) & np.isfinite(tx) & np.isfinite(big_t)):
        problems.append("non-finite values")
    if np.any(x < 0) or np.any(x != np.round(x)):
        problems.append("frequency must be a whole number >= 0")
    if np.any(tx < 0) or np.any(tx > big_t):
        problems.append("recency must lie in [0, T]")
    if np.any((x == 0) & (tx != 0)):
        problems.append("recency must be 0 when frequency is 0")
    if problems:
        raise ClvFitError("bad customer summary: " + "; ".join(problems))
    return x, tx, big_t


def _maximise(
    objective: Callable[[np.ndarray], tuple[float, np.ndarray]],
    n_params: int,
    model: str,
    max_iterations: int,
) -> tuple[np.ndarray, float, int]:
    """Minimise a mean negative log-likelihood over log-parameters; raise unless it converged."""
    with np.errstate(all="ignore"):
        result = optimize.minimize(
            objective,
            x0=np.zeros(n_params),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": max_iterations, "ftol": 1e-14, "gtol": 1e-9},
        )
        gradient = objective(result.x)[1]
    largest_gradient = float(np.max(np.abs(gradient))) if np.all(np.isfinite(gradient)) else np.inf
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise ClvFitError(
            f"{model} fit did not converge: the likelihood became non-finite", REASON_NOT_CONVERGED
        )
    if np.any(np.abs(result.x) > MAX_ABS_LOG_PARAM):
        raise ClvFitError(
            f"{model} fit is degenerate: parameters {np.round(np.exp(result.x), 6).tolist()} "
            "ran to the edge of the parameter space",
            REASON_BOUNDARY,
        )
    scale = max(1.0, abs(float(result.fun)))
    tolerance = (CONVERGED_GRADIENT if result.success else STATIONARY_GRADIENT) * scale
    if largest_gradient > tolerance:
        raise ClvFitError(
            f"{model} fit did not converge after {result.nit} iterations "
            f"(largest gradient {largest_gradient:.2e}, tolerance {tolerance:.2e}): "
            f"{result.message}",
            REASON_NOT_CONVERGED,
        )
    return np.exp(result.x), float(result.fun), int(result.nit)


def _bg_nbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, tx: np.ndarray, big_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and its gradient w.r.t. (r, alpha, a, b), shape (4, n)."""
    r, alpha, a, b = params
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1, 1.0)
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (
        special.gammaln(a + b)
        + special.gammaln(b + x)
        - special.gammaln(b)
        - special.gammaln(a + b + x)
    )
    a3 = -(r + x) * np.log(alpha + big_t)
    a4 = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * np.log(alpha + tx), -np.inf)
    tail = np.logaddexp(a3, a4)
    # Weight of "dropped out right after the last purchase" in the mixture; 0 when x = 0.
    w4 = np.exp(a4 - tail)
    w3 = 1.0 - w4
    digamma = special.digamma
    grad = np.stack(
        [
            digamma(r + x)
            - digamma(r)
            + np.log(alpha)
            - w3 * np.log(alpha + big_t)
            - w4 * np.log(alpha + tx),
            r / alpha - (r + x) * (w3 / (alpha + big_t) + w4 / (alpha + tx)),
            digamma(a + b) - digamma(a + b + x) + w4 / a,
            digamma(a + b) + digamma(b + x) - digamma(b) - digamma(a + b + x) - w4 / b_x1,
        ]
    )
    return a1 + a2 + tail, grad


def fit_bg_nbd(
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
    *,
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
    max_iterations: int = 1000,
) -> BgNbdParams:
    """Maximum-likelihood BG/NBD parameters (r, alpha, a, b) for an RFM summary."""
    x, tx, big_t = _as_summary(frequency, recency, t)
    n_repeat = int(np.count_nonzero(x > 0))
    if n_repeat < min_repeat_customers:
        raise ClvFitError(
            f"BG/NBD needs at least {min_repeat_customers} customers with a repeat purchase "
            f"(frequency > 0); the summary has {n_repeat} of {x.size} customers",
            REASON_TOO_FEW_REPEAT,
        )
    # Customers with the same (x, t_x, T) share one likelihood term: evaluate each once.
    rows, weights = np.unique(np.column_stack([x, tx, big_t]), axis=0, return_counts=True)
    ux, utx, ut = rows.T
    weights = weights / x.size

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = _bg_nbd_log_likelihood(params, ux, utx, ut)
        return -float(ll @ weights), -(grad @ weights) * params

    params, mean_nll, iterations = _maximise(objective, 4, "BG/NBD", max_iterations)
    fitted = BgNbdParams(
        *(float(p) for p in params),
        log_likelihood=-mean_nll * x.size,
        n_customers=int(x.size),
        n_repeat_customers=n_repeat,
        iterations=iterations,
    )
    log.info("BG/NBD fit: %s", fitted)
    return fitted


def _gamma_gamma_log_likelihood(
    params: np.ndarray, x: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer log-likelihood and its gradient w.r.t. (p, q, v), shape (3, n)."""
    p, q, v = params
    px = p * x
    log_xm_v = np.log(x * m + v)
    ll = (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_xm_v
    )
    digamma = special.digamma
    grad = np.stack(
        [
            x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_xm_v),
            digamma(px + q) - digamma(q) + np.log(v) - log_xm_v,
            q / v - (px + q) / (x * m + v),
        ]
    )
    return ll, grad


def fit_gamma_gamma(
    frequency: np.ndarray,
    mean_repeat_value: np.ndarray,
    *,
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
    max_iterations: int = 1000,
) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma parameters (p, q, v) on repeat customers only."""
    x_all = np.asarray(frequency, dtype=float)
    m_all = np.asarray(mean_repeat_value, dtype=float)
    repeat = x_all > 0
    x, m = x_all[repeat], m_all[repeat]
    if x.size < min_repeat_customers:
        raise ClvFitError(
            f"Gamma-Gamma needs at least {min_repeat_customers} customers with a repeat "
            f"purchase; the summary has {x.size}",
            REASON_TOO_FEW_REPEAT,
        )
    if not np.all(np.isfinite(m) & (m > 0)):
        raise ClvFitError("Gamma-Gamma needs a positive mean repeat purchase value per customer")

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = _gamma_gamma_log_likelihood(params, x, m)
        return -float(ll.mean()), -grad.mean(axis=1) * params

    (p, q, v), mean_nll, iterations = _maximise(objective, 3, "Gamma-Gamma", max_iterations)
    if q <= 1:
        raise ClvFitError(
            f"Gamma-Gamma q = {q:.4f} <= 1: the expected spend is unbounded",
            REASON_UNBOUNDED_SPEND,
        )
    fitted = GammaGammaParams(
        float(p), float(q), float(v), -mean_nll * x.size, int(x.size), iterations
    )
    log.info("Gamma-Gamma fit: %s", fitted)
    return fitted


def probability_alive(
    params: BgNbdParams, frequency: np.ndarray, recency: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """P(still a customer at T | x, t_x, T); 1 for customers without a repeat purchase."""
    x, tx, big_t = _as_summary(frequency, recency, t)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    repeat = x > 0
    # Log-odds of having dropped out; computed in logs so heavy buyers do not overflow.
    log_odds = np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0))
    log_odds += (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
    return np.where(repeat, special.expit(-log_odds), 1.0)


def expected_purchases(
    params: BgNbdParams,
    horizon: float | np.ndarray,
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
) -> np.ndarray:
    """Expected purchases in (T, T + horizon] given the history (conditional expectation).

    Uses Euler's transformation of 2F1(r+x, b+x; a+b+x-1; z), which folds the
    ((alpha+T)/(alpha+T+t))^(r+x) factor into (1-z)^(a-1): no overflow for heavy buyers.
    """
    x, tx, big_t = _as_summary(frequency, recency, t)
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    horizon = np.asarray(horizon, dtype=float)
    z = horizon / (alpha + big_t + horizon)
    hyp = special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    unconditional = (a + b + x - 1) / (a - 1) * (1 - (1 - z) ** (a - 1) * hyp)
    return unconditional * probability_alive(params, x, tx, big_t)


def expected_order_value(
    params: GammaGammaParams, frequency: np.ndarray, mean_repeat_value: np.ndarray
) -> np.ndarray:
    """Gamma-Gamma E(M | x, m): shrinks the customer's mean towards p v / (q - 1)."""
    x = np.asarray(frequency, dtype=float)
    m = np.where(x > 0, np.nan_to_num(np.asarray(mean_repeat_value, dtype=float)), 0.0)
    return params.p * (params.v + x * m) / (params.p * x + params.q - 1)


def fit_and_predict(
    frequency: np.ndarray,
    recency: np.ndarray,
    t: np.ndarray,
    mean_repeat_value: np.ndarray,
    mean_purchase_value: np.ndarray,
    *,
    horizon_months: int = 12,
    monthly_discount_rate: float = 0.01,
    margin: float = 1.0,
    weeks_per_month: float = WEEKS_PER_MONTH,
    min_repeat_customers: int = MIN_REPEAT_CUSTOMERS,
    max_iterations: int = 1000,
) -> ClvResult:
    """Fit both models and predict each customer's value over the horizon (time unit: weeks).

    CLV = margin * sum over months i = 1..H of E(M) * (E[purchases by month i] - E[by i-1])
    / (1 + d)^i (docs/metrics.md). BG/NBD problems raise ClvFitError. A Gamma-Gamma problem (too
    few repeat customers, no convergence, q <= 1) falls back, documented in `value_model`, to
    each customer's own historical mean purchase value (mean_purchase_value).
    """
    if horizon_months < 1 or monthly_discount_rate < 0 or margin < 0:
        raise ClvFitError(
            "horizon_months must be >= 1, monthly_discount_rate and margin must be >= 0"
        )
    x, tx, big_t = _as_summary(frequency, recency, t)
    bg = fit_bg_nbd(
        x, tx, big_t, min_repeat_customers=min_repeat_customers, max_iterations=max_iterations
    )
    try:
        gg = fit_gamma_gamma(
            x,
            mean_repeat_value,
            min_repeat_customers=min_repeat_customers,
            max_iterations=max_iterations,
        )
        value = expected_order_value(gg, x, mean_repeat_value)
        value_model, reason, code = VALUE_MODEL_GAMMA_GAMMA, None, None
    except ClvFitError as exc:
        log.warning("Gamma-Gamma not used, falling back to historical mean values: %s", exc)
        gg, reason, code = None, str(exc), exc.reason
        value = np.asarray(mean_purchase_value, dtype=float)
        value_model = VALUE_MODEL_HISTORICAL_MEAN

    months = np.arange(horizon_months + 1)
    with np.errstate(all="ignore"):
        cumulative = np.stack(
            [expected_purchases(bg, k * weeks_per_month, x, tx, big_t) for k in months[1:]]
        )
        increments = np.diff(np.vstack([np.zeros_like(x), cumulative]), axis=0)
        discount = (1 + monthly_discount_rate) ** -months[1:]
        purchases = cumulative[-1]
        clv = margin * value * (discount @ increments)
        result = ClvResult(
            bg_nbd=bg,
            gamma_gamma=gg,
            value_model=value_model,
            fallback_reason=reason,
            fallback_code=code,
            probability_alive=probability_alive(bg, x, tx, big_t),
            expected_purchases=purchases,
            expected_order_value=value,
            expected_revenue=purchases * value,
            clv=clv,
        )
    bad = {
        name: int(np.count_nonzero(~np.isfinite(getattr(result, name))))
        for name in (
            "probability_alive",
            "expected_purchases",
            "expected_order_value",
            "expected_revenue",
            "clv",
        )
    }
    if any(bad.values()):
        raise ClvFitError(
            "CLV predictions are not finite for some customers "
            f"({', '.join(f'{k}: {v}' for k, v in bad.items() if v)}); no rows written",
            REASON_NON_FINITE,
        )
    return result
