"""Frontier: tracks the student within one level, keeps its replay floor, shrugs off noise."""

from __future__ import annotations

import pytest

from edgegym.curricula import (
    CurriculumConfig,
    Frontier,
    FrontierParams,
    SimulatedStudent,
    StudentConfig,
)

CONFIG = CurriculumConfig(op_min=2, op_max=20, seed=3)


def frontier(config: CurriculumConfig = CONFIG, **params: object) -> Frontier:
    return Frontier(config, FrontierParams(**params))  # type: ignore[arg-type]


@pytest.mark.parametrize("theta", [6.3, 9.0, 12.7])
def test_frontier_settles_within_one_level_of_a_fixed_student(kit, theta: float) -> None:
    curriculum = frontier()
    student = SimulatedStudent(StudentConfig(theta0=theta, learn=False, seed=5))
    (track,) = curriculum.tracks
    truth = student.frontier(track, CONFIG.ops, CONFIG.tracker.mastery)
    for step in range(150):
        kit.step(curriculum, student)
        if step >= 40:  # warm-up: climbing from op_min
            assert abs(curriculum.frontier[track.key] - truth) <= 1, step


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_frontier_tracks_a_learning_student(kit, seed: int) -> None:
    curriculum = frontier(CurriculumConfig(op_min=2, op_max=24, seed=seed))
    student = SimulatedStudent(StudentConfig(theta0=8.0, lr=0.001, seed=seed))
    (track,) = curriculum.tracks
    moves = 0
    for step in range(300):
        kit.step(curriculum, student, groups=32)
        truth = student.frontier(track, curriculum.config.ops, CONFIG.tracker.mastery)
        if step >= 30:
            assert abs(curriculum.frontier[track.key] - truth) <= 1, (step, student.skill(track))
    moves = len(curriculum.history) - 1
    assert student.skill(track) > 13 and moves >= 8


def test_most_groups_sit_at_the_edge(kit) -> None:
    """With a fixed student, >= 70% of proposals come from levels with pass rate in [0.1, 0.9]."""
    curriculum = frontier()
    student = SimulatedStudent(StudentConfig(theta0=11.5, learn=False, seed=6))
    specs = [s for step in kit.run(curriculum, student, 150)[40:] for s in step]
    (track,) = curriculum.tracks
    edge = sum(0.1 <= student.pass_rate(track.arm(s.op)) <= 0.9 for s in specs)
    assert edge / len(specs) >= 0.7


def test_mastered_levels_keep_their_replay_floor(kit) -> None:
    curriculum = frontier(replay=0.05)
    student = SimulatedStudent(StudentConfig(theta0=13.0, learn=False, seed=7))
    (track,) = curriculum.tracks
    steps = kit.run(curriculum, student, 60, groups=32)
    h = curriculum.frontier[track.key]
    assert h >= 9  # levels 2 .. h-1 are mastered
    window: list[int] = []
    for _ in range(100):
        masses = curriculum.masses()
        below = [masses[track.arm(op)] for op in range(2, curriculum.frontier[track.key])]
        # Every mastered level keeps an even share of the floor, every step.
        assert min(below) >= 0.05 / len(below) - 1e-12
        window.extend(s.op for s in kit.step(curriculum, student, groups=32))
    replayed = [op for op in window if op < h]
    assert len(replayed) >= 0.9 * 0.05 * len(window)
    assert set(replayed) == set(range(2, h))  # none starves over 100 steps
    assert steps  # the warm-up ran


def test_frontier_only_moves_up(kit) -> None:
    curriculum = frontier()
    student = SimulatedStudent(StudentConfig(theta0=10.0, lr=0.003, seed=8))
    kit.run(curriculum, student, 120)
    levels = [h for _, _, h in curriculum.history]
    assert levels == sorted(levels) and levels[0] == 2 and levels[-1] > 6


@pytest.mark.parametrize("theta", [8.4, 11.0])
def test_reward_noise_moves_the_frontier_at_most_one_level(kit, theta: float) -> None:
    """5% of rewards flipped: the frontier is never pushed past the truth by more than one level,
    never moves down, and ends within one level of where a noise-free run ends."""
    (track,) = CONFIG.tracks
    ends = {}
    for noise in (0.0, 0.05):
        curriculum = frontier()
        student = SimulatedStudent(StudentConfig(theta0=theta, learn=False, noise=noise, seed=9))
        truth = student.frontier(track, CONFIG.ops, CONFIG.tracker.mastery)
        for _ in range(300):
            kit.step(curriculum, student)
            assert curriculum.frontier[track.key] <= truth + 1
        levels = [h for _, _, h in curriculum.history]
        assert levels == sorted(levels)
        ends[noise] = curriculum.frontier[track.key]
    assert abs(ends[0.05] - ends[0.0]) <= 1


def test_each_track_has_its_own_frontier(kit) -> None:
    config = CurriculumConfig(contexts=("zoo", "movie"), modes=("forward", "reverse"), seed=2)
    curriculum = frontier(config)
    offsets = (("dag/movie/forward", 3.0), ("dag/zoo/reverse", -3.0), ("dag/movie/reverse", -1.0))
    student = SimulatedStudent(StudentConfig(theta0=10.0, learn=False, offsets=offsets, seed=3))
    kit.run(curriculum, student, 150, groups=32)
    for track in curriculum.tracks:
        truth = student.frontier(track, config.ops, config.tracker.mastery)
        assert abs(curriculum.frontier[track.key] - truth) <= 1, track.key
    assert len(set(curriculum.frontier.values())) >= 3


def test_window_grows_over_a_gentle_edge(kit) -> None:
    """A shallow pass-rate curve spreads the edge over many levels; the window follows it."""
    steep, gentle = frontier(), frontier()
    (track,) = CONFIG.tracks
    for curriculum, slope in ((steep, 2.0), (gentle, 0.4)):
        student = SimulatedStudent(StudentConfig(theta0=12.0, slope=slope, learn=False, seed=4))
        kit.run(curriculum, student, 80)
    assert len(gentle.regions(track)[1]) > len(steep.regions(track)[1])


def test_all_mastered_keeps_proposing_the_top_levels(kit) -> None:
    config = CurriculumConfig(op_min=2, op_max=8)
    curriculum = frontier(config)
    student = SimulatedStudent(StudentConfig(theta0=30.0, learn=False, seed=1))
    kit.run(curriculum, student, 30)
    (track,) = curriculum.tracks
    assert curriculum.frontier[track.key] == 9  # past op_max
    replay, window, probes = curriculum.regions(track)
    assert list(window) == [5, 6, 7, 8] and not probes and list(replay) == [2, 3, 4]
    assert all(2 <= s.op <= 8 for s in curriculum.propose(64))


def test_start_sets_the_initial_frontier() -> None:
    curriculum = frontier(start=9)
    assert curriculum.frontier == {"dag/zoo/forward": 9}
    ops = [s.op for s in curriculum.propose(100)]
    # Levels below the start count as mastered: they get the replay floor and nothing more.
    assert sum(op < 9 for op in ops) == 3 and min(ops) >= 2
