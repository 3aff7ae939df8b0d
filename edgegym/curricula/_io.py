"""Atomic JSON files: a reader never sees a half-written state."""

from __future__ import annotations

import json
import os
from typing import Any

from edgegym.tasks.io import atomic_write_text

__all__ = ["read_json", "write_json_atomic"]


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON (sorted keys, no NaN) to a temp file beside ``path``, then rename.

    Raises:
        ValueError: ``data`` holds a NaN or infinity, or something JSON cannot encode.
    """
    atomic_write_text(path, json.dumps(data, sort_keys=True, allow_nan=False, indent=1) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file written by :func:`write_json_atomic`."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
