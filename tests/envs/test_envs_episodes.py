"""Episodes: oracle and junk rewards, action types, the response budget, replay, curricula."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

from edgegym.curricula.arms import GroupResult
from edgegym.envs import (
    OVER_LENGTH,
    FixedProposer,
    ReasonEnv,
    ReasonStepEnv,
    gold_steps,
)
from edgegym.tasks import TaskSpec, generate

ORACLE_CASES = [
    {"op": [2, 10]},
    {"op": [11, 20], "contexts": ["zoo", "teacher", "movie", "library", "harbor"]},
    {
        "op": [2, 8],
        "contexts": ["symbolic"],
        "modes": ["forward"],
        "dag": {"modulus": 10, "distractors": 0},
    },
]


@pytest.mark.parametrize("kwargs", ORACLE_CASES, ids=["op2-10", "op11-20", "symbolic"])
def test_oracle_scores_strict_one_on_every_problem(env_id: str, kwargs: dict[str, Any]) -> None:
    env = gym.make(env_id, reward="strict", **kwargs)
    env.reset(seed=0)
    for _ in range(30):
        _, info = env.reset()
        problem = env.unwrapped.problem  # type: ignore[attr-defined]
        actions = [problem.completion] if env_id.endswith("Reason-v0") else gold_steps(problem)
        total = 0.0
        for action in actions:
            _, reward, terminated, truncated, info = env.step(action)
            total += reward
        assert terminated and not truncated
        assert total == pytest.approx(1.0, abs=1e-12)
        assert info["verified"] is True and info["outcome"] == 1.0 and info["process"] == 1.0
        assert info["answer"] == problem.answer and info["flags"] == ()


JUNK = [
    "",  # nothing at all
    "I don't know.",  # prose, no answer
    "Answer:",  # bare "master key" string
    "</solution> <answer> </answer>",  # empty answer tag
    "<answer> 1 </answer> <answer> 2 </answer>",  # hedging: two answers
    "import os; os.system('echo hacked') </solution> <answer> -1 </answer>",  # code, wrong answer
    "\x00\ud800😀" * 50,  # control characters, a lone surrogate, emoji
]


@pytest.mark.parametrize("reward", ["strict", "gated", "outcome"])
@pytest.mark.parametrize("junk", JUNK, ids=range(len(JUNK)))
def test_junk_scores_zero(junk: str, reward: str) -> None:
    env = ReasonEnv(reward=reward)
    env.reset(seed=1)
    _, r, terminated, _, info = env.step(junk)
    assert (r, terminated, info["verified"]) == (0.0, True, False)


def test_wrong_answer_with_perfect_trace_scores_zero_strict_and_gated() -> None:
    for reward in ("strict", "gated"):
        env = ReasonEnv(reward=reward)
        env.reset(seed=2)
        problem = env.problem
        assert problem is not None
        wrong = problem.completion.replace(
            f"<answer> {problem.answer} ", f"<answer> {problem.answer + 1} "
        )
        assert env.step(wrong)[1] == 0.0


@pytest.mark.parametrize("action", [123, None, b"bytes", ["a list"], np.int64(3)])
def test_non_string_action_raises_type_error_naming_str(env_id: str, action: object) -> None:
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    with pytest.raises(TypeError, match="str"):
        env.step(action)


def test_numpy_string_action_is_accepted() -> None:
    env = ReasonEnv()
    env.reset(seed=0)
    assert env.problem is not None
    assert env.step(np.str_(env.problem.completion))[1] == 1.0


def test_step_before_reset_and_after_end_raise_reset_needed(env_id: str) -> None:
    env = gym.make(env_id).unwrapped
    with pytest.raises(gym.error.ResetNeeded):
        env.step("x")
    env.reset(seed=0)
    env.step("</solution> <answer> 0 </answer>")
    with pytest.raises(gym.error.ResetNeeded):
        env.step("x")


def test_over_long_action_is_cut_flagged_and_scored() -> None:
    env = ReasonEnv(max_response_chars=40, reward="gated")
    prompt, _ = env.reset(seed=4)
    assert env.problem is not None
    action = env.problem.completion + " " * 10_000
    obs, reward, terminated, truncated, info = env.step(action)
    assert OVER_LENGTH in info["flags"] and terminated and not truncated
    assert obs == prompt + action[:40]
    assert reward == 0.0  # the cut response has no answer: what a stopped generator gets
    assert env.action_space.contains(action[:40]) and not env.action_space.contains(action)


def test_over_long_response_ends_step_episode_flagged() -> None:
    env = ReasonStepEnv(max_response_chars=100)
    env.reset(seed=4)
    assert env.problem is not None
    for step in gold_steps(env.problem):
        obs, _, terminated, _, info = env.step(step)
        if terminated:
            break
    assert terminated and OVER_LENGTH in info["flags"]
    assert len(obs) == len(env.problem.prompt) + 100


def test_reset_replays_a_problem_record_exactly(env_id: str) -> None:
    problem = generate(TaskSpec(op=9, mode="reverse", context="movie", index=77))
    env = gym.make(env_id)
    for options in (
        {"problem": problem.to_record()},
        {"problem": problem},
        {"spec": problem.spec.to_dict()},
    ):
        obs, info = env.reset(seed=123, options=options)
        assert obs == problem.prompt and info["id"] == problem.id
        assert info["spec"] == problem.spec.to_dict()


def test_reset_rejects_a_tampered_record_and_unknown_options() -> None:
    record = generate(TaskSpec(op=5)).to_record()
    env = ReasonEnv()
    with pytest.raises(ValueError, match="id"):
        env.reset(options={"problem": {**record, "answer": record["answer"] + 1}})
    with pytest.raises(ValueError, match="unknown reset option"):
        env.reset(options={"difficulty": 3})


def test_reset_info_holds_provenance_that_regenerates_the_problem(env_id: str) -> None:
    env = gym.make(env_id)
    obs, info = env.reset(seed=9)
    problem = generate(TaskSpec.from_dict(info["spec"]))
    assert problem.prompt == obs and problem.id == info["id"]
    assert problem.graph_hash == info["graph_hash"] and problem.op == info["op"]


def test_provenance_is_the_problem_s_own_every_episode(env_id: str) -> None:
    """The spec dict, op and hash reported are the problem's, however they are computed,
    and an info dict edited by the caller changes no later one."""
    env = gym.make(env_id, op=[2, 12], contexts=["zoo", "harbor"], dag={"distractors": 0})
    env.reset(seed=4)
    for _ in range(20):
        _, info = env.reset()
        problem = env.unwrapped.problem  # type: ignore[attr-defined]
        assert info["spec"] == problem.spec.to_dict()
        assert info["op"] == problem.op and info["graph_hash"] == problem.graph_hash
        info["spec"]["config"]["distractors"] = 3


def test_problems_follow_the_arguments() -> None:
    env = ReasonEnv(op=[11, 13], contexts=["harbor"], modes=["reverse"], split="val", seed=3)
    env.reset(seed=0)
    seen = set()
    for _ in range(20):
        _, info = env.reset()
        spec = info["spec"]
        assert 11 <= spec["op"] <= 13 and info["op"] == spec["op"]
        assert (spec["context"], spec["mode"], spec["split"], spec["seed"]) == (
            "harbor",
            "reverse",
            "val",
            3,
        )
        seen.add(info["id"])
    assert len(seen) == 20  # fresh problems


class Recorder:
    """A curriculum that delegates proposals and records what it observes."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.seen: list[GroupResult] = []

    def propose(self, n: int) -> list[TaskSpec]:
        return list(self.inner.propose(n))

    def observe(self, results: Sequence[GroupResult]) -> object:
        self.seen.extend(results)
        return self.inner.observe(results)


def test_curriculum_proposes_and_observes_every_episode() -> None:
    spec = TaskSpec(op=4, context="teacher", index=5)
    curriculum = Recorder(FixedProposer(spec))
    env = ReasonEnv(curriculum=curriculum, reward="strict")
    for _ in range(3):
        _, info = env.reset()
        assert info["spec"] == spec.to_dict()
        assert env.problem is not None
        env.step(env.problem.completion)
    assert len(curriculum.seen) == 3
    group = curriculum.seen[0]
    assert group.arm.op == 4 and group.arm.context == "teacher" and group.index == 5
    assert group.samples[0].verified and group.samples[0].score == 1.0


def test_an_edgegym_curriculum_drives_the_env() -> None:
    """The curricula package's strategies plug in as they are (its protocol is the env's)."""
    from edgegym.curricula import CurriculumConfig, make_curriculum

    curriculum = Recorder(make_curriculum("frontier", CurriculumConfig(op_min=2, op_max=6)))
    env = ReasonEnv(curriculum=curriculum, reward="strict")
    for i in range(6):
        _, info = env.reset()
        assert 2 <= info["op"] <= 6
        assert env.problem is not None
        env.step(env.problem.completion if i % 2 else "no idea")
    assert [g.samples[0].verified for g in curriculum.seen] == [False, True] * 3


def test_truncated_step_episode_is_reported_unfinished_at_next_reset() -> None:
    from edgegym.curricula import CurriculumConfig, make_curriculum

    curriculum = Recorder(make_curriculum("uniform", CurriculumConfig(op_min=3, op_max=5, seed=2)))
    env = gym.make("ReasonStep-v0", curriculum=curriculum, max_episode_steps=2)
    env.reset()
    assert env.step("Let me think.")[3] is False
    assert env.step("Still thinking.")[3] is True  # TimeLimit truncates
    assert curriculum.seen == []
    env.reset()
    (group,) = curriculum.seen
    assert "unfinished" in group.samples[0].flags and not group.samples[0].verified


def test_replayed_problems_are_not_reported_to_the_curriculum() -> None:
    curriculum = Recorder(FixedProposer(TaskSpec(op=3)))
    env = ReasonEnv(curriculum=curriculum)
    env.reset(options={"spec": TaskSpec(op=6).to_dict()})
    env.step("")
    assert curriculum.seen == []


def test_render_ansi_returns_the_transcript() -> None:
    env = ReasonEnv(render_mode="ansi")
    obs, _ = env.reset(seed=0)
    assert env.render() == obs
    obs, *_ = env.step(" done")
    assert env.render() == obs and obs.endswith(" done")
    assert ReasonEnv().render() is None
