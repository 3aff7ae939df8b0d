"""Beta CDF and quantiles without SciPy, checked against numerical integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgegym.curricula.beta import beta_cdf, beta_quantile


def integrated_cdf(x: float, a: float, b: float) -> float:
    """An independent oracle: the Beta density integrated with Simpson's rule on a fine grid."""
    grid = np.linspace(0.0, x, 200_001)[1:-1]
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    density = np.exp(log_norm + (a - 1) * np.log(grid) + (b - 1) * np.log1p(-grid))
    return float(np.trapezoid(density, grid))


@pytest.mark.parametrize(
    ("x", "a", "b"),
    [(0.5, 2.0, 2.0), (0.9, 60.0, 4.0), (0.3, 1.0, 1.0), (0.05, 3.0, 40.0), (0.95, 200.0, 5.0)],
)
def test_cdf_matches_integration(x: float, a: float, b: float) -> None:
    assert beta_cdf(x, a, b) == pytest.approx(integrated_cdf(x, a, b), abs=1e-4)


def test_cdf_known_values() -> None:
    assert beta_cdf(0.3, 1.0, 1.0) == pytest.approx(0.3)  # uniform
    assert beta_cdf(0.5, 7.0, 7.0) == pytest.approx(0.5)  # symmetric
    assert beta_cdf(0.5, 2.0, 1.0) == pytest.approx(0.25)  # density 2x
    assert beta_cdf(0.0, 2.0, 3.0) == 0.0 and beta_cdf(1.0, 2.0, 3.0) == 1.0


@settings(max_examples=200, deadline=None)
@given(
    q=st.floats(0.001, 0.999),
    a=st.floats(0.5, 3000.0),
    b=st.floats(0.5, 3000.0),
)
def test_quantile_inverts_cdf(q: float, a: float, b: float) -> None:
    x = beta_quantile(q, a, b)
    assert 0.0 <= x <= 1.0
    assert beta_cdf(x, a, b) == pytest.approx(q, abs=1e-7)


@settings(max_examples=100, deadline=None)
@given(
    a=st.floats(0.5, 500.0), b=st.floats(0.5, 500.0), x=st.floats(0.0, 1.0), y=st.floats(0.0, 1.0)
)
def test_cdf_is_monotone(a: float, b: float, x: float, y: float) -> None:
    lo, hi = sorted((x, y))
    assert beta_cdf(lo, a, b) <= beta_cdf(hi, a, b) + 1e-12


def test_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        beta_cdf(0.5, 0.0, 1.0)
    with pytest.raises(ValueError):
        beta_quantile(1.5, 1.0, 1.0)
