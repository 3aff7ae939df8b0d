"""Evaluation suites: fixed, deterministic problem sets drawn from the ``test`` split.

A suite is a directory holding ``problems.jsonl`` (one problem record per line, in
suite order) and ``manifest.json`` (its config, counts, the leakage-guard
fingerprint and a SHA-256 digest of ``problems.jsonl``, checked on load).

Problem ``i`` of a cell ``(context, mode, op)`` is ``generate(TaskSpec(context,
mode, op, split="test", seed, index=j))`` for the ``j``-th index whose problem is new
to the suite: a duplicate necessary DAG (same graph hash) is skipped, so no problem
is counted twice. The **leakage guard**: graph hashes of a training export are passed
to ``generate(spec, exclude=...)``, which redraws any problem a model may have seen.

Presets:

- ``extrapolation``: op 2..20 in one context (zoo, forward), ``per_op`` problems each
  (default 200): the study's in-distribution / edge / hard evaluation.
- ``context``: every context at ops 2, 5, 8, 11, 14, 17, 20: contextual transfer.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edgegym.eval.io import atomic_write_bytes, atomic_write_text, available_cores
from edgegym.eval.leakage import exclusion_fingerprint
from edgegym.tasks import (
    CONTEXTS,
    MAX_OP,
    MIN_OP,
    MODES,
    RECORD_VERSION,
    DagConfig,
    TaskSpec,
    generate,
)
from edgegym.tasks.io import read_json, read_jsonl

__all__ = [
    "PRESETS",
    "SUITE_FORMAT",
    "Suite",
    "SuiteConfig",
    "build_suite",
    "load_suite",
    "preset",
    "write_suite",
]

SUITE_FORMAT = "edgegym.eval.suite"
SUITE_VERSION = 1
PRESETS = ("extrapolation", "context")
CONTEXT_SUITE_OPS = (2, 5, 8, 11, 14, 17, 20)


@dataclass(frozen=True, kw_only=True)
class SuiteConfig:
    """What a suite holds: ``per_op`` problems in every (context, mode, op) cell."""

    name: str
    """Suite name (recorded in the manifest and in results)."""
    ops: tuple[int, ...]
    """Difficulties, in report order."""
    contexts: tuple[str, ...] = ("zoo",)
    """Surface contexts."""
    modes: tuple[str, ...] = ("forward",)
    """``forward`` and/or ``reverse``."""
    per_op: int = 200
    """Problems per (context, mode, op) cell."""
    seed: int = 0
    """Seed of the problems' specs."""
    split: str = "test"
    """Split drawn from; suites are test-split by design."""
    family: str = "dag"
    """Task family."""
    config: DagConfig = field(default_factory=DagConfig)
    """Family knobs, shared by every problem."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must be non-empty, got ''")
        if not self.ops or any(not MIN_OP <= op <= MAX_OP for op in self.ops):
            raise ValueError(f"ops must be non-empty, each in [{MIN_OP}, {MAX_OP}], got {self.ops}")
        if len(set(self.ops)) != len(self.ops):
            raise ValueError(f"ops must be distinct, got {self.ops}")
        unknown = [c for c in self.contexts if c not in CONTEXTS]
        if not self.contexts or unknown:
            raise ValueError(f"contexts must be among {CONTEXTS}, got {self.contexts}")
        if not self.modes or any(m not in MODES for m in self.modes):
            raise ValueError(f"modes must be among {MODES}, got {self.modes}")
        if self.per_op < 1:
            raise ValueError(f"per_op must be >= 1, got {self.per_op}")

    @property
    def size(self) -> int:
        return len(self.ops) * len(self.contexts) * len(self.modes) * self.per_op

    def cells(self) -> list[tuple[str, str, int]]:
        """``(context, mode, op)`` in suite order."""
        return [(c, m, op) for c in self.contexts for m in self.modes for op in self.ops]

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["config"] = self.config.to_dict()
        for key in ("ops", "contexts", "modes"):
            data[key] = list(data[key])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SuiteConfig:
        data = dict(data)
        data["config"] = DagConfig.parse(data.get("config", {}))
        for key in ("ops", "contexts", "modes"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)


def preset(name: str, *, per_op: int = 200, seed: int = 0, **overrides: Any) -> SuiteConfig:
    """The config of a named suite (see module docstring); ``overrides`` replace fields."""
    if name == "extrapolation":
        base = SuiteConfig(name=name, ops=tuple(range(2, 21)), per_op=per_op, seed=seed)
    elif name == "context":
        base = SuiteConfig(
            name=name, ops=CONTEXT_SUITE_OPS, contexts=CONTEXTS, per_op=per_op, seed=seed
        )
    else:
        raise ValueError(f"suite must be one of {PRESETS}, got {name!r}")
    return dataclasses.replace(base, **overrides) if overrides else base


@dataclass(frozen=True)
class Suite:
    """A built suite: its manifest and its problem records, in suite order."""

    manifest: dict[str, Any]
    records: tuple[dict[str, Any], ...]

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def digest(self) -> str:
        return str(self.manifest["digest"])

    def ref(self) -> dict[str, Any]:
        """What a results file records about the suite it was scored on."""
        return {"name": self.name, "digest": self.digest, "problems": len(self.records)}


def _build_cell(
    config: SuiteConfig,
    cell: tuple[str, str, int],
    exclude: frozenset[str],
    progress: Callable[[int], None] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The ``per_op`` problems of one (context, mode, op) cell, and the duplicates skipped.

    Cells never share a graph hash (it covers context, mode and the graph, whose op
    differs), so de-duplicating within a cell de-duplicates the suite.
    """
    context, mode, op = cell
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    index = skipped = 0
    while len(records) < config.per_op:
        spec = TaskSpec(
            family=config.family,
            context=context,
            mode=mode,  # type: ignore[arg-type]
            op=op,
            split=config.split,  # type: ignore[arg-type]
            seed=config.seed,
            index=index,
            config=config.config,
        )
        index += 1
        problem = generate(spec, exclude=exclude)
        if problem.graph_hash in seen:
            skipped += 1
            continue
        seen.add(problem.graph_hash)
        records.append(problem.to_record())
        if progress is not None:
            progress(1)
    return records, skipped


# Fork-inherited job of a parallel build: (config, exclude). Set only around the pool.
_BUILD: tuple[SuiteConfig, frozenset[str]] | None = None


def _build_cell_job(cell: tuple[str, str, int]) -> tuple[list[dict[str, Any]], int]:
    assert _BUILD is not None  # set by build_suite before the pool forks
    return _build_cell(_BUILD[0], cell, _BUILD[1])


def build_suite(
    config: SuiteConfig,
    *,
    exclude: frozenset[str] = frozenset(),
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> Suite:
    """Generate the suite of ``config`` (deterministic; see module docstring).

    Args:
        config: what to build.
        exclude: graph hashes of training data; no suite problem has one of them.
        progress: called with the number of problems just made (for a progress bar).
        workers: processes; cells are built independently, so the suite is the same for
            any number (0: one per core; more than one needs the ``fork`` start method).
    """
    global _BUILD
    cells = config.cells()
    workers = min(workers or available_cores(), len(cells))
    parts: list[tuple[list[dict[str, Any]], int]] = []
    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        _BUILD = (config, exclude)
        try:
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for part in pool.imap(_build_cell_job, cells):
                    parts.append(part)
                    if progress is not None:
                        progress(len(part[0]))
        finally:
            _BUILD = None
    else:
        parts = [_build_cell(config, cell, exclude, progress) for cell in cells]
    records = [r for part, _ in parts for r in part]
    manifest = {
        "format": SUITE_FORMAT,
        "version": SUITE_VERSION,
        "record_version": RECORD_VERSION,
        "name": config.name,
        "config": config.to_dict(),
        "problems": len(records),
        "duplicates_skipped": sum(skipped for _, skipped in parts),
        "exclude": exclusion_fingerprint(exclude),
        "digest": _digest(_jsonl_bytes(records)),
    }
    return Suite(manifest=manifest, records=tuple(records))


def _jsonl_bytes(records: Iterable[dict[str, Any]]) -> bytes:
    lines = (json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records)
    return "".join(lines).encode("utf-8")


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_suite(suite: Suite, out_dir: str | Path) -> Path:
    """Write ``problems.jsonl`` and ``manifest.json`` into ``out_dir`` (atomically each)."""
    out = Path(out_dir)
    atomic_write_bytes(out / "problems.jsonl", _jsonl_bytes(suite.records))
    atomic_write_text(out / "manifest.json", json.dumps(suite.manifest, sort_keys=True, indent=1))
    return out


def load_suite(path: str | Path) -> Suite:
    """Read a suite directory, checking the digest of ``problems.jsonl`` against the manifest."""
    root = Path(path)
    manifest_path, problems_path = root / "manifest.json", root / "problems.jsonl"
    for p in (manifest_path, problems_path):
        if not p.is_file():
            raise FileNotFoundError(f"{p} not found: is {root} a suite (edgegym eval build-suite)?")
    manifest = read_json(manifest_path)
    if not isinstance(manifest, dict) or manifest.get("format") != SUITE_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise ValueError(f"{manifest_path}: format {found!r}, expected {SUITE_FORMAT!r}")
    data = problems_path.read_bytes()
    if _digest(data) != manifest.get("digest"):
        raise ValueError(f"{problems_path} does not match the digest in its manifest (edited?)")
    records = tuple(read_jsonl(problems_path))  # digest checked: these are the bytes read
    return Suite(manifest=manifest, records=records)
