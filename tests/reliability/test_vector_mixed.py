"""Vector envs on mixed batches: verified, wrong and unfinished episodes in one step.

Gymnasium merges step infos into one array per key, typed by the first env that has
the key: a key whose type changes between episodes (``first_error`` an int for a wrong
response, ``None`` for a verified one) crashed every real batch.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

import edgegym  # noqa: F401  (registers the ids)
from edgegym.envs import gold_steps
from edgegym.rewards import score

MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_reason_mixed_batch_rewards_equal_score(mode: str) -> None:
    """The issue's command: a wrong answer before a verified one, and the reverse order."""
    env = gym.make_vec("edgegym:Reason-v0", num_envs=4, vectorization_mode=mode)
    try:
        env.reset(seed=0)
        problems = env.get_attr("problem")
        actions = ("wrong", problems[1].completion, problems[2].completion, "still wrong")
        _, rewards, terminated, _, info = env.step(actions)
        expected = [score(p, a).score for p, a in zip(problems, actions, strict=True)]
        assert rewards.tolist() == pytest.approx(expected)
        assert terminated.all()
        assert expected[1] == 1.0 and expected[0] < 1.0  # really mixed
        first = info["first_error"]
        assert first.dtype.kind == "i"
        assert first[1] == -1 and first[2] == -1 and first[0] >= -1
        assert info["verified"].tolist() == [False, True, True, False]
    finally:
        env.close()


@pytest.mark.parametrize("mode", MODES)
def test_reason_step_mixed_batch(mode: str) -> None:
    """Step-wise: one env ends verified, one ends wrong, one goes on, in the same step."""
    env = gym.make_vec("edgegym:ReasonStep-v0", num_envs=3, vectorization_mode=mode)
    try:
        env.reset(seed=3)
        problems = env.get_attr("problem")
        wrong = f"</solution> <answer> {problems[0].answer + 1} </answer>"
        actions = (wrong, problems[1].completion, gold_steps(problems[2])[0])
        _, rewards, terminated, _, info = env.step(actions)
        assert terminated.tolist() == [True, True, False]
        for i in (0, 1):  # a one-step episode's reward is its whole score
            assert rewards[i] == pytest.approx(score(problems[i], " " + actions[i]).score)
        assert info["first_error"].dtype.kind == "i" and info["first_error"][1] == -1
        assert info["_first_error"].tolist() == [True, True, False]
        assert info["verified"][:2].tolist() == [False, True]
        # The next step mixes an autoreset, a reset and a finishing episode the other way.
        _, _, terminated, _, _ = env.step(("x", "y", problems[2].completion))
        assert terminated[2]
    finally:
        env.close()


@pytest.mark.parametrize("mode", MODES)
def test_many_random_mixed_batches(mode: str) -> None:
    """Seeded batches of gold, junk and wrong answers: every step merges, every reward matches."""
    rng = np.random.default_rng(5)
    env = gym.make_vec("edgegym:Reason-v0", num_envs=6, vectorization_mode=mode)
    try:
        env.reset(seed=11)
        for _ in range(6):
            problems = env.get_attr("problem")
            actions = tuple(
                (p.completion, "junk", f"</solution> <answer> {p.answer + 1} </answer>")[
                    int(rng.integers(3))
                ]
                for p in problems
            )
            _, rewards, *_ = env.step(actions)
            expected = [score(p, a).score for p, a in zip(problems, actions, strict=True)]
            assert rewards.tolist() == pytest.approx(expected)
            env.step(("",) * 6)  # the next-step autoreset
    finally:
        env.close()
