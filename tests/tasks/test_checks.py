"""The package's argument checks: ints and finite numbers in intervals, bool refused."""

from __future__ import annotations

import math

import pytest

from edgegym.tasks.checks import check_int, check_number


def test_check_int() -> None:
    check_int("seed", 0, 0, 10)
    check_int("seed", 10**20, 0)
    with pytest.raises(ValueError, match=r"seed must be an int, got True"):
        check_int("seed", True, 0, 10)
    with pytest.raises(ValueError, match=r"seed must be an int, got 1.0"):
        check_int("seed", 1.0, 0, 10)
    with pytest.raises(ValueError, match=r"seed must be in \[0, 10\], got 11"):
        check_int("seed", 11, 0, 10)
    with pytest.raises(ValueError, match=r"seed must be >= 0, got -1"):
        check_int("seed", -1, 0)


def test_check_number() -> None:
    check_number("p", 0.5, 0, 1, open_lo=True, open_hi=True)
    check_number("p", 0, 0, 1)
    check_number("p", 3, 0)
    for bad in (True, "0.5", math.nan, math.inf, None):
        with pytest.raises(ValueError, match="p must be a finite number"):
            check_number("p", bad, 0, 1)
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\), got 0"):
        check_number("p", 0, 0, 1, open_lo=True, open_hi=True)
    with pytest.raises(ValueError, match=r"p must be in \(0, 1\), got 1"):
        check_number("p", 1, 0, 1, open_lo=True, open_hi=True)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        check_number("p", 1.5, 0, 1)
