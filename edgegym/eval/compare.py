"""Paired comparison of two runs scored on the same suite.

Both runs answered the same problems, so the right unit is the per-problem
difference ``pass@k(B) - pass@k(A)``: its mean is the change, and resampling
problems (the same resample for both runs) gives an interval far narrower than two
independent intervals would. A difference whose interval excludes 0 is marked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from edgegym.eval.aggregate import EvalConfig, iter_groups, pass_matrices, resolve_k
from edgegym.eval.results import EvalResults
from edgegym.eval.stats import Interval, group_rng, mean_interval

__all__ = ["Comparison", "GroupComparison", "align", "compare"]


@dataclass(frozen=True)
class GroupComparison:
    """Per-k means of runs A and B on one group and the paired difference B - A."""

    dimension: str
    group: str
    problems: int
    a_answer: Interval
    b_answer: Interval
    a_verified: Interval
    b_verified: Interval
    answer: Interval
    """Difference B - A, answer-only."""
    verified: Interval
    """Difference B - A, process-verified."""

    def significant(self, metric: str) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Per k, whether the interval of the difference excludes 0."""
        iv = self.answer if metric == "answer" else self.verified
        return np.asarray((iv.lo > 0) | (iv.hi < 0))


@dataclass(frozen=True)
class Comparison:
    k: tuple[int, ...]
    groups: tuple[GroupComparison, ...]
    config: EvalConfig = field(default_factory=EvalConfig)

    def get(self, dimension: str, group: str) -> GroupComparison:
        for g in self.groups:
            if g.dimension == dimension and g.group == group:
                return g
        raise KeyError(f"no group {dimension}={group}")


def align(a: EvalResults, b: EvalResults) -> EvalResults:
    """``b`` with its problems in ``a``'s order; the two must hold the same problems.

    Raises:
        ValueError: if the problem sets differ or a problem's op, context or mode differ.
    """
    a_ids, b_ids = set(a.ids), set(b.ids)
    if a_ids != b_ids:
        only_a, only_b = sorted(a_ids - b_ids), sorted(b_ids - a_ids)
        raise ValueError(
            "the runs were not scored on the same suite: "
            f"{len(only_a)} problems only in A (e.g. {only_a[:3]}), "
            f"{len(only_b)} only in B (e.g. {only_b[:3]})"
        )
    by_id = {p.id: p for p in b.problems}
    ordered = tuple(by_id[p.id] for p in a.problems)
    for pa, pb in zip(a.problems, ordered, strict=True):
        if (pa.op, pa.context, pa.mode) != (pb.op, pb.context, pb.mode):
            raise ValueError(f"problem {pa.id} differs between runs (op, context or mode)")
    return EvalResults(suite=b.suite, problems=ordered, meta=b.meta)


def compare(a: EvalResults, b: EvalResults, config: EvalConfig | None = None) -> Comparison:
    """Paired pass@k differences B - A per group (see module docstring)."""
    config = config or EvalConfig()
    b = align(a, b)
    if not a.problems:
        raise ValueError("results hold no problems")
    min_n = int(min(a.column("n").min(), b.column("n").min()))
    k = resolve_k(config, min_n)
    a_ans, a_ver = pass_matrices(a, k)
    b_ans, b_ver = pass_matrices(b, k)
    blocks = [a_ans, b_ans, a_ver, b_ver, b_ans - a_ans, b_ver - a_ver]
    table = np.concatenate(blocks, axis=1)
    width = len(k)
    # pass@k columns lie in [0, 1]; the differences (last two blocks) do not.
    bounded = np.arange(table.shape[1]) < 4 * width
    groups = []
    for dimension, group, index in iter_groups(a, config):
        rng = group_rng(config.seed, "compare", dimension, group)
        iv = mean_interval(
            table[index],
            n_boot=config.n_boot,
            confidence=config.confidence,
            rng=rng,
            bounded=bounded,
        )
        parts = [
            Interval(iv.mean[s], iv.lo[s], iv.hi[s])
            for s in (slice(j * width, (j + 1) * width) for j in range(len(blocks)))
        ]
        groups.append(GroupComparison(dimension, group, int(index.size), *parts))
    return Comparison(k=k, groups=tuple(groups), config=config)
