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
- Plain text: one hash (20 lowercase hex digits) per line.

Any other line (a JSON line without a hash, a JSON array, CSV) is an error naming its
file and line, never silently skipped or taken as a hash: a guard that quietly reads
nothing guards nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from edgegym.tasks import Node, graph_hash

__all__ = ["HASH_RE", "exclusion_fingerprint", "hash_of_record", "load_exclusion"]

HASH_RE = re.compile(r"[0-9a-f]{20}")
"""A graph hash: 20 lowercase hex digits (:func:`edgegym.tasks.graph_hash`)."""


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
        ValueError: naming the file and line of anything else: a JSON row with no graph
            hash, a line that is neither a JSON object nor a 20-hex-digit hash (a JSON
            array or CSV export), bad UTF-8, or JSON nested too deeply.
    """
    hashes: set[str] = set()
    for source in paths:
        for path in _files(Path(source)):
            with path.open("rb") as handle:  # lines decoded one by one: errors name theirs
                for number, raw in enumerate(handle, 1):
                    try:
                        text = raw.decode("utf-8").strip()
                        if text:
                            hashes.add(_line_hash(text))
                    except (ValueError, RecursionError) as err:
                        raise ValueError(f"{path}:{number}: {_reason(err)}") from None
    return frozenset(hashes)


def _line_hash(text: str) -> str:
    """The graph hash one non-empty line gives; ``ValueError`` says why there is none."""
    if not text.startswith("{"):
        if HASH_RE.fullmatch(text) is None:
            raise ValueError(
                f"{text[:40]!r} is neither a JSON object nor a graph hash (20 hex digits); "
                "exclusion sources are problem records (JSONL) or one hash per line"
            )
        return text
    row = json.loads(text)
    if not isinstance(row, dict):
        raise ValueError("expected a JSON object")
    try:
        found = hash_of_record(row)
    except (KeyError, TypeError, IndexError, OverflowError, AttributeError) as err:
        raise ValueError(f"not a valid problem record ({err!r})") from None
    if found is None:
        raise ValueError(
            "no graph_hash (or graph) in this row; "
            "exclusion sources are problem records or one hash per line"
        )
    if HASH_RE.fullmatch(found) is None:
        raise ValueError(f"graph_hash {found[:40]!r} is not 20 hex digits")
    return found


def _reason(err: BaseException) -> str:
    if isinstance(err, RecursionError):
        return "JSON nested too deeply"
    if isinstance(err, UnicodeError):
        return "not UTF-8 text"
    if isinstance(err, json.JSONDecodeError):
        return f"not valid JSON ({err.msg})"
    return str(err)
