"""Johnson (2000) relative weights with numpy only: how much of R² each predictor carries.

Ordinary regression coefficients split R² badly when drivers correlate (they always do in
surveys: a customer who likes the service tends to like the price a little more too). Johnson's
method regresses the outcome on the orthogonal counterpart of the predictors instead and maps
the result back, so every driver gets a non-negative share and the shares sum to R² exactly.
It gives the same numbers as R's `rwa` package (docs/metrics.md "Key drivers" reference).
"""

from dataclasses import dataclass

import numpy as np


class RelativeWeightsError(ValueError):
    """The data cannot give trustworthy relative weights; the message names the problem.

    `reason` is a short stable code (too_few_rows, nan_input, constant_outcome,
    constant_predictor, collinear_predictors, zero_r_squared, bad_shape) that a table can store
    as fit_status.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class RelativeWeights:
    """Raw weights (same order as the predictors), their sum R², and the number of rows."""

    raw_weights: np.ndarray
    r_squared: float
    n: int

    @property
    def rescaled_pct(self) -> np.ndarray:
        """Each predictor's share of R² in percent (sums to 100)."""
        return self.raw_weights / self.r_squared * 100.0


def _validate(x: np.ndarray, y: np.ndarray, names: list[str]) -> None:
    if x.ndim != 2 or y.ndim != 1 or x.shape[0] != y.shape[0]:
        raise RelativeWeightsError(
            "bad_shape",
            f"predictors must be a 2-d array with one row per outcome value; "
            f"got predictors {x.shape} and outcome {y.shape}",
        )
    n, p = x.shape
    if p == 0:
        raise RelativeWeightsError("bad_shape", "no predictors given")
    if len(names) != p:
        raise RelativeWeightsError("bad_shape", f"{len(names)} names for {p} predictors")
    if n < p + 2:
        raise RelativeWeightsError(
            "too_few_rows",
            f"too few rows: {n} rows for {p} predictors; at least {p + 2} are needed",
        )
    if np.isnan(y).any():
        raise RelativeWeightsError("nan_input", f"outcome has {int(np.isnan(y).sum())} NaN values")
    for j, name in enumerate(names):
        missing = int(np.isnan(x[:, j]).sum())
        if missing:
            raise RelativeWeightsError("nan_input", f"predictor {name!r} has {missing} NaN values")
    if np.ptp(y) == 0:
        raise RelativeWeightsError(
            "constant_outcome", f"outcome is constant ({y[0]:g}): nothing to explain"
        )
    for j, name in enumerate(names):
        if np.ptp(x[:, j]) == 0:
            raise RelativeWeightsError(
                "constant_predictor",
                f"predictor {name!r} is constant ({x[0, j]:g}): it has no variance to weigh",
            )


def relative_weights(
    x: np.ndarray, y: np.ndarray, names: list[str] | None = None
) -> RelativeWeights:
    """Johnson's relative weights of the columns of `x` on `y`.

    Steps (Johnson 2000; Tonidandel & LeBreton 2011): with R_xx the predictors' correlation
    matrix = V D Vᵀ, Λ = V √D Vᵀ is the correlation between the predictors and their closest
    orthogonal counterparts; β = Λ⁻¹ r_xy regresses the outcome on those counterparts; each raw
    weight is Σ_k Λ_jk² β_k², and they sum to R² = r_xyᵀ R_xx⁻¹ r_xy.

    Raises RelativeWeightsError for fewer rows than predictors + 2, NaN input, a
    constant predictor or outcome, predictors so collinear that R_xx is singular, or R² = 0
    (nothing to share out).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    names = names if names is not None else [f"x{j + 1}" for j in range(x.shape[1])]
    _validate(x, y, names)
    n = x.shape[0]
    # Standardising first keeps the correlations exact even for prices in the thousands.
    zx = (x - x.mean(axis=0)) / x.std(axis=0)
    zy = (y - y.mean()) / y.std()
    r_xx = zx.T @ zx / n
    r_xy = zx.T @ zy / n
    eigenvalues, vectors = np.linalg.eigh(r_xx)
    if eigenvalues.min() <= 1e-10 * max(eigenvalues.max(), 1.0):
        raise RelativeWeightsError(
            "collinear_predictors",
            "predictors are perfectly collinear (their correlation matrix is singular): "
            "drop or merge the redundant ones",
        )
    lam = vectors @ np.diag(np.sqrt(eigenvalues)) @ vectors.T
    beta = np.linalg.solve(lam, r_xy)
    raw = (lam**2) @ (beta**2)
    r_squared = float(raw.sum())
    if r_squared < 1e-12:
        raise RelativeWeightsError(
            "zero_r_squared",
            "the predictors explain none of the outcome (R² = 0): shares of R² are undefined",
        )
    return RelativeWeights(raw_weights=raw, r_squared=r_squared, n=n)
