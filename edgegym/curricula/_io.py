"""Atomic JSON files: a reader never sees a half-written state."""

from __future__ import annotations

import json
import os
from typing import Any

from edgegym.tasks.io import atomic_write_text, remove_stale_temporaries
from edgegym.tasks.io import read_json as read_json_file

__all__ = ["read_json", "write_json_atomic"]

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


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file written by :func:`write_json_atomic` (``ValueError``: path:line)."""
    return read_json_file(path)
