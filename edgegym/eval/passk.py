"""Unbiased pass@k (Chen et al. 2021), vectorized over problems and k.

For a problem with ``n`` sampled responses of which ``c`` are correct, the chance
that a random ``k``-subset of them holds at least one correct response is

    pass@k = 1 - C(n - c, k) / C(n, k)

The binomials overflow long before ``n = 128``, so the ratio is computed as the
product ``prod_{i = n-c+1}^{n} (1 - k / i)`` (Chen et al.'s stable form), here in log
space through one cumulative sum per ``k``: ``log ratio = S_k[n] - S_k[n - c]`` with
``S_k[m] = sum_{i = k+1}^{m} log(1 - k / i)``. Every problem and every ``k`` is then
one gather, so a suite of thousands of problems and ``k = 1..128`` costs a few
milliseconds. When ``n - c < k`` every ``k``-subset holds a correct response and
pass@k is exactly 1.

This is the unbiased estimator; the study's process-verified pass@k used the first
``k`` samples only (a prefix estimator, one sample at ``k = 1``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from edgegym.tasks.checks import check_int

__all__ = ["default_k_values", "pass_at_k"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def _as_int_array(name: str, values: ArrayLike) -> IntArray:
    array = np.asarray(values)
    if array.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integers, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False).reshape(-1)


def pass_at_k(n: ArrayLike, c: ArrayLike, k: int | Sequence[int] | ArrayLike) -> FloatArray:
    """Unbiased pass@k of each problem.

    Args:
        n: samples per problem, shape ``(P,)`` (a scalar is one problem).
        c: correct samples per problem, shape ``(P,)``, ``0 <= c <= n``.
        k: one ``k`` or a sequence of them, each ``1 <= k <= min(n)``.

    Returns:
        ``(P,)`` floats in [0, 1] if ``k`` is a scalar, else ``(P, K)``.

    Raises:
        ValueError: on shapes that differ, ``c`` outside ``[0, n]`` or ``k`` outside ``[1, n]``.
    """
    n_arr = _as_int_array("n", n)
    c_arr = _as_int_array("c", c)
    scalar_k = np.ndim(k) == 0
    k_arr = _as_int_array("k", k)
    if n_arr.shape != c_arr.shape:
        raise ValueError(f"n and c must have the same shape, got {n_arr.shape} and {c_arr.shape}")
    if k_arr.size == 0:
        raise ValueError("k must hold at least one value, got none")
    if n_arr.size and (np.any(c_arr < 0) or np.any(c_arr > n_arr)):
        bad = int(np.flatnonzero((c_arr < 0) | (c_arr > n_arr))[0])
        raise ValueError(f"c must be in [0, n]; problem {bad} has c={c_arr[bad]}, n={n_arr[bad]}")
    min_n = int(n_arr.min()) if n_arr.size else int(k_arr.max())
    if np.any(k_arr < 1) or np.any(k_arr > min_n):
        raise ValueError(f"k must be in [1, min(n)] = [1, {min_n}], got {k_arr.tolist()}")
    if n_arr.size == 0:
        empty = np.zeros((0,) if scalar_k else (0, k_arr.size))
        return empty

    # S[j, m] = sum_{i=k_j+1}^{m} log(1 - k_j / i): shape (K, max_n + 1), S[:, m] = 0 for m <= k.
    i = np.arange(1, int(n_arr.max()) + 1, dtype=np.float64)
    kk = k_arr[:, None].astype(np.float64)
    ratio_terms = np.where(i[None, :] > kk, kk / i[None, :], 0.0)
    cumulative = np.zeros((k_arr.size, i.size + 1))
    np.cumsum(np.log1p(-ratio_terms), axis=1, out=cumulative[:, 1:])

    rest = n_arr - c_arr  # incorrect samples
    log_ratio = cumulative[:, n_arr] - cumulative[:, rest]  # (K, P)
    result = np.where(rest[None, :] >= k_arr[:, None], -np.expm1(log_ratio), 1.0).T
    result = np.clip(result, 0.0, 1.0)
    return result[:, 0] if scalar_k else result


def default_k_values(n: int) -> tuple[int, ...]:
    """Powers of two up to ``n``, plus ``n`` itself: ``(1, 2, 4, ..., n)``."""
    check_int("n", n, 1)
    values = [1 << e for e in range(n.bit_length()) if (1 << e) <= n]
    if values[-1] != n:
        values.append(n)
    return tuple(values)
