"""Group filters for GRPO-style training, and a batch filler with a bounded budget.

A group whose training rewards are all equal has zero advantage for every sample
and gives no policy gradient (only a KL term), yet it cost G generations. DAPO's
dynamic sampling drops such groups and samples more to refill the batch; Bae et
al. keep only groups whose pass rate lies in a band. :func:`fill_batch` does
either with a hard cap on the rollouts it spends: it never generates more than
``max_oversample`` times the batch, and when the yield is too low it logs that
and returns the groups it has, so training goes on with a smaller batch.

Every generated group, kept or dropped, is reported to the curriculum: the
dropped ones are evidence of mastery or of being out of reach.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from edgegym.curricula.arms import GroupResult
from edgegym.curricula.base import Proposer
from edgegym.tasks import TaskSpec
from edgegym.tasks.checks import check_int, check_number

__all__ = ["BatchReport", "GroupFilter", "PassRateBandFilter", "ZeroVarianceFilter", "fill_batch"]

logger = logging.getLogger(__name__)

Rollout = Callable[[list[TaskSpec]], Sequence[GroupResult]]
"""Generates and scores one group per spec, in order."""


class GroupFilter(Protocol):
    """Decides whether a scored group goes into the training batch."""

    def keep(self, group: GroupResult) -> bool: ...


@dataclass(frozen=True, kw_only=True)
class ZeroVarianceFilter:
    """DAPO's rule: keep a group iff its training rewards are not all equal."""

    def keep(self, group: GroupResult) -> bool:
        return not group.zero_variance


@dataclass(frozen=True, kw_only=True)
class PassRateBandFilter:
    """Bae et al.'s balanced filter: keep a group iff its verified pass rate lies in [low, high]."""

    low: float = 0.1
    """Lowest verified pass rate kept."""
    high: float = 0.9
    """Highest verified pass rate kept."""

    def __post_init__(self) -> None:
        check_number("low", self.low, 0.0, 1.0)
        check_number("high", self.high, self.low, 1.0)

    def keep(self, group: GroupResult) -> bool:
        return self.low <= group.n_verified / group.size <= self.high


@dataclass(frozen=True, kw_only=True)
class BatchReport:
    """What :func:`fill_batch` produced and spent."""

    kept: tuple[GroupResult, ...]
    """The training batch: at most ``target`` groups that passed every filter."""
    target: int
    """Groups wanted."""
    generated: int
    """Groups rolled out (and observed), kept or not."""
    passed: int
    """Generated groups that passed every filter (may exceed ``target``; the surplus is unused)."""
    budget: int
    """The cap on ``generated``."""
    rounds: int
    """Rollout calls made."""

    @property
    def yield_rate(self) -> float:
        """Fraction of generated groups that passed the filters."""
        return self.passed / self.generated if self.generated else 0.0

    @property
    def oversample(self) -> float:
        """Generated groups per group wanted (1.0 means no extra rollouts)."""
        return self.generated / self.target if self.target else 0.0

    @property
    def short(self) -> bool:
        """The budget ran out before the batch was full."""
        return len(self.kept) < self.target

    def metrics(self) -> dict[str, float]:
        """Numbers to log each step."""
        return {
            "filter/yield": self.yield_rate,
            "filter/oversample": self.oversample,
            "filter/kept": float(len(self.kept)),
            "filter/short": float(self.short),
        }


def fill_batch(
    curriculum: Proposer,
    rollout: Rollout,
    *,
    groups: int,
    filters: Sequence[GroupFilter] = (ZeroVarianceFilter(),),
    max_oversample: float = 1.5,
) -> BatchReport:
    """Propose, roll out and filter until ``groups`` groups pass or the budget is spent.

    Args:
        curriculum: Proposes specs and observes every generated group.
        rollout: Generates and scores one group per spec.
        groups: Groups wanted in the training batch.
        filters: A group is kept only if every filter keeps it.
        max_oversample: Cap on generated groups, as a multiple of ``groups`` (>= 1).

    Returns:
        The kept groups and the rollouts spent; ``generated <= floor(max_oversample * groups)``.
    """
    check_int("groups", groups, 1)
    check_number("max_oversample", max_oversample, 1.0, 100.0)
    budget = math.floor(max_oversample * groups)
    kept: list[GroupResult] = []
    generated = passed = rounds = 0
    while len(kept) < groups and generated < budget:
        missing = groups - len(kept)
        # After the first round, ask for as many as the yield so far says are needed.
        rate = max(passed / generated, 0.05) if generated else 1.0
        ask = min(budget - generated, math.ceil(missing / rate))
        specs = curriculum.propose(ask)
        results = list(rollout(specs))
        if len(results) != len(specs):
            raise ValueError(f"rollout returned {len(results)} groups for {len(specs)} specs")
        curriculum.observe(results)
        good = [g for g in results if all(f.keep(g) for f in filters)]
        generated, passed, rounds = generated + ask, passed + len(good), rounds + 1
        kept.extend(good[:missing])
    report = BatchReport(
        kept=tuple(kept),
        target=groups,
        generated=generated,
        passed=passed,
        budget=budget,
        rounds=rounds,
    )
    if report.short:
        logger.warning(
            "filtered batch short: %d of %d groups after %d rollouts (yield %.2f, budget %d); "
            "training on what passed",
            len(kept), groups, generated, report.yield_rate, budget,
        )  # fmt: skip
    else:
        logger.info(
            "filtered batch full: yield %.2f, oversample %.2f", report.yield_rate, report.oversample
        )
    return report
