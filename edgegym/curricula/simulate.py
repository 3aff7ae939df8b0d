"""Run a curriculum against a simulated student: the loop behind tests, benchmark and CLI.

Each step proposes ``groups`` specs, rolls out ``group_size`` samples per spec
with the student, lets the curriculum observe every group and the student learn
from them. The same rollout budget (groups x group_size per step) is spent
whatever the strategy, so steps to a target skill compare strategies fairly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from edgegym.curricula.arms import Arm, Track
from edgegym.curricula.base import Curriculum
from edgegym.curricula.frontier import Frontier
from edgegym.curricula.students import SimulatedStudent
from edgegym.tasks import TaskSpec
from edgegym.tasks.checks import check_int, check_number

__all__ = ["SimulationConfig", "SimulationResult", "StepRecord", "simulate"]


@dataclass(frozen=True, kw_only=True)
class SimulationConfig:
    """Budget and stopping rule of a simulation."""

    steps: int = 500
    """Training steps to run at most."""
    groups: int = 32
    """Groups (prompts) per step."""
    group_size: int = 8
    """Samples per group, G."""
    target: float | None = None
    """Stop once every track's skill reaches this (None: run all steps)."""

    def __post_init__(self) -> None:
        for name in ("steps", "groups", "group_size"):
            check_int(name, getattr(self, name), 1)
        if self.target is not None:
            check_number("target (a number or None)", self.target, -math.inf)


@dataclass(frozen=True, kw_only=True)
class StepRecord:
    """What happened in one step."""

    step: int
    """1-based step number."""
    skill: dict[str, float]
    """Student skill per track key after the step."""
    frontier: dict[str, int]
    """Curriculum frontier per track key after the step (empty unless the strategy has one)."""
    proposed: dict[str, dict[int, int]]
    """Groups proposed per track key and op."""
    zero_variance: int
    """Proposed groups whose rewards were all equal."""


@dataclass(kw_only=True)
class SimulationResult:
    """The records of a run and its headline numbers."""

    records: list[StepRecord] = field(default_factory=list)
    steps_to_target: int | None = None
    """First step after which every track's skill reached the target (None: never)."""

    @property
    def groups(self) -> int:
        """Groups proposed in all."""
        return sum(
            n for r in self.records for per_op in r.proposed.values() for n in per_op.values()
        )

    @property
    def zero_variance_fraction(self) -> float:
        """Fraction of proposed groups whose rewards were all equal (no GRPO gradient)."""
        return sum(r.zero_variance for r in self.records) / max(self.groups, 1)


def _count(specs: Sequence[TaskSpec], tracks: Sequence[Track]) -> dict[str, dict[int, int]]:
    counts = Counter((Arm.of(s).track.key, s.op) for s in specs)
    return {
        t.key: {op: n for (key, op), n in sorted(counts.items()) if key == t.key} for t in tracks
    }


def simulate(
    curriculum: Curriculum[Any],
    student: SimulatedStudent,
    config: SimulationConfig,
    on_step: Callable[[StepRecord], None] | None = None,
) -> SimulationResult:
    """Train ``student`` on ``curriculum``'s proposals for up to ``config.steps`` steps."""
    result = SimulationResult()
    for step in range(1, config.steps + 1):
        specs = curriculum.propose(config.groups)
        groups = student.rollout(specs, config.group_size)
        curriculum.observe(groups)
        student.learn(groups)
        record = StepRecord(
            step=step,
            skill={t.key: student.skill(t) for t in curriculum.tracks},
            frontier=curriculum.frontier if isinstance(curriculum, Frontier) else {},
            proposed=_count(specs, curriculum.tracks),
            zero_variance=sum(g.zero_variance for g in groups),
        )
        result.records.append(record)
        if on_step is not None:
            on_step(record)
        if config.target is not None and min(record.skill.values()) >= config.target:
            result.steps_to_target = step
            break
    return result
