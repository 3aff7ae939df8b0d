"""Every strategy: proposals are valid specs inside the configured range; each one's own rule."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edgegym.curricula import (
    STRATEGIES,
    CurriculumConfig,
    FixedBand,
    Frontier,
    Learnability,
    SimulatedStudent,
    StudentConfig,
    TargetDifficulty,
    Uniform,
    make_curriculum,
)
from edgegym.tasks import DagConfig, TaskSpec

NAMES = sorted(STRATEGIES)


@pytest.mark.parametrize("name", NAMES)
def test_proposals_are_specs_of_the_config(kit, name: str) -> None:
    config = CurriculumConfig(
        contexts=("zoo", "movie"), modes=("forward",), op_min=3, op_max=15, split="val", seed=5,
        task=DagConfig(distractors=0.5),
    )  # fmt: skip
    curriculum = kit.build(name, config)
    specs = curriculum.propose(64)
    assert len(specs) == 64
    for spec in specs:
        assert isinstance(spec, TaskSpec)
        assert spec.split == "val" and spec.seed == 5 and spec.config == config.task
        assert spec.context in ("zoo", "movie") and 3 <= spec.op <= 15
    assert [s.index for s in specs] == list(range(64))  # indices count the specs issued
    assert [s.index for s in curriculum.propose(3)] == [64, 65, 66]


@pytest.mark.parametrize("name", NAMES)
def test_masses_form_a_distribution_over_configured_arms(kit, name: str) -> None:
    curriculum = kit.build(name, CurriculumConfig(op_min=4, op_max=12))
    masses = curriculum.masses()
    assert set(masses) == set(curriculum.arms)
    assert sum(masses.values()) == pytest.approx(1.0)
    assert all(m >= 0 for m in masses.values())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(NAMES),
    op_min=st.integers(2, 30),
    width=st.integers(0, 10),
    theta=st.floats(-5.0, 45.0),
    seed=st.integers(0, 2**32),
)
def test_no_level_outside_the_range_is_ever_proposed(
    kit, name: str, op_min: int, width: int, theta: float, seed: int
) -> None:
    config = CurriculumConfig(op_min=op_min, op_max=min(op_min + width, 40), seed=seed)
    if (name == "fixed-band" and config.op_max < 11) or (name == "fixed-band" and op_min > 14):
        config = CurriculumConfig(op_min=11, op_max=14, seed=seed)
    curriculum = kit.build(name, config)
    student = SimulatedStudent(StudentConfig(theta0=theta, lr=0.05, seed=seed))
    for specs in kit.run(curriculum, student, steps=30, groups=8):
        assert all(config.op_min <= s.op <= config.op_max for s in specs)


def test_uniform_spreads_evenly(kit) -> None:
    curriculum = kit.build("uniform", CurriculumConfig(op_min=2, op_max=9))
    counts = Counter(s.op for s in curriculum.propose(800))
    assert counts == {op: 100 for op in range(2, 10)}  # systematic sampling: exact shares
    assert isinstance(curriculum, Uniform)


def test_fixed_band_stays_in_band(kit, student: SimulatedStudent) -> None:
    curriculum = make_curriculum("fixed-band", CurriculumConfig(), band_min=11, band_max=14)
    assert isinstance(curriculum, FixedBand)
    ops = {s.op for specs in kit.run(curriculum, student, 20) for s in specs}
    assert ops == {11, 12, 13, 14}


def test_fixed_band_must_fit_the_range() -> None:
    with pytest.raises(ValueError, match="band"):
        make_curriculum("fixed-band", CurriculumConfig(op_min=2, op_max=10))


def test_learnability_favours_the_edge(kit) -> None:
    """With a fixed student, most groups go to levels whose pass rate is between 0.1 and 0.9."""
    curriculum = kit.build("learnability", CurriculumConfig(op_min=2, op_max=20))
    assert isinstance(curriculum, Learnability)
    student = SimulatedStudent(StudentConfig(theta0=11.0, learn=False, seed=1))
    specs = [s for step in kit.run(curriculum, student, 120)[40:] for s in step]
    edge = sum(0.1 <= student.pass_rate(curriculum.arms[s.op - 2]) <= 0.9 for s in specs)
    uniform_share = 5 / 19  # ops 9-13 have p in [0.1, 0.9]
    assert edge / len(specs) > 1.5 * uniform_share


def test_target_difficulty_settles_where_half_is_solved(kit) -> None:
    curriculum = kit.build("target-difficulty", CurriculumConfig(op_min=2, op_max=20))
    assert isinstance(curriculum, TargetDifficulty)
    student = SimulatedStudent(StudentConfig(theta0=12.3, learn=False, seed=2))
    kit.run(curriculum, student, 120)
    (target,) = curriculum.targets.values()
    assert abs(target - 12.3) < 1.0


def test_target_difficulty_follows_a_learning_student(kit) -> None:
    curriculum = kit.build("target-difficulty", CurriculumConfig(op_min=2, op_max=30))
    student = SimulatedStudent(StudentConfig(theta0=8.0, lr=0.003, seed=3))
    kit.run(curriculum, student, 200, groups=32)
    (target,) = curriculum.targets.values()
    (skill,) = (student.skill(t) for t in curriculum.tracks)
    assert skill > 12 and abs(target - skill) < 1.5


def test_make_curriculum_rejects_unknown_names_and_params() -> None:
    with pytest.raises(ValueError, match="strategy must be one of"):
        make_curriculum("curiosity")
    with pytest.raises(ValueError, match="bad parameters"):
        make_curriculum("frontier", window_size=4)


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("frontier", {"window": 0}),  # an empty window
        ("frontier", {"window": 5, "max_window": 4}),  # window cannot grow to its minimum
        ("frontier", {"replay": 0.9}),  # replay would crowd out the edge
        ("frontier", {"start": 1}),  # start below op_min
        ("learnability", {"epsilon": -0.1}),  # negative weight
        ("target-difficulty", {"beta": 1.5}),  # target pass rate above 1
        ("fixed-band", {"band_min": 14, "band_max": 11}),  # inverted band
    ],
)
def test_bad_params_are_rejected(name: str, params: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        make_curriculum(name, CurriculumConfig(), **params)


@pytest.mark.parametrize(
    "fields",
    [
        {"contexts": ()},  # no track at all
        {"contexts": ("zoo", "zoo")},  # repeated context
        {"contexts": ("mars",)},  # no such context data
        {"family": "chess"},  # no such family
        {"modes": ("sideways",)},  # unknown mode
        {"op_min": 1},  # below the smallest op
        {"op_min": 10, "op_max": 9},  # empty range
        {"op_max": 41},  # above the largest op
        {"split": "dev"},  # unknown split
        {"modes": ("reverse",), "task": DagConfig(modulus=10)},  # reverse mode with a modulus
    ],
)
def test_config_rejects_bad_values(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CurriculumConfig(**fields)  # type: ignore[arg-type]


def test_config_dict_round_trip() -> None:
    config = CurriculumConfig(contexts=("zoo", "movie"), modes=("forward", "reverse"), op_max=30)
    assert CurriculumConfig.from_dict(config.to_dict()) == config
    assert len(config.tracks) == 4 and len(config.arms) == 4 * 29


def test_propose_zero_and_bad_n(kit) -> None:
    curriculum = kit.build("frontier")
    assert curriculum.propose(0) == []
    with pytest.raises(ValueError):
        curriculum.propose(-1)


def test_frontier_is_the_default() -> None:
    assert isinstance(make_curriculum(), Frontier)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "learnability"])
def test_tracks_share_the_budget(kit, name: str) -> None:
    config = CurriculumConfig(contexts=("zoo", "movie"), modes=("forward", "reverse"))
    curriculum = kit.build(name, config)
    tracks = Counter((s.context, s.mode) for s in curriculum.propose(400))
    assert sorted(tracks.values()) == [100] * 4


def test_learnability_weighs_all_arms_together(kit) -> None:
    """LILO ranks every arm on one scale, so tracks get what their learnability earns."""
    config = CurriculumConfig(contexts=("zoo", "movie"), modes=("forward", "reverse"))
    masses = kit.build("learnability", config).masses()
    per_track = Counter()
    for arm, mass in masses.items():
        per_track[arm.track] += mass
    assert len(per_track) == 4 and all(m > 0.1 for m in per_track.values())
    assert np.isclose(sum(per_track.values()), 1.0)
