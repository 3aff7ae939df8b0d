"""Argument checks for the package's frozen configs: one clear ``ValueError`` each.

Every ``__post_init__`` that validates a number uses these, so a bad value reads the
same everywhere: ``seed must be an int in [0, 9223372036854775807], got -1``. ``bool``
is never a number here, though Python makes it an ``int``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["check_fields", "check_int", "check_number"]


def check_int(name: str, value: object, lo: int, hi: int | None = None) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is an int in ``[lo, hi]``
    (``hi`` None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an int, got {value!r}")
    if value < lo or (hi is not None and value > hi):
        allowed = f"in [{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {allowed}, got {value}")


def check_number(
    name: str,
    value: object,
    lo: float,
    hi: float = math.inf,
    *,
    open_lo: bool = False,
    open_hi: bool = False,
) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a finite int or float in
    the interval from ``lo`` to ``hi`` (each end closed unless ``open_lo``/``open_hi``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    above = value > lo if open_lo else value >= lo
    below = value < hi if open_hi else value <= hi
    if not (above and below):
        interval = f"{'(' if open_lo else '['}{lo}, {hi}{')' if open_hi else ']'}"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")


def check_fields(cls: type, data: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the keys of ``data`` that are not fields of the
    dataclass ``cls`` (a ``from_dict`` reads no key it does not know)."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {cls.__name__} field(s) {unknown}; allowed: {sorted(known)}")
