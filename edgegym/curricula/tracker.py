"""Competence tracking: per-arm posteriors of pass rates from scored groups.

For every arm the :class:`CompetenceTracker` keeps decayed counts: Beta
posteriors of the verified pass rate and of the answer-only pass rate (their gap
exposes reward hacking), group and zero-variance counts, unbiased in-group
pass@k, mean process accuracy and per-flag rates (parse failures, truncation).

Old evidence fades with a half-life measured in samples of the arm's *track*
(every arm of a track ages when any of them is observed). Counting time in
samples rather than in calls makes the estimates the same whether results come
one group at a time or one batch at a time, and lets a level that has not been
visited for a while drift back toward the prior, so strategies re-probe it.

Each arm is classified from its recent evidence as

- ``mastered``: the lower confidence bound of the verified pass rate reaches the
  mastery threshold, with at least ``min_samples`` effective samples;
- ``edge``: not mastered, but some verified successes (pass@1 low, pass@k > 0),
  with enough samples or an upper bound below the mastery threshold;
- ``out_of_reach``: enough samples and (almost) no verified success;
- ``uncertain``: seen, but too little recent evidence to say (a level that has
  not been sampled for a while fades here);
- ``unseen``: never observed.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from edgegym.curricula.arms import Arm, GroupResult, Track
from edgegym.curricula.beta import beta_cdf, beta_quantile
from edgegym.curricula.stats import ArmStats, ArmSummary, Status
from edgegym.tasks.checks import check_number

__all__ = ["STATUSES", "CompetenceTracker", "TrackerConfig"]

STATUSES: tuple[Status, ...] = ("unseen", "uncertain", "out_of_reach", "edge", "mastered")


@dataclass(frozen=True, kw_only=True)
class TrackerConfig:
    """How evidence is weighed and levels are classified."""

    half_life: float | None = 1024.0
    """Samples of a track after which earlier evidence on its arms weighs half (None: never)."""
    prior: float = 1.0
    """Beta prior pseudo-counts (alpha0 = beta0) of every pass rate."""
    mastery: float = 0.9
    """Mastered: the lower confidence bound of the verified pass rate reaches this."""
    confidence: float = 0.95
    """One-sided level of the confidence bounds (the LCB is the 1 - confidence quantile)."""
    min_samples: float = 64.0
    """Effective samples an arm needs before it can be called mastered (RLVE: 8 x G with G = 8)."""
    edge_successes: float = 0.5
    """Decayed verified successes that make a non-mastered arm ``edge`` rather than out of reach."""

    def __post_init__(self) -> None:
        if self.half_life is not None:
            check_number("half_life", self.half_life, 0, open_lo=True)
        check_number("prior", self.prior, 0, open_lo=True)
        check_number("mastery", self.mastery, 0, 1, open_lo=True, open_hi=True)
        check_number("confidence", self.confidence, 0, 1, open_lo=True, open_hi=True)
        if self.confidence <= 0.5:
            raise ValueError(f"confidence must be in (0.5, 1), got {self.confidence!r}")
        check_number("min_samples", self.min_samples, 0, open_lo=True)
        check_number("edge_successes", self.edge_successes, 0, open_lo=True)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackerConfig:
        return cls(**data)


class CompetenceTracker:
    """Per-arm decayed posteriors of verified and answer-only pass rates.

    Not thread-safe on its own; :class:`edgegym.curricula.Curriculum` guards it.
    """

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self._stats: dict[Arm, ArmStats] = {}
        self._updates = 0
        self._bounds: dict[Arm, tuple[float, float]] = {}

    @property
    def updates(self) -> int:
        """Number of :meth:`observe` calls folded so far."""
        return self._updates

    def arms(self) -> list[Arm]:
        """Every arm seen so far, sorted."""
        return sorted(self._stats)

    def observe(self, results: Iterable[GroupResult]) -> None:
        """Fold a batch of scored groups; the outcome does not depend on their order."""
        ordered = sorted(results, key=GroupResult.sort_key)
        self._updates += 1
        new_samples: dict[Track, int] = defaultdict(int)
        for group in ordered:
            new_samples[group.arm.track] += group.size
        aging = {track: self._aging(n) for track, n in new_samples.items()}
        for arm in sorted(self._stats):
            if arm.track in aging:
                self._stats[arm].decay(aging[arm.track][0])
        for group in ordered:
            stats = self._stats.setdefault(group.arm, ArmStats())
            stats.add(group, aging[group.arm.track][1])
            stats.last_update = self._updates
        for arm in [a for a in self._bounds if a.track in new_samples]:
            del self._bounds[arm]

    def _aging(self, n: int) -> tuple[float, float]:
        """(decay of old evidence, weight of each new sample) when a track gets ``n`` samples.

        The new samples are treated as spread evenly over the time they took, so each
        weighs the mean of the decay over that span. Then folding them one group per call
        or all in one call ends at the same effective sample size, ``half_life / ln 2``
        in the long run, whatever the batching.
        """
        if self.config.half_life is None:
            return 1.0, 1.0
        x = n * math.log(2.0) / self.config.half_life
        return math.exp(-x), -math.expm1(-x) / x

    def samples(self, arm: Arm) -> float:
        """Effective (decayed) verified samples of ``arm``."""
        stats = self._stats.get(arm)
        return 0.0 if stats is None else stats.succ + stats.fail

    def successes(self, arm: Arm) -> float:
        """Effective (decayed) verified successes of ``arm``."""
        stats = self._stats.get(arm)
        return 0.0 if stats is None else stats.succ

    def mean(self, arm: Arm) -> float:
        """Posterior mean of the verified pass rate (the prior's 1/2 when unseen)."""
        a0 = self.config.prior
        return (a0 + self.successes(arm)) / (2 * a0 + self.samples(arm))

    def bounds(self, arm: Arm) -> tuple[float, float]:
        """(lower, upper) one-sided confidence bounds of the verified pass rate."""
        if arm not in self._bounds:
            a0, tail = self.config.prior, 1.0 - self.config.confidence
            a = a0 + self.successes(arm)
            b = a0 + self.samples(arm) - self.successes(arm)
            self._bounds[arm] = (beta_quantile(tail, a, b), beta_quantile(1.0 - tail, a, b))
        return self._bounds[arm]

    def mastered(self, arm: Arm) -> bool:
        """Enough effective samples and a lower bound at or above the mastery threshold."""
        if self.samples(arm) < self.config.min_samples:
            return False
        # LCB >= mastery  <=>  P(p <= mastery) <= 1 - confidence: one CDF, no quantile search.
        a0 = self.config.prior
        a, b = a0 + self.successes(arm), a0 + self.samples(arm) - self.successes(arm)
        return beta_cdf(self.config.mastery, a, b) <= 1.0 - self.config.confidence

    def plausible(self, arm: Arm, level: float, quantile: float) -> bool:
        """Whether the ``quantile`` quantile of the verified pass rate is at least ``level``."""
        a0 = self.config.prior
        a, b = a0 + self.successes(arm), a0 + self.samples(arm) - self.successes(arm)
        return beta_cdf(level, a, b) <= quantile

    def status(self, arm: Arm) -> Status:
        """What the recent evidence says of ``arm`` (see the module docstring)."""
        stats = self._stats.get(arm)
        if stats is None or stats.total_samples == 0:
            return "unseen"
        if self.mastered(arm):
            return "mastered"
        enough = self.samples(arm) >= self.config.min_samples
        if stats.succ >= self.config.edge_successes:
            # Some successes: edge, once the evidence rules mastery out or is plentiful.
            if enough or self.bounds(arm)[1] < self.config.mastery:
                return "edge"
            return "uncertain"
        return "out_of_reach" if enough else "uncertain"

    def summary(self, arm: Arm) -> ArmSummary:
        """A snapshot of everything known about ``arm``."""
        stats = self._stats.get(arm, ArmStats())
        n, a0 = stats.succ + stats.fail, self.config.prior
        lcb, ucb = self.bounds(arm)
        return ArmSummary(
            arm=arm,
            status=self.status(arm),
            samples=n,
            total_samples=stats.total_samples,
            mean=self.mean(arm),
            lcb=lcb,
            ucb=ucb,
            answer_mean=(a0 + stats.ans_succ) / (2 * a0 + stats.ans_succ + stats.ans_fail),
            process=stats.process / n if n > 0 else 0.0,
            zero_variance=stats.zero_var / stats.groups if stats.groups > 0 else 0.0,
            pass_at={
                int(k): stats.pass_k[k] / stats.pass_k_groups[k]
                for k in sorted(stats.pass_k, key=int)
                if stats.pass_k_groups[k] > 0
            },
            flag_rates={f: stats.flags[f] / n for f in sorted(stats.flags) if n > 0},
        )

    def state_dict(self) -> dict[str, Any]:
        """Plain JSON: the config, the update count and every arm's sums, keyed by arm key."""
        return {
            "config": self.config.to_dict(),
            "updates": self._updates,
            "arms": {arm.key: self._stats[arm].to_dict() for arm in sorted(self._stats)},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output; the config must match."""
        config = TrackerConfig.from_dict(state["config"])
        if config != self.config:
            raise ValueError(
                f"tracker config mismatch: state has {config}, tracker has {self.config}"
            )
        self._updates = int(state["updates"])
        self._stats = {Arm.parse(k): ArmStats.from_dict(v) for k, v in state["arms"].items()}
        self._bounds = {}

    def summaries(self, arms: Sequence[Arm]) -> list[ArmSummary]:
        """Summaries of ``arms`` in the given order."""
        return [self.summary(arm) for arm in arms]
