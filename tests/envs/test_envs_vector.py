"""Vector envs: ``gym.make_vec`` with sync and async vectorization, async with its defaults."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from edgegym.envs import gold_steps
from edgegym.envs.spaces import SharedTextBatch


def _play_gold(env: gym.vector.VectorEnv, env_id: str) -> tuple[tuple[str, ...], np.ndarray]:
    obs, _ = env.reset(seed=42)
    problems = env.get_attr("problem")
    assert all(o == p.prompt for o, p in zip(obs, problems, strict=True))
    if env_id.endswith("Reason-v0"):
        return env.step(tuple(p.completion for p in problems))[:2]
    return env.step(tuple(gold_steps(p)[0] for p in problems))[:2]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_make_vec_eight_envs(env_id: str, mode: str) -> None:
    env = gym.make_vec(f"edgegym:{env_id}", num_envs=8, vectorization_mode=mode, reward="strict")
    try:
        obs, rewards = _play_gold(env, env_id)
        assert isinstance(obs, tuple) and len(obs) == 8 and all(isinstance(o, str) for o in obs)
        assert obs in env.observation_space
        if env_id.endswith("Reason-v0"):
            assert rewards.tolist() == [1.0] * 8
    finally:
        env.close()


def test_async_default_matches_sync_and_no_shared_memory() -> None:
    """Async with Gymnasium's defaults (shared memory on) returns what sync returns, every step."""
    runs = {}
    for mode, vector_kwargs in (("sync", {}), ("async", {}), ("async", {"shared_memory": False})):
        env = gym.make_vec(
            "edgegym:ReasonStep-v0",
            num_envs=4,
            vectorization_mode=mode,
            vector_kwargs=vector_kwargs,
        )
        env.action_space.seed(0)
        trace = [env.reset(seed=7)[0]]
        for i in range(5):
            actions = tuple(f"Define step {i} é😀 as x{j}; so x = {j}." for j in range(4))
            if i == 3:
                actions = ("</solution> <answer> 1 </answer>", *actions[1:])  # one env ends
            obs, rewards, terminated, truncated, _ = env.step(actions)
            trace.append((obs, rewards.tolist(), terminated.tolist(), truncated.tolist()))
        env.close()
        runs[(mode, bool(vector_kwargs))] = trace
    first = runs[("sync", False)]
    assert all(trace == first for trace in runs.values())
    assert all(isinstance(o, str) for o in first[-1][0])


def test_async_copy_false_gives_a_live_view() -> None:
    env = gym.make_vec(
        "edgegym:Reason-v0", num_envs=2, vectorization_mode="async", vector_kwargs={"copy": False}
    )
    try:
        obs, _ = env.reset(seed=0)
        assert isinstance(obs, SharedTextBatch)
        prompts = tuple(obs)
        env.step(("a", "b"))
        assert tuple(obs) == (prompts[0] + "a", prompts[1] + "b")  # same object, new values
    finally:
        env.close()


def test_vector_autoreset_serves_a_new_problem() -> None:
    env = gym.make_vec("edgegym:Reason-v0", num_envs=2, vectorization_mode="sync")
    first, _ = env.reset(seed=0)
    env.step(("x", "y"))
    after, rewards, *_ = env.step(("ignored", "ignored"))  # next-step autoreset
    assert rewards.tolist() == [0.0, 0.0]
    assert after != first and all(o.endswith("<solution>") for o in after)
    env.close()
