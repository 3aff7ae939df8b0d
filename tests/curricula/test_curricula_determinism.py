"""Determinism and resume: same seed same proposals, 500 + 500 == 1000 exactly, JSON state."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import random
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from edgegym.curricula import (
    STRATEGIES,
    Curriculum,
    CurriculumConfig,
    SimulatedStudent,
    StudentConfig,
    from_state,
    load_curriculum,
)

NAMES = sorted(STRATEGIES)
CONFIG = CurriculumConfig(contexts=("zoo", "movie"), op_min=2, op_max=20, seed=11)
STUDENT = StudentConfig(theta0=8.0, lr=0.004, offsets=(("dag/movie/forward", -2.0),), seed=4)


def digest(specs_per_step: list[Any]) -> str:
    text = json.dumps([[s.to_dict() for s in step] for step in specs_per_step], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture(scope="module")
def frontier_runs(kit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two uninterrupted 1,000-step runs and one saved at 500 and resumed from the file."""
    runs: dict[str, Any] = {}
    for name in ("a", "b"):
        curriculum, student = kit.build("frontier", CONFIG), SimulatedStudent(STUDENT)
        runs[name] = (kit.run(curriculum, student, 1000, groups=8), curriculum, student)
    curriculum, student = kit.build("frontier", CONFIG), SimulatedStudent(STUDENT)
    first = kit.run(curriculum, student, 500, groups=8)
    path = tmp_path_factory.mktemp("resume") / "curriculum.json"
    curriculum.save(path)
    saved_student = json.loads(json.dumps(student.state_dict()))
    del curriculum, student
    resumed, student = load_curriculum(path), SimulatedStudent(STUDENT)
    student.load_state_dict(saved_student)
    runs["resumed"] = (first + kit.run(resumed, student, 500, groups=8), resumed, student)
    return runs


def test_same_seed_same_proposals_over_1000_steps(kit, frontier_runs: dict[str, Any]) -> None:
    (a, cur_a, _), (b, cur_b, _) = frontier_runs["a"], frontier_runs["b"]
    assert len(a) == 1000 and digest(a) == digest(b)
    assert kit.canonical(cur_a.state_dict()) == kit.canonical(cur_b.state_dict())


def test_resume_equals_an_uninterrupted_run(kit, frontier_runs: dict[str, Any]) -> None:
    (a, cur_a, stu_a), (r, cur_r, stu_r) = frontier_runs["a"], frontier_runs["resumed"]
    assert digest(a) == digest(r)
    assert kit.canonical(cur_a.state_dict()) == kit.canonical(cur_r.state_dict())
    assert stu_a.state_dict() == stu_r.state_dict()
    # The run went somewhere: the frontier moved on both tracks.
    assert all(h > CONFIG.op_min + 3 for h in cur_r.frontier.values())


@pytest.mark.parametrize("name", [n for n in NAMES if n != "frontier"])
def test_resume_equivalence_for_every_strategy(kit, name: str) -> None:
    whole, student = kit.build(name, CONFIG), SimulatedStudent(STUDENT)
    expected = kit.run(whole, student, 120, groups=8)
    part, student = kit.build(name, CONFIG), SimulatedStudent(STUDENT)
    got = kit.run(part, student, 60, groups=8)
    state, student_state = json.loads(kit.canonical(part.state_dict())), student.state_dict()
    part, student = from_state(state), SimulatedStudent(STUDENT)
    student.load_state_dict(student_state)
    got += kit.run(part, student, 60, groups=8)
    assert digest(got) == digest(expected)
    assert kit.canonical(part.state_dict()) == kit.canonical(whole.state_dict())


def test_different_seeds_differ(kit) -> None:
    runs = []
    for seed in (1, 2):
        config = CurriculumConfig(op_min=2, op_max=20, seed=seed)
        runs.append(kit.run(kit.build("frontier", config), SimulatedStudent(STUDENT), 20))
    assert digest(runs[0]) != digest(runs[1])


@pytest.mark.parametrize("name", NAMES)
def test_order_of_results_never_changes_the_state(kit, name: str) -> None:
    states = set()
    for order in range(4):
        curriculum, student = kit.build(name, CONFIG), SimulatedStudent(STUDENT)
        for step in range(30):
            specs = curriculum.propose(16)
            results = student.rollout(specs, 8)
            random.Random(order * 1000 + step).shuffle(results)
            curriculum.observe(results)
            student.learn(results)
        states.add(kit.canonical(curriculum.state_dict()))
    assert len(states) == 1


@pytest.mark.parametrize("name", NAMES)
def test_state_is_finite_json_and_round_trips(kit, name: str, tmp_path: Path) -> None:
    curriculum, student = kit.build(name, CONFIG), SimulatedStudent(STUDENT)
    kit.run(curriculum, student, 40)
    text = kit.canonical(curriculum.state_dict())  # allow_nan=False: raises on NaN or inf
    assert kit.canonical(from_state(json.loads(text)).state_dict()) == text
    curriculum.save(tmp_path / "state.json")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]  # no temp file left behind
    restored = kit.build(name, CONFIG)
    restored.restore(tmp_path / "state.json")
    assert kit.canonical(restored.state_dict()) == text
    assert kit.canonical(pickle.loads(pickle.dumps(curriculum)).state_dict()) == text


def test_load_rejects_a_state_of_another_kind(kit) -> None:
    state = kit.build("uniform", CONFIG).state_dict()
    with pytest.raises(ValueError, match="strategy"):
        kit.build("frontier", CONFIG).load_state_dict(state)
    with pytest.raises(ValueError, match="config"):
        kit.build("uniform", CurriculumConfig(seed=12)).load_state_dict(state)
    with pytest.raises(ValueError, match="version"):
        kit.build("uniform", CONFIG).load_state_dict({**state, "version": 99})


def test_save_is_atomic_when_writing_fails(
    kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "state.json"
    curriculum = kit.build("frontier", CONFIG)
    curriculum.save(path)
    before = path.read_bytes()
    curriculum.propose(8)

    def broken_fsync(fd: int) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        curriculum.save(path)
    assert path.read_bytes() == before  # the old state is intact
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


SCRIPT = """
import hashlib, json
from edgegym.curricula import CurriculumConfig, SimulatedStudent, StudentConfig, make_curriculum
cur = make_curriculum("frontier", CurriculumConfig(contexts=("zoo", "movie"), seed=11))
stu = SimulatedStudent(StudentConfig(lr=0.004, seed=4))
out = []
for _ in range(30):
    specs = cur.propose(8)
    res = stu.rollout(specs, 8)
    cur.observe(res)
    stu.learn(res)
    out.append([s.to_dict() for s in specs])
out.append(cur.state_dict())
print(hashlib.sha256(json.dumps(out, sort_keys=True).encode()).hexdigest())
"""


def test_output_does_not_depend_on_pythonhashseed() -> None:
    digests = set()
    for hash_seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1


def test_threads_share_one_curriculum_safely(kit) -> None:
    curriculum: Curriculum[Any] = kit.build("frontier", CONFIG)
    indices: list[int] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        student = SimulatedStudent(StudentConfig(seed=seed))
        for _ in range(25):
            specs = curriculum.propose(4)
            curriculum.observe(student.rollout(specs, 8))
            with lock:
                indices.extend(s.index for s in specs)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(indices) == list(range(8 * 25 * 4))  # every index issued exactly once
    state = curriculum.state_dict()
    assert state["observed_groups"] == 8 * 25 * 4 and state["tracker"]["updates"] == 8 * 25
    total = sum(a["total_samples"] for a in state["tracker"]["arms"].values())
    assert total == 8 * 25 * 4 * 8
