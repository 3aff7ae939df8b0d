"""Gymnasium's own checker passes for every registered id and a spread of arguments."""

from __future__ import annotations

import warnings
from typing import Any

import gymnasium as gym
from gymnasium.utils.env_checker import check_env


def test_check_env_passes_without_warnings(env_case: tuple[str, dict[str, Any]]) -> None:
    env_id, kwargs = env_case
    env = gym.make(env_id, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a checker warning is a failure here
        check_env(env.unwrapped)
    env.close()


def test_passive_checker_wrapped_env_runs(env_case: tuple[str, dict[str, Any]]) -> None:
    """The env as ``gym.make`` returns it (PassiveEnvChecker, OrderEnforcing) runs cleanly."""
    env_id, kwargs = env_case
    env = gym.make(env_id, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        obs, _ = env.reset(seed=3)
        assert obs in env.observation_space
        obs, reward, _, truncated, _ = env.step(env.action_space.sample())
        assert obs in env.observation_space
        assert isinstance(reward, float)
        assert truncated is False
    env.close()


def test_spaces_are_honest(env_case: tuple[str, dict[str, Any]]) -> None:
    """Every observation of a rollout lies in the observation space, unicode included."""
    env_id, kwargs = env_case
    env = gym.make(env_id, **kwargs)
    env.action_space.seed(0)
    for episode in range(3):
        obs, _ = env.reset(seed=episode)
        assert env.observation_space.contains(obs)
        for _ in range(3):
            obs, _, terminated, truncated, _ = env.step(env.action_space.sample() + " é😀\x00")
            assert env.observation_space.contains(obs)
            if terminated or truncated:
                break
