"""Curricula at the edge of competence.

A curriculum proposes :class:`edgegym.tasks.TaskSpec` objects and observes
scored groups (:class:`GroupResult`); a :class:`CompetenceTracker` keeps per-arm
posteriors of the verified pass rate; strategies decide where the sampling mass
goes; group filters drop groups that carry no GRPO gradient; simulated students
stand in for a policy in tests and benchmarks::

    from edgegym.curricula import CurriculumConfig, make_curriculum
    curriculum = make_curriculum("frontier", CurriculumConfig(op_min=2, op_max=20))
    specs = curriculum.propose(32)
    curriculum.observe([GroupResult.of(spec, rewards) for spec, rewards in ...])

This package imports only :mod:`edgegym.tasks`; envs, evaluation and trainer
adapters build :class:`GroupResult` from their reward results.

Modules:
    arms: arms and scored groups, the plain data proposed and observed.
    config: which arms exist and how problems are built from them.
    base: the curriculum protocol and the machinery every strategy shares.
    tracker: per-arm posteriors of pass rates.
    stats: the tracker's running sums and read-only summary.
    beta: Beta quantiles for confidence bounds.
    frontier: the default strategy, a moving edge of competence per track.
    strategies: Uniform, FixedBand, Learnability, TargetDifficulty.
    registry: strategies by name, curricula rebuilt from saved states.
    filters: GRPO group filters and a bounded batch filler.
    students: simulated students, stand-ins for a policy.
    simulate: the loop that runs a student against a curriculum.
    plot: where the sampling mass went over a simulated run.
    _io: atomic JSON state files.
    _params: helpers of the strategies' hyperparameter dataclasses.
"""

from edgegym.curricula.arms import Arm, GroupResult, RewardLike, SampleOutcome, Track
from edgegym.curricula.base import Curriculum, Proposer
from edgegym.curricula.config import CurriculumConfig
from edgegym.curricula.filters import (
    BatchReport,
    GroupFilter,
    PassRateBandFilter,
    ZeroVarianceFilter,
    fill_batch,
)
from edgegym.curricula.frontier import Frontier, FrontierParams
from edgegym.curricula.registry import (
    DEFAULT_STRATEGY,
    STRATEGIES,
    from_state,
    load_curriculum,
    make_curriculum,
)
from edgegym.curricula.simulate import SimulationConfig, SimulationResult, StepRecord, simulate
from edgegym.curricula.stats import ArmSummary, Status
from edgegym.curricula.strategies import (
    BandParams,
    FixedBand,
    Learnability,
    LearnabilityParams,
    TargetDifficulty,
    TargetParams,
    Uniform,
    UniformParams,
)
from edgegym.curricula.students import SimulatedStudent, StudentConfig
from edgegym.curricula.tracker import STATUSES, CompetenceTracker, TrackerConfig

__all__ = [
    "DEFAULT_STRATEGY",
    "STATUSES",
    "STRATEGIES",
    "Arm",
    "ArmSummary",
    "BandParams",
    "BatchReport",
    "CompetenceTracker",
    "Curriculum",
    "CurriculumConfig",
    "FixedBand",
    "Frontier",
    "FrontierParams",
    "GroupFilter",
    "GroupResult",
    "Learnability",
    "LearnabilityParams",
    "PassRateBandFilter",
    "Proposer",
    "RewardLike",
    "SampleOutcome",
    "SimulatedStudent",
    "SimulationConfig",
    "SimulationResult",
    "Status",
    "StepRecord",
    "StudentConfig",
    "TargetDifficulty",
    "TargetParams",
    "Track",
    "TrackerConfig",
    "Uniform",
    "UniformParams",
    "ZeroVarianceFilter",
    "fill_batch",
    "from_state",
    "load_curriculum",
    "make_curriculum",
    "simulate",
]
