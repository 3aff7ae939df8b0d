"""Aggregate per-problem pass@k into groups (all, band, op, context, mode) with intervals.

A group's pass@k is the mean over its problems of each problem's unbiased pass@k,
answer-only and process-verified, with a percentile bootstrap interval over problems
(seeded per group, so every number is reproducible). Bands are op ranges; the
study's are in-distribution 2-10, edge 11-14 and hard 15-20.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from edgegym.eval.passk import default_k_values, pass_at_k
from edgegym.eval.results import EvalResults
from edgegym.eval.stats import Interval, group_rng, mean_interval

__all__ = [
    "DEFAULT_BANDS",
    "DIMENSIONS",
    "METRICS",
    "Band",
    "EvalConfig",
    "GroupSummary",
    "Summary",
    "iter_groups",
    "parse_bands",
    "pass_matrices",
    "resolve_k",
    "summarize",
]

DIMENSIONS = ("all", "band", "op", "context", "mode")
METRICS = ("answer", "verified")


@dataclass(frozen=True, kw_only=True)
class Band:
    """A named, inclusive op range."""

    name: str
    """Label shown in tables and plots."""
    lo: int
    """Smallest op of the band."""
    hi: int
    """Largest op of the band (inclusive)."""

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("band name must be non-empty, got ''")
        if self.lo > self.hi:
            raise ValueError(f"band {self.name}: lo must be <= hi, got lo={self.lo}, hi={self.hi}")

    def __str__(self) -> str:
        return f"{self.name}:{self.lo}-{self.hi}"


DEFAULT_BANDS = (
    Band(name="in-distribution", lo=2, hi=10),
    Band(name="edge", lo=11, hi=14),
    Band(name="hard", lo=15, hi=20),
)


def parse_bands(text: str) -> tuple[Band, ...]:
    """Parse ``"name:lo-hi,name:lo-hi"`` (e.g. ``"id:2-10,edge:11-14,hard:15-20"``)."""
    bands = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        match = re.fullmatch(r"([^:]+):(\d+)-(\d+)", part)
        if match is None:
            raise ValueError(f"band must look like name:lo-hi, got {part!r}")
        bands.append(Band(name=match[1].strip(), lo=int(match[2]), hi=int(match[3])))
    if not bands:
        raise ValueError(f"bands must name at least one band, got {text!r}")
    return tuple(bands)


@dataclass(frozen=True, kw_only=True)
class EvalConfig:
    """How results are aggregated."""

    k_values: tuple[int, ...] | None = None
    """The k of pass@k; ``None`` means 1, 2, 4, ... up to the smallest n. Larger k are dropped."""
    bands: tuple[Band, ...] = DEFAULT_BANDS
    """Op bands, disjoint; ops outside every band appear only per op."""
    dimensions: tuple[str, ...] = DIMENSIONS
    """Which groupings to report, a subset of ``DIMENSIONS``."""
    n_boot: int = 2000
    """Bootstrap replicates per group (0 disables intervals)."""
    confidence: float = 0.95
    """Coverage of the intervals."""
    seed: int = 0
    """Seed of the bootstrap streams."""

    def __post_init__(self) -> None:
        if self.k_values is not None and (
            not self.k_values or any(int(k) < 1 for k in self.k_values)
        ):
            raise ValueError(f"k_values must be ints >= 1, got {self.k_values!r}")
        unknown = [d for d in self.dimensions if d not in DIMENSIONS]
        if unknown:
            raise ValueError(f"dimensions must be among {DIMENSIONS}, got {unknown}")
        spans = sorted((b.lo, b.hi, b.name) for b in self.bands)
        for (_, hi, left), (lo, _, right) in itertools.pairwise(spans):
            if lo <= hi:
                raise ValueError(f"bands must be disjoint, got {left} and {right} overlapping")
        if len({b.name for b in self.bands}) != len(self.bands):
            raise ValueError(f"band names must be unique, got {[b.name for b in self.bands]}")
        if self.n_boot < 0:
            raise ValueError(f"n_boot must be >= 0, got {self.n_boot}")
        if not 0.0 < self.confidence < 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {self.confidence}")

    def band_of(self, op: int) -> str | None:
        return next((b.name for b in self.bands if b.lo <= op <= b.hi), None)


@dataclass(frozen=True)
class GroupSummary:
    """pass@k of one group; ``answer`` and ``verified`` hold one entry per k."""

    dimension: str
    group: str
    problems: int
    samples: int
    answer: Interval
    verified: Interval
    process: float
    """Mean process score per sample (``RewardResult.process``: gold steps right over gold
    steps plus penalties, in [0, 1])."""

    def metric(self, name: str) -> Interval:
        if name not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, got {name!r}")
        return self.answer if name == "answer" else self.verified


@dataclass(frozen=True)
class Summary:
    k: tuple[int, ...]
    groups: tuple[GroupSummary, ...]
    config: EvalConfig = field(default_factory=EvalConfig)

    def get(self, dimension: str, group: str) -> GroupSummary:
        for g in self.groups:
            if g.dimension == dimension and g.group == group:
                return g
        raise KeyError(f"no group {dimension}={group}")

    def of(self, dimension: str) -> list[GroupSummary]:
        return [g for g in self.groups if g.dimension == dimension]

    def to_dict(self) -> dict[str, Any]:
        def interval(iv: Interval) -> dict[str, list[float]]:
            return {
                key: [round(float(x), 6) for x in getattr(iv, key)] for key in ("mean", "lo", "hi")
            }

        return {
            "k": list(self.k),
            "confidence": self.config.confidence,
            "n_boot": self.config.n_boot,
            "seed": self.config.seed,
            "bands": [str(b) for b in self.config.bands],
            "groups": [
                {
                    "dimension": g.dimension,
                    "group": g.group,
                    "problems": g.problems,
                    "samples": g.samples,
                    "process": round(g.process, 6),
                    "answer": interval(g.answer),
                    "verified": interval(g.verified),
                }
                for g in self.groups
            ],
        }


def resolve_k(config: EvalConfig, min_n: int) -> tuple[int, ...]:
    """The k values to report given the smallest sample count of the problems."""
    if config.k_values is None:
        return default_k_values(min_n)
    kept = tuple(sorted({int(k) for k in config.k_values if int(k) <= min_n}))
    if not kept:
        raise ValueError(f"every requested k exceeds the smallest sample count n={min_n}")
    return kept


def pass_matrices(
    results: EvalResults, k: tuple[int, ...]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-problem pass@k, answer-only and verified, each of shape ``(P, K)``."""
    n = results.column("n")
    return pass_at_k(n, results.column("correct"), k), pass_at_k(n, results.column("verified"), k)


def iter_groups(
    results: EvalResults, config: EvalConfig
) -> Iterator[tuple[str, str, NDArray[np.int64]]]:
    """``(dimension, group, problem indices)`` in report order; empty groups are skipped."""
    ops = results.column("op")
    for dimension in config.dimensions:
        if dimension == "all":
            yield "all", "all", np.arange(ops.size)
        elif dimension == "band":
            for band in config.bands:
                index = np.flatnonzero((ops >= band.lo) & (ops <= band.hi))
                if index.size:
                    yield "band", band.name, index
        elif dimension == "op":
            for op in np.unique(ops):
                yield "op", str(op), np.flatnonzero(ops == op)
        else:
            column = results.column(dimension)
            for value in sorted(set(column.tolist())):
                yield dimension, str(value), np.flatnonzero(column == value)


def summarize(results: EvalResults, config: EvalConfig | None = None) -> Summary:
    """pass@k per group with bootstrap intervals (see module docstring)."""
    config = config or EvalConfig()
    if not results.problems:
        raise ValueError("results hold no problems")
    n = results.column("n")
    k = resolve_k(config, int(n.min()))
    answer, verified = pass_matrices(results, k)
    process = results.column("process") / n
    table = np.concatenate([answer, verified, process[:, None]], axis=1)
    width = len(k)
    groups = []
    for dimension, group, index in iter_groups(results, config):
        rng = group_rng(config.seed, dimension, group)
        iv = mean_interval(
            table[index], n_boot=config.n_boot, confidence=config.confidence, rng=rng
        )
        part = [
            Interval(iv.mean[s], iv.lo[s], iv.hi[s])
            for s in (slice(0, width), slice(width, 2 * width))
        ]
        groups.append(
            GroupSummary(
                dimension=dimension,
                group=group,
                problems=int(index.size),
                samples=int(n[index].sum()),
                answer=part[0],
                verified=part[1],
                process=float(iv.mean[-1]),
            )
        )
    return Summary(k=k, groups=tuple(groups), config=config)
