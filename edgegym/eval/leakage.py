"""The leakage guard's input: graph hashes of training data a model may have seen.

Two problems with the same graph hash pose the same computation (same quantities,
operations, constants and values), whatever their wording, letters or distractors.
A suite built with these hashes excluded holds no problem a model trained on that
export has seen. Accepted inputs, as files or directories of them (``*.jsonl`` and
``*.txt`` inside, recursively, in sorted order):

- JSONL problem records (``edgegym generate`` / corpus exports): the ``graph_hash``
  field, or, when absent, the hash recomputed from ``family``, ``context``, ``mode``
  and ``graph``; a ``graph_hash`` inside a ``metadata`` object or a JSON ``label``
  string (RL prompt sets) is found too.
- Plain text: one hash per line.

A JSON line without any of these is an error, never silently skipped: a guard that
quietly reads nothing guards nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edgegym.tasks import Node, graph_hash

__all__ = ["exclusion_fingerprint", "hash_of_record", "load_exclusion"]


def exclusion_fingerprint(exclude: Iterable[str]) -> dict[str, Any]:
    """Count and SHA-256 of a set of graph hashes (recorded in a suite's manifest)."""
    hashes = sorted(set(exclude))
    digest = hashlib.sha256("\n".join(hashes).encode()).hexdigest()
    return {"hashes": len(hashes), "digest": digest}


def hash_of_record(row: dict[str, Any]) -> str | None:
    """The graph hash a JSON row names or implies, or ``None``."""
    if isinstance(row.get("graph_hash"), str):
        return str(row["graph_hash"])
    if isinstance(row.get("graph"), list) and all(k in row for k in ("context", "mode")):
        nodes = tuple(Node.from_dict(n) for n in row["graph"])
        return graph_hash(str(row.get("family", "dag")), row["context"], row["mode"], nodes)
    for key in ("metadata", "label"):
        inner = row.get(key)
        if isinstance(inner, str):
            try:
                inner = json.loads(inner)
            except json.JSONDecodeError:
                continue
        if isinstance(inner, dict):
            found = hash_of_record(inner)
            if found is not None:
                return found
    return None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".jsonl", ".txt") and p.is_file())
    if not path.is_file():
        raise FileNotFoundError(f"exclusion source {path} not found")
    return [path]


def load_exclusion(paths: Iterable[str | Path]) -> frozenset[str]:
    """Graph hashes from training exports (see module docstring).

    Raises:
        ValueError: naming the file and line of a JSON row with no graph hash.
    """
    hashes: set[str] = set()
    for source in paths:
        for path in _files(Path(source)):
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, 1):
                    text = line.strip()
                    if not text:
                        continue
                    if not text.startswith("{"):
                        hashes.add(text)
                        continue
                    found = hash_of_record(json.loads(text))
                    if found is None:
                        raise ValueError(
                            f"{path}:{number}: no graph_hash (or graph) in this row; "
                            "exclusion sources are problem records or one hash per line"
                        )
                    hashes.add(found)
    return frozenset(hashes)
