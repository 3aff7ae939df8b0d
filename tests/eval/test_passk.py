"""pass@k against brute-force enumeration, closed forms and edge cases."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgegym.eval.passk import default_k_values, pass_at_k


def brute_force(n: int, c: int, k: int) -> float:
    """Share of all k-subsets of n samples (c correct) holding a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(range(n), k))
    return sum(any(samples[i] for i in s) for s in subsets) / len(subsets)


@st.composite
def n_c_k(draw: st.DrawFn) -> tuple[int, int, int]:
    n = draw(st.integers(1, 11))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(n_c_k())
@settings(max_examples=300, deadline=None)
def test_matches_enumeration_over_all_k_subsets(case: tuple[int, int, int]) -> None:
    n, c, k = case
    assert pass_at_k(n, c, k)[0] == pytest.approx(brute_force(n, c, k), abs=1e-12)


@given(st.lists(n_c_k(), min_size=1, max_size=20))
@settings(max_examples=100, deadline=None)
def test_vectorized_equals_per_problem(cases: list[tuple[int, int, int]]) -> None:
    n = np.array([x[0] for x in cases])
    c = np.array([x[1] for x in cases])
    ks = list(range(1, int(n.min()) + 1))
    grid = pass_at_k(n, c, ks)
    assert grid.shape == (len(cases), len(ks))
    for p, (ni, ci, _) in enumerate(cases):
        for j, k in enumerate(ks):
            assert grid[p, j] == pytest.approx(brute_force(ni, ci, k), abs=1e-12)


@pytest.mark.parametrize(
    ("n", "c", "k"),
    [(128, 1, 1), (128, 5, 64), (128, 64, 32), (200, 3, 100), (128, 127, 2), (1000, 10, 500)],
)
def test_matches_exact_binomials_at_large_n(n: int, c: int, k: int) -> None:
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)
    assert pass_at_k(n, c, k)[0] == pytest.approx(exact, rel=1e-11, abs=1e-14)


def test_pass_at_1_is_the_success_rate() -> None:
    n = np.full(129, 128)
    c = np.arange(129)
    np.testing.assert_allclose(pass_at_k(n, c, 1), c / 128, atol=1e-13)


def test_edges_are_exact() -> None:
    n = np.array([128, 128, 128, 10])
    c = np.array([0, 128, 1, 3])
    out = pass_at_k(n, c, [1, 8, 10])
    assert np.all(out[0] == 0.0)  # never correct
    assert np.all(out[1] == 1.0)  # always correct
    assert out[3, 2] == 1.0  # n - c < k: every subset holds a correct sample


def test_monotone_in_k_and_c() -> None:
    n = np.full(33, 32)
    c = np.arange(33)
    grid = pass_at_k(n, c, list(range(1, 33)))
    assert np.all(np.diff(grid, axis=1) >= -1e-15)
    assert np.all(np.diff(grid, axis=0) >= -1e-15)


@pytest.mark.parametrize(
    ("n", "c", "k", "message"),
    [
        ([4], [5], 1, "c must be in"),
        ([4], [-1], 1, "c must be in"),
        ([4], [1], 5, "k must be in"),
        ([4], [1], 0, "k must be in"),
        ([4, 4], [1], 1, "same shape"),
        ([4.0], [1], 1, "integers"),
    ],
)
def test_rejects_bad_input(n: list[float], c: list[int], k: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pass_at_k(n, c, k)


def test_default_k_values() -> None:
    assert default_k_values(128) == (1, 2, 4, 8, 16, 32, 64, 128)
    assert default_k_values(1) == (1,)
    assert default_k_values(100) == (1, 2, 4, 8, 16, 32, 64, 100)
    with pytest.raises(ValueError):
        default_k_values(0)
