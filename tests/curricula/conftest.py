"""Shared helpers of the curriculum tests: small configs, groups built by hand, short runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest

from edgegym.curricula import (
    Arm,
    Curriculum,
    CurriculumConfig,
    GroupResult,
    SampleOutcome,
    SimulatedStudent,
    StudentConfig,
    make_curriculum,
)
from edgegym.tasks import TaskSpec


class Kit:
    """Helpers for building curricula, groups and short runs (use through the ``kit`` fixture)."""

    @staticmethod
    def params_for(strategy: str, config: CurriculumConfig) -> dict[str, Any]:
        """Hyperparameters that fit ``config`` (FixedBand's band must lie inside the op range)."""
        if strategy == "fixed-band":
            lo = min(max(11, config.op_min), config.op_max)
            return {"band_min": lo, "band_max": min(lo + 3, config.op_max)}
        return {}

    @staticmethod
    def build(strategy: str, config: CurriculumConfig | None = None) -> Curriculum[Any]:
        config = config or CurriculumConfig()
        return make_curriculum(strategy, config, **Kit.params_for(strategy, config))

    @staticmethod
    def group(
        arm: Arm, verified: int, size: int = 8, *, index: int = 0, **extra: Any
    ) -> GroupResult:
        """A group of ``size`` samples of which the first ``verified`` are verified."""
        samples = tuple(
            SampleOutcome(
                verified=i < verified, outcome=i < verified, score=float(i < verified), **extra
            )
            for i in range(size)
        )
        return GroupResult(arm=arm, samples=samples, index=index)

    @staticmethod
    def canonical(state: dict[str, Any]) -> str:
        """A state as the exact bytes it is saved as."""
        return json.dumps(state, sort_keys=True, allow_nan=False)

    @staticmethod
    def step(
        curriculum: Curriculum[Any], student: SimulatedStudent, groups: int = 16, size: int = 8
    ) -> list[TaskSpec]:
        """One training step: propose, roll out, observe, learn. Returns the proposals."""
        specs = curriculum.propose(groups)
        results = student.rollout(specs, size)
        curriculum.observe(results)
        student.learn(results)
        return specs

    @staticmethod
    def run(
        curriculum: Curriculum[Any], student: SimulatedStudent, steps: int, groups: int = 16
    ) -> list[list[TaskSpec]]:
        return [Kit.step(curriculum, student, groups) for _ in range(steps)]

    @staticmethod
    def ops_of(specs: Sequence[TaskSpec]) -> list[int]:
        return [s.op for s in specs]


@pytest.fixture
def arm() -> Arm:
    return Arm(family="dag", context="zoo", mode="forward", op=11)


@pytest.fixture
def student() -> SimulatedStudent:
    return SimulatedStudent(StudentConfig(theta0=8.0, slope=1.0, lr=0.002, seed=0))


@pytest.fixture(scope="session")
def kit() -> type[Kit]:
    return Kit
