"""Seed x problem intervals: exact where a column is nearly constant, wider when seeds disagree."""

from __future__ import annotations

import numpy as np
import pytest

from edgegym.eval.stats import clopper_pearson, group_rng, hierarchical_interval


def _interval(a: np.ndarray, b: np.ndarray | None = None, seed: int = 0) -> tuple[float, float]:
    d = hierarchical_interval(a, b, n_boot=2000, confidence=0.95, rng=group_rng(seed, "t"))
    assert d.lo <= d.mean <= d.hi
    return d.lo, d.hi


def test_constant_difference_with_few_nonzero_problems_is_not_zero_width() -> None:
    # Both arms solve the same 3 of 150 problems in every seed: the difference column
    # is all 0, and resampling alone would say [0, 0].
    a = np.zeros((3, 150))
    a[:, :3] = 1.0
    d = hierarchical_interval(a, a.copy(), n_boot=2000, confidence=0.95, rng=group_rng(0, "t"))
    assert d.mean == 0.0 and d.method.startswith("exact")
    assert d.lo < -0.01 and d.hi > 0.01
    # All zeros in both arms: the exact bound of 0/150 on each side, about 0.029.
    z = np.zeros((3, 150))
    lo, hi = _interval(z, z)
    assert hi == pytest.approx(1 - 0.0125 ** (1 / 150), rel=1e-3) and lo == pytest.approx(-hi)


def test_interval_widens_when_seeds_disagree() -> None:
    rng = np.random.default_rng(1)
    base = rng.uniform(0.2, 0.6, size=200)
    agree = np.vstack([base, base, base])
    disagree = np.vstack([base - 0.2, base, base + 0.2])  # same mean, seeds far apart
    other = np.vstack([rng.uniform(0.2, 0.6, size=200) for _ in range(3)])
    lo_a, hi_a = _interval(agree, other)
    lo_d, hi_d = _interval(disagree, other)
    assert hi_d - lo_d > 1.5 * (hi_a - lo_a)
    assert np.isclose(agree.mean(), disagree.mean())


def test_one_arm_mean_and_shape_checks() -> None:
    a = np.full((2, 50), 0.5)
    lo, hi = _interval(a)
    assert lo < 0.5 < hi  # constant but inside (0, 1): exact bound, not a point
    with pytest.raises(ValueError, match="same problems"):
        hierarchical_interval(a, np.zeros((2, 49)), n_boot=10, confidence=0.95, rng=group_rng(0))


def test_clopper_pearson_matches_known_values() -> None:
    # Reference values (R binom.test): 0/10 -> [0, 0.3085]; 5/10 -> [0.1871, 0.8129].
    assert clopper_pearson(0, 10, 0.95) == pytest.approx((0.0, 0.30850), abs=1e-4)
    lo, hi = clopper_pearson(5, 10, 0.95)
    assert (lo, hi) == pytest.approx((0.18709, 0.81291), abs=1e-4)
    assert clopper_pearson(10, 10, 0.95)[1] == 1.0
