"""``prompt_format="chat"``: the envs serve chat messages and read chat replies leniently."""

from __future__ import annotations

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import edgegym  # noqa: F401  (registers the ids)
from edgegym.tasks import Problem
from edgegym.tasks.chat import chat_completion, chat_messages, system_prompt


@pytest.mark.parametrize("name", ["Reason-v0", "ReasonStep-v0"])
def test_chat_env_passes_gymnasium_checker(name: str) -> None:
    env = gym.make(name, prompt_format="chat", op=[2, 6])
    check_env(env.unwrapped, skip_render_check=True)


def test_chat_observation_and_messages() -> None:
    env = gym.make("Reason-v0", prompt_format="chat", op=4, modes=["reverse"])
    obs, info = env.reset(seed=1)
    problem = env.unwrapped.problem
    assert info["messages"] == chat_messages(problem)
    assert info["messages"][0]["content"] == system_prompt("reverse", problem.spec.config)
    assert obs == "\n\n".join(m["content"] for m in info["messages"])
    assert "<question>" not in obs and problem.question in obs


def test_chat_gold_scores_one_and_is_flagged() -> None:
    env = gym.make("Reason-v0", prompt_format="chat", reward="strict", op=[3, 8])
    for seed in range(6):
        env.reset(seed=seed)
        problem: Problem = env.unwrapped.problem
        _, reward, done, _, info = env.step(chat_completion(problem))
        assert (reward, done, info["verified"]) == (1.0, True, True)
        assert "lenient_solution" in info["flags"]


def test_raw_default_unchanged_and_lenient_opt_out() -> None:
    raw = gym.make("Reason-v0", reward="strict", op=5)
    obs, info = raw.reset(seed=0)
    problem = raw.unwrapped.problem
    assert obs == problem.prompt and "messages" not in info
    assert raw.step(chat_completion(problem))[1] == 0.0  # the stray <solution> still counts
    strict_chat = gym.make("Reason-v0", prompt_format="chat", lenient=False, reward="strict", op=5)
    strict_chat.reset(seed=0)
    assert strict_chat.step(chat_completion(problem))[1] == 0.0


def test_step_env_chat_reply_in_pieces() -> None:
    env = gym.make("ReasonStep-v0", prompt_format="chat", reward="strict", op=4)
    env.reset(seed=2)
    problem = env.unwrapped.problem
    reply = chat_completion(problem)
    head, tail = reply.split("</solution>")
    *_, done, _, _ = env.step(head)
    assert not done
    _, reward, done, _, info = env.step("</solution>" + tail)
    assert done and info["verified"] and reward > 0, info


@pytest.mark.parametrize("bad", [{"prompt_format": "xml"}, {"lenient": "yes"}])
def test_bad_format_arguments(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=next(iter(bad))):
        gym.make("Reason-v0", **bad)
