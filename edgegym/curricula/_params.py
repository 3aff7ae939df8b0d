"""Shared helpers of the strategies' frozen hyperparameter dataclasses."""

from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["ParamsMixin"]


class ParamsMixin:
    """``to_dict`` for the frozen params dataclasses of the strategies."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = dataclasses.asdict(self)  # type: ignore[call-overload]
        return data
