"""Shared cases for the env tests: every registered id and a spread of arguments."""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import numpy as np
import pytest

import edgegym  # noqa: F401  (registers the ids)
from edgegym.envs import ENV_IDS, gold_steps, join_steps

# (case id, kwargs, ids it applies to). One row per argument worth exercising.
KWARG_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("defaults", {}, ENV_IDS),
    ("op2", {"op": 2}, ENV_IDS),
    ("edge-reverse", {"op": [11, 14], "modes": ["reverse"]}, ENV_IDS),
    ("hard-forward", {"op": [15, 20], "modes": ["forward"]}, ENV_IDS),
    (
        "symbolic-mod10",
        {"contexts": ["symbolic"], "modes": ["forward"], "dag": {"modulus": 10, "distractors": 0}},
        ENV_IDS,
    ),
    ("new-contexts-test", {"contexts": ["library", "harbor"], "split": "test", "seed": 7}, ENV_IDS),
    ("strict", {"reward": "strict"}, ENV_IDS),
    ("outcome", {"reward": "outcome"}, ENV_IDS),
    ("linear-a0.2", {"reward": "linear", "alpha": 0.2}, ENV_IDS),
    ("budget64", {"max_response_chars": 64}, ENV_IDS),
    ("chat", {"prompt_format": "chat", "modes": ["reverse"], "op": [3, 6]}, ENV_IDS),
    ("verdict", {"feedback": "verdict"}, ("ReasonStep-v0",)),
    ("shaping0.3-strict", {"shaping": 0.3, "reward": "strict"}, ("ReasonStep-v0",)),
]

ENV_CASES = [
    pytest.param((env_id, kwargs), id=f"{env_id}-{name}")
    for name, kwargs, ids in KWARG_CASES
    for env_id in ids
]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test asking for ``env_case`` runs once per (id, kwargs) row, named by both."""
    if "env_case" in metafunc.fixturenames:
        metafunc.parametrize("env_case", ENV_CASES)
    if "env_id" in metafunc.fixturenames:
        metafunc.parametrize("env_id", ENV_IDS)


def corrupt(step: str, rng: np.random.Generator) -> str:
    """The step with its last digit changed (a wrong stated value), or junk if it has none."""
    digits = [i for i, c in enumerate(step) if c.isdigit()]
    if not digits:
        return step + " so it is."
    i = digits[-1]
    return step[:i] + str((int(step[i]) + 1 + int(rng.integers(8))) % 10) + step[i + 1 :]


def policy_actions(problem: Any, rng: np.random.Generator) -> list[str]:
    """A seeded mix of gold, corrupted, dropped, repeated and junk steps, then an answer."""
    steps = gold_steps(problem)
    body, final = steps[:-1], steps[-1]
    out: list[str] = []
    for step in body:
        roll = rng.random()
        if roll < 0.6:
            out.append(step)
        elif roll < 0.7:
            out.append(corrupt(step, rng))
        elif roll < 0.8:
            continue
        elif roll < 0.9:
            out += [step, step]
        else:
            out.append("Let me think about this.")
    wrong = f"</solution> <answer> {problem.answer + 1} </answer>"
    return [*out, final if rng.random() < 0.7 else wrong]


def rollout(env_id: str, kwargs: dict[str, Any], seed: int, episodes: int = 4) -> str:
    """A seeded rollout as canonical JSON: observations, rewards, flags and infos."""
    env = gym.make(env_id, **kwargs)
    rng = np.random.default_rng(seed)
    trace: list[Any] = []
    for episode in range(episodes):
        obs, info = env.reset(seed=seed + episode)
        trace.append([obs, info])
        problem = env.unwrapped.problem  # type: ignore[attr-defined]
        actions = policy_actions(problem, rng)
        if env_id == "Reason-v0":
            actions = [join_steps(actions)]
        for action in actions:
            obs, reward, terminated, truncated, info = env.step(action)
            trace.append([obs, reward, terminated, truncated, info])
            if terminated or truncated:
                break
    env.close()
    return json.dumps(trace, sort_keys=True)


@pytest.fixture(name="policy_actions")
def _policy_actions() -> Any:
    return policy_actions


@pytest.fixture(name="rollout")
def _rollout() -> Any:
    return rollout
