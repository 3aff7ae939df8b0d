"""Scored results of one run on one suite: per-problem counts, saved as JSON.

Unbiased pass@k needs only ``n`` (samples) and ``c`` (correct samples) per problem,
so a results file keeps, per problem, its grouping keys (op, context, mode), ``n``,
the answer-correct count, the process-verified count, the summed process score
and the count of each reward flag. Everything else (pass@k at any k, per band,
with intervals, paired comparisons) is computed from these.

File layout (keys sorted)::

    {"format": "edgegym.eval.results", "version": 1,
     "suite": {"name": ..., "digest": ..., "problems": P},
     "meta": {...free-form provenance: scorer mode, generations file, sample count...},
     "problems": [{"id", "op", "context", "mode", "n", "correct", "verified",
                   "process", "flags": {flag: count}}, ...],
     "summary": {...}}   # optional: the default summary, for readers of the raw JSON
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgegym.eval.io import atomic_write_text
from edgegym.tasks.io import read_json

__all__ = ["RESULTS_FORMAT", "RESULTS_VERSION", "EvalResults", "ProblemScore"]

RESULTS_FORMAT = "edgegym.eval.results"
RESULTS_VERSION = 1


@dataclass(frozen=True, kw_only=True)
class ProblemScore:
    """The scored samples of one problem."""

    id: str
    """Problem id (the record's content hash)."""
    op: int
    """Difficulty of the problem."""
    context: str
    """Surface context."""
    mode: str
    """``forward`` or ``reverse``."""
    n: int
    """Number of scored samples."""
    correct: int
    """Samples whose answer is right (answer-only)."""
    verified: int
    """Samples whose answer and every gold step are right (process-verified)."""
    process: float = 0.0
    """Sum over samples of the process score (``RewardResult.process``, in [0, 1])."""
    flags: Mapping[str, int] = field(default_factory=dict)
    """How many samples raised each reward flag."""

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"problem {self.id}: n must be >= 1, got {self.n}")
        for name in ("correct", "verified"):
            value = getattr(self, name)
            if not 0 <= value <= self.n:
                raise ValueError(f"problem {self.id}: {name} must be in [0, {self.n}], got {value}")
        if self.verified > self.correct:
            raise ValueError(
                f"problem {self.id}: verified ({self.verified}) exceeds correct ({self.correct})"
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "op": self.op,
            "context": self.context,
            "mode": self.mode,
            "n": self.n,
            "correct": self.correct,
            "verified": self.verified,
            "process": round(self.process, 9),
            "flags": dict(sorted(self.flags.items())),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProblemScore:
        return cls(
            id=str(data["id"]),
            op=int(data["op"]),
            context=str(data["context"]),
            mode=str(data["mode"]),
            n=int(data["n"]),
            correct=int(data["correct"]),
            verified=int(data["verified"]),
            process=float(data.get("process", 0.0)),
            flags={str(k): int(v) for k, v in dict(data.get("flags", {})).items()},
        )


@dataclass(frozen=True)
class EvalResults:
    """One run scored on one suite.

    Attributes:
        suite: the suite's name, digest and problem count (from its manifest).
        problems: one :class:`ProblemScore` per problem, in suite order.
        meta: provenance (scorer mode, generations file, ...); JSON-able.
        summary: an optional precomputed summary (see :mod:`edgegym.eval.aggregate`).
    """

    suite: Mapping[str, Any]
    problems: tuple[ProblemScore, ...]
    meta: Mapping[str, Any] = field(default_factory=dict)
    summary: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        ids = [p.id for p in self.problems]
        if len(set(ids)) != len(ids):
            raise ValueError("problem ids must be unique within a results file")

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.problems]

    def column(self, name: str) -> NDArray[Any]:
        """One field of every problem as a numpy array (ints, floats or strings)."""
        values = [getattr(p, name) for p in self.problems]
        if name in ("op", "n", "correct", "verified"):
            return np.asarray(values, dtype=np.int64)
        if name == "process":
            return np.asarray(values, dtype=np.float64)
        return np.asarray(values, dtype=object)

    def flag_totals(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for problem in self.problems:
            for flag, count in problem.flags.items():
                totals[flag] = totals.get(flag, 0) + count
        return dict(sorted(totals.items()))

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": RESULTS_FORMAT,
            "version": RESULTS_VERSION,
            "suite": dict(self.suite),
            "meta": dict(self.meta),
            "problems": [p.to_dict() for p in self.problems],
        }
        if self.summary is not None:
            data["summary"] = dict(self.summary)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EvalResults:
        if data.get("format") != RESULTS_FORMAT:
            raise ValueError(
                f"not an edgegym results file: format is {data.get('format')!r}, "
                f"expected {RESULTS_FORMAT!r}"
            )
        if data.get("version") != RESULTS_VERSION:
            raise ValueError(
                f"results version {data.get('version')!r} is not supported "
                f"(expected {RESULTS_VERSION})"
            )
        return cls(
            suite=dict(data.get("suite", {})),
            problems=tuple(ProblemScore.from_dict(p) for p in data["problems"]),
            meta=dict(data.get("meta", {})),
            summary=data.get("summary"),
        )

    def save(self, path: str | Path) -> None:
        """Write the results as JSON, atomically."""
        atomic_write_text(Path(path), json.dumps(self.to_dict(), sort_keys=True, indent=1) + "\n")

    @classmethod
    def load(cls, path: str | Path) -> EvalResults:
        path = Path(path)
        data = read_json(path)  # ValueError names the file and line
        try:
            return cls.from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError) as err:
            raise ValueError(f"{path}: not an edgegym results file ({err!r})") from None

    @classmethod
    def from_scores(
        cls,
        problems: Iterable[ProblemScore],
        *,
        suite: Mapping[str, Any] | None = None,
        meta: Mapping[str, Any] | None = None,
    ) -> EvalResults:
        return cls(suite=dict(suite or {}), problems=tuple(problems), meta=dict(meta or {}))
