"""Shared helpers of the strategies' frozen hyperparameter dataclasses."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

__all__ = ["ParamsMixin", "check_number"]


def check_number(name: str, value: object, lo: float, hi: float) -> None:
    """Raise ``ValueError`` naming ``name`` unless ``value`` is a finite number in [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number in [{lo}, {hi}], got {value!r}")
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")


class ParamsMixin:
    """``to_dict`` for the frozen params dataclasses of the strategies."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(self)  # type: ignore[call-overload]
        return data
