"""Atomic JSON files: a reader (:func:`edgegym.tasks.io.read_json`) never sees a
half-written state."""

from __future__ import annotations

import json
import os
from typing import Any

from edgegym.tasks.io import atomic_write_text, remove_stale_temporaries

__all__ = ["write_json_atomic"]

_CLEANED: set[str] = set()
"""Paths this process has cleaned up beside (once each)."""


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write ``data`` as JSON (sorted keys, no NaN) to a temp file beside ``path``, then rename.

    The first write to ``path`` in a process also removes the temporaries that killed
    writers left beside it.

    Raises:
        ValueError: ``data`` holds a NaN or infinity, or something JSON cannot encode.
    """
    key = os.path.abspath(path)
    if key not in _CLEANED:
        remove_stale_temporaries(path)
        _CLEANED.add(key)
    atomic_write_text(path, json.dumps(data, sort_keys=True, allow_nan=False, indent=1) + "\n")
