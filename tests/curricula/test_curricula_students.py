"""Simulated students: the pass-rate curve, learning only from informative groups, noise."""

from __future__ import annotations

import math

import pytest

from edgegym.curricula import Arm, SimulatedStudent, StudentConfig, Track
from edgegym.tasks import TaskSpec

TRACK = Track(family="dag", context="zoo", mode="forward")


def test_pass_rate_is_the_logistic_curve() -> None:
    student = SimulatedStudent(StudentConfig(theta0=10.0, slope=0.5))
    for op in (2, 10, 13, 30):
        expected = 1.0 / (1.0 + math.exp(-0.5 * (10.0 - op)))
        assert student.pass_rate(TRACK.arm(op)) == pytest.approx(expected)
    assert student.pass_rate(TRACK.arm(10)) == 0.5


def test_true_frontier(kit) -> None:
    student = SimulatedStudent(StudentConfig(theta0=10.0))
    assert student.frontier(TRACK, range(2, 21)) == 8  # sigma(10 - 7) = 0.95, sigma(2) = 0.88
    assert SimulatedStudent(StudentConfig(theta0=40.0)).frontier(TRACK, range(2, 21)) == 21


def test_learning_only_from_informative_groups(kit, arm: Arm) -> None:
    student = SimulatedStudent(StudentConfig(theta0=10.0, lr=0.1))
    student.learn([kit.group(arm, 0), kit.group(arm, 8)])  # all wrong, all right
    assert student.skill(TRACK) == 10.0
    student.learn([kit.group(arm, 4)])  # half right: the most informative group
    assert student.skill(TRACK) == pytest.approx(10.1)
    student.learn([kit.group(arm, 2)])
    assert student.skill(TRACK) == pytest.approx(10.1 + 0.1 * 4 * 0.25 * 0.75)


def test_tracks_learn_separately(kit) -> None:
    offsets = (("dag/zoo/reverse", -3.0),)
    student = SimulatedStudent(StudentConfig(theta0=10.0, lr=0.1, offsets=offsets))
    reverse = Track(family="dag", context="zoo", mode="reverse")
    assert student.skill(reverse) == 7.0
    student.learn([kit.group(reverse.arm(7), 4)])
    assert student.skill(reverse) == pytest.approx(7.1) and student.skill(TRACK) == 10.0


def test_rollouts_depend_only_on_the_spec() -> None:
    student = SimulatedStudent(StudentConfig(theta0=11.0, seed=3))
    specs = [TaskSpec(op=op, index=i) for i, op in enumerate([9, 11, 13, 11])]
    forward = student.rollout(specs, 8)
    backward = student.rollout(specs[::-1], 8)[::-1]
    assert forward == backward
    assert forward[1] != forward[3]  # same op, another index: another draw


def test_rates_and_noise_match_their_probabilities() -> None:
    specs = [TaskSpec(op=11, index=i) for i in range(2000)]
    clean = SimulatedStudent(StudentConfig(theta0=11.0, seed=1)).rollout(specs, 8)
    noisy = SimulatedStudent(StudentConfig(theta0=11.0, noise=0.2, seed=1)).rollout(specs, 8)
    hacky = SimulatedStudent(StudentConfig(theta0=11.0, answer_gap=0.5, seed=1)).rollout(specs, 8)
    rate = sum(g.n_verified for g in clean) / 16000
    assert rate == pytest.approx(0.5, abs=0.02)
    flipped = sum(a != b for x, y in zip(clean, noisy, strict=True)
                  for a, b in zip(x.samples, y.samples, strict=True))  # fmt: skip
    assert flipped / 16000 == pytest.approx(0.2, abs=0.015)
    answers = sum(g.n_outcome for g in hacky) / 16000
    assert answers == pytest.approx(0.5 + 0.5 * 0.5, abs=0.02)  # right answers, broken traces


def test_state_round_trip(kit, arm: Arm) -> None:
    config = StudentConfig(lr=0.1, offsets=(("dag/zoo/forward", 1.0),))
    student = SimulatedStudent(config)
    student.learn([kit.group(arm, 3)])
    copy = SimulatedStudent(config)
    copy.load_state_dict(student.state_dict())
    assert copy.skill(TRACK) == student.skill(TRACK)
    with pytest.raises(ValueError):
        SimulatedStudent(StudentConfig(lr=0.2)).load_state_dict(student.state_dict())


@pytest.mark.parametrize(
    "fields",
    [
        {"slope": 0.0},  # a flat curve
        {"noise": 0.6},  # more flips than not: the reward would mean its opposite
        {"lr": -1.0},  # unlearning
        {"offsets": (("dag/zoo/forward",),)},  # a pair without its number
        {"seed": -1},  # negative seed
    ],
)
def test_config_rejects_bad_values(fields: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        StudentConfig(**fields)  # type: ignore[arg-type]
