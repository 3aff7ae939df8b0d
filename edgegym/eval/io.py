"""Small helpers for evaluation jobs: atomic writes, JSONL writing, the usable core count."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edgegym.tasks.io import atomic_write_bytes, atomic_write_text

__all__ = [
    "atomic_write_bytes",
    "atomic_write_text",
    "available_cores",
    "write_jsonl",
]


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> None:
    """Write one JSON object per line (keys sorted, unicode kept), atomically."""
    text = "".join(json.dumps(row, sort_keys=True, ensure_ascii=False) + "\n" for row in rows)
    atomic_write_text(path, text)


def available_cores() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)
