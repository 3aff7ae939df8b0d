"""Per-arm running sums and the read-only summary the tracker derives from them."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

from edgegym.curricula.arms import Arm, GroupResult

__all__ = ["ArmStats", "ArmSummary", "Status", "pass_at_k"]

Status = Literal["unseen", "uncertain", "out_of_reach", "edge", "mastered"]

# Decayed per-arm sums, all aged by the same factor; raw lifetime counters are kept apart.
_DECAYED = (
    "succ", "fail", "ans_succ", "ans_fail", "process",
    "groups", "zero_var", "all_correct", "all_wrong", "any_verified",
)  # fmt: skip


@dataclass(kw_only=True)
class ArmStats:
    """Mutable running sums of one arm (read through :class:`ArmSummary`).

    Every float field is a decayed sum; the ``total_*`` counters are lifetime counts.
    """

    succ: float = 0.0
    fail: float = 0.0
    ans_succ: float = 0.0
    ans_fail: float = 0.0
    process: float = 0.0
    groups: float = 0.0
    zero_var: float = 0.0
    all_correct: float = 0.0
    all_wrong: float = 0.0
    any_verified: float = 0.0
    pass_k: dict[str, float] = field(default_factory=dict)
    pass_k_groups: dict[str, float] = field(default_factory=dict)
    flags: dict[str, float] = field(default_factory=dict)
    total_samples: int = 0
    total_groups: int = 0
    total_zero_var: int = 0
    last_update: int = 0

    def decay(self, factor: float) -> None:
        for name in _DECAYED:
            setattr(self, name, getattr(self, name) * factor)
        for table in (self.pass_k, self.pass_k_groups, self.flags):
            for key in table:
                table[key] *= factor

    def add(self, group: GroupResult, weight: float) -> None:
        size, c, w = group.size, group.n_verified, weight
        self.succ += w * c
        self.fail += w * (size - c)
        self.ans_succ += w * group.n_outcome
        self.ans_fail += w * (size - group.n_outcome)
        self.process += w * math.fsum(s.process for s in group.samples)
        self.groups += w
        self.zero_var += w * group.zero_variance
        self.all_correct += w * (c == size)
        self.all_wrong += w * (c == 0)
        self.any_verified += w * (c > 0)
        k = 1
        while k <= size:  # unbiased pass@k within the group, k = 1, 2, 4, ... <= G
            key = str(k)
            self.pass_k[key] = self.pass_k.get(key, 0.0) + w * pass_at_k(size, c, k)
            self.pass_k_groups[key] = self.pass_k_groups.get(key, 0.0) + w
            k *= 2
        for sample in group.samples:
            for flag in sample.flags:
                self.flags[flag] = self.flags.get(flag, 0.0) + w
        self.total_samples += size
        self.total_groups += 1
        self.total_zero_var += group.zero_variance

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArmStats:
        return cls(**data)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from c successes among n samples (Chen et al. 2021)."""
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


@dataclass(frozen=True, kw_only=True)
class ArmSummary:
    """A read-only snapshot of one arm's competence."""

    arm: Arm
    status: Status
    samples: float
    """Effective (decayed) number of samples."""
    total_samples: int
    """Lifetime number of samples."""
    mean: float
    """Posterior mean of the verified pass rate."""
    lcb: float
    """Lower confidence bound of the verified pass rate."""
    ucb: float
    """Upper confidence bound of the verified pass rate."""
    answer_mean: float
    """Posterior mean of the answer-only pass rate."""
    process: float
    """Mean process accuracy (0 when unseen)."""
    zero_variance: float
    """Fraction of the arm's groups whose training rewards were all equal."""
    pass_at: dict[int, float]
    """In-group unbiased pass@k for k = 1, 2, 4, ... up to the group size."""
    flag_rates: dict[str, float]
    """Fraction of samples carrying each flag."""

    @property
    def hacking_gap(self) -> float:
        """Answer-only minus verified pass rate: answers right for the wrong reasons."""
        return self.answer_mean - self.mean
