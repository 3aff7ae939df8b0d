"""Simulated students: cheap stand-ins for a policy, for tests and benchmarks.

A student has a skill ``theta`` per track. Its verified pass rate at op ``d`` is
``sigmoid(slope * (theta - d))``: one half at ``d = theta``. It learns only from
informative groups, as GRPO does: a group with ``k`` rewarded samples of ``G``
raises the skill of its track by ``lr * 4 * (k / G) * (1 - k / G)``, which is
``lr`` for a half-solved group and zero for a group whose rewards are all equal.
Rewards can be flipped with probability ``noise`` to test robustness, and a
share of unverified samples can carry a right answer (``answer_gap``), as a
reward-hacking policy's do.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from edgegym.curricula.arms import Arm, GroupResult, SampleOutcome, Track
from edgegym.tasks import TaskSpec, stable_int
from edgegym.tasks.checks import check_int, check_number

__all__ = ["SimulatedStudent", "StudentConfig"]

STUDENT_STREAM = 0x53545544  # "STUD"


@dataclass(frozen=True, kw_only=True)
class StudentConfig:
    """A simulated student's skill, learning rate and noise."""

    theta0: float = 8.0
    """Initial skill, in ops: the pass rate is 1/2 at op == theta."""
    slope: float = 1.0
    """Steepness of the pass-rate curve per op."""
    lr: float = 0.002
    """Skill gained (in ops) from one half-solved group."""
    offsets: tuple[tuple[str, float], ...] = ()
    """Per-track skill offsets as (track key, offset), e.g. (("dag/zoo/reverse", -3.0),)."""
    noise: float = 0.0
    """Probability that a sample's reward is flipped."""
    answer_gap: float = 0.0
    """Probability that an unverified sample still has the right answer."""
    learn: bool = True
    """Whether the skill grows at all (fixed skill for tracking tests)."""
    seed: int = 0
    """Seed of the samples' random streams."""

    def __post_init__(self) -> None:
        check_number("theta0", self.theta0, -1e6, 1e6)
        check_number("slope", self.slope, 1e-6, 1e3)
        check_number("lr", self.lr, 0.0, 1e3)
        check_number("noise", self.noise, 0.0, 0.5)
        check_number("answer_gap", self.answer_gap, 0.0, 1.0)
        for entry in self.offsets:
            if not (isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str)):
                raise ValueError(f"offsets must hold (track key, number) pairs, got {entry!r}")
            check_number(f"offset of {entry[0]}", entry[1], -1e6, 1e6)
        if not isinstance(self.learn, bool):
            raise ValueError(f"learn must be a bool, got {self.learn!r}")
        check_int("seed", self.seed, 0)


def _sample(verified: bool, flipped: bool, answer: bool) -> SampleOutcome:
    """A sample whose reward (verified and answer) is flipped if ``flipped``; process is not."""
    return SampleOutcome(
        verified=verified != flipped,
        outcome=answer != flipped,
        score=1.0 if verified != flipped else 0.0,
        process=1.0 if verified else 0.5,
    )


# The eight possible samples, built once: samples are immutable and rollouts are hot.
_SAMPLES = {key: _sample(*key) for key in itertools.product((False, True), repeat=3)}


class SimulatedStudent:
    """A policy with a logistic pass-rate curve in op and a skill that grows by GRPO-like steps."""

    def __init__(self, config: StudentConfig | None = None) -> None:
        self.config = config or StudentConfig()
        self._offsets = dict(self.config.offsets)
        self._theta: dict[str, float] = {}

    def skill(self, track: Track) -> float:
        """The track's current skill theta, in ops."""
        return self._theta.get(track.key, self.config.theta0 + self._offsets.get(track.key, 0.0))

    def pass_rate(self, arm: Arm) -> float:
        """True verified pass rate at ``arm``."""
        z = self.config.slope * (self.skill(arm.track) - arm.op)
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def frontier(self, track: Track, ops: range, mastery: float = 0.9) -> int:
        """The true frontier: the lowest op of ``ops`` whose pass rate is below ``mastery``."""
        for op in ops:
            if self.pass_rate(track.arm(op)) < mastery:
                return op
        return ops.stop

    def rollout(self, specs: Sequence[TaskSpec], group_size: int) -> list[GroupResult]:
        """Sample a group of ``group_size`` per spec; each spec's draws depend only on the spec."""
        check_int("group_size", group_size, 1)
        return [self._group(spec, group_size) for spec in specs]

    def _group(self, spec: TaskSpec, group_size: int) -> GroupResult:
        arm = Arm.of(spec)
        key = [self.config.seed, STUDENT_STREAM, stable_int(arm.key), spec.seed, spec.index]
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))
        draws = rng.random((3, group_size))
        verified = draws[0] < self.pass_rate(arm)
        flipped = draws[1] < self.config.noise
        answer = verified | (draws[2] < self.config.answer_gap)
        samples = tuple(
            _SAMPLES[(bool(v), bool(f), bool(a))]
            for v, f, a in zip(verified, flipped, answer, strict=True)
        )
        return GroupResult(arm=arm, samples=samples, index=spec.index)

    def learn(self, groups: Sequence[GroupResult]) -> None:
        """Raise each track's skill by ``lr * 4 * (k / G) * (1 - k / G)`` per group."""
        if not self.config.learn:
            return
        for group in sorted(groups, key=GroupResult.sort_key):
            rate = sum(s.score for s in group.samples) / group.size
            track = group.arm.track
            self._theta[track.key] = self.skill(track) + self.config.lr * 4.0 * rate * (1.0 - rate)

    def state_dict(self) -> dict[str, Any]:
        return {"config": _config_dict(self.config), "theta": dict(sorted(self._theta.items()))}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["config"] != _config_dict(self.config):
            raise ValueError("student state was saved with a different StudentConfig")
        self._theta = {k: float(v) for k, v in state["theta"].items()}


def _config_dict(config: StudentConfig) -> dict[str, Any]:
    data = dataclasses.asdict(config)
    data["offsets"] = [list(pair) for pair in config.offsets]
    return data
