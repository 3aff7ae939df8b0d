"""OpenRLHF reward function for single-turn RL: ``--reward.remote_url <this file>``.

OpenRLHF loads this file as a module of its own and calls
``reward_func(queries, prompts, labels)`` once per sample, in a thread, with lists of
length one: ``queries`` are prompt + response decoded with special tokens kept,
``prompts`` the dataset prompts, ``labels`` the dataset labels (JSON strings written by
``edgegym corpus rl``). Each sample is scored by the ``Reason-v0`` env its label
rebuilds (``reset(seed, options={"spec": spec})`` then ``step(response)``), so the
reward is exactly ``edgegym.rewards.score`` under the label's ``reward`` mode and
``alpha``, with the env's response budget.

A label that cannot be read scores 0 with ``extra_logs["label_error"] = 1``. OpenRLHF
0.11 does not drop a sample whose reward function raises: ``SingleTurnAgentExecutor``
logs the error and returns the sample with ``reward=None``, and building the experience
then fails (``experience_maker.py``: no reward model to fall back on), so the training
step fails. So bad labels are caught here, and any other error (a bug) surfaces there.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from edgegym.agents.openrlhf._shared import (
    LABEL_ERRORS,
    LOG_KEYS,
    STEP_ENV_IDS,
    Label,
    response_of,
)

__all__ = ["reward_func", "score_sample"]

_SINGLE_TURN_ID = "edgegym:Reason-v0"
_SCORED_IDS = (
    _SINGLE_TURN_ID,
    "Reason-v0",
    "edgegym/Reason-v0",
    "edgegym:edgegym/Reason-v0",
    *STEP_ENV_IDS,
)
_STEP_ONLY_KWARGS = ("feedback", "shaping", "max_episode_steps")
_LOCAL = threading.local()  # OpenRLHF calls from a thread pool; envs are not thread-safe


def _env(label: Label) -> Any:
    """A ``Reason-v0`` env for the label's kwargs, one per thread and kwargs."""
    import gymnasium as gym

    kwargs = {k: v for k, v in label.kwargs.items() if k not in _STEP_ONLY_KWARGS}
    key = json.dumps(kwargs, sort_keys=True)
    cache: dict[str, Any] = _LOCAL.__dict__.setdefault("envs", {})
    if key not in cache:
        cache[key] = gym.make(_SINGLE_TURN_ID, **kwargs)
    return cache[key]


def score_sample(query: str, prompt: str, label: str) -> dict[str, float]:
    """Score one sample: ``{"score", "outcome", "process", "verified", "label_error"}``.

    A step-env label (``ReasonStep-v0``) is scored as ``Reason-v0`` scores the whole
    response, which is what its per-step rewards sum to.
    """
    try:
        parsed = Label.parse(label)
        if parsed.spec is None:
            raise ValueError("a single-turn label must name a problem spec")
        if parsed.env_id not in _SCORED_IDS:
            raise ValueError(f"env_id must be one of {_SCORED_IDS}, got {parsed.env_id!r}")
        env = _env(parsed)
        _, info = env.reset(seed=parsed.seed, options={"spec": parsed.spec})
        if parsed.id is not None and info["id"] != parsed.id:
            raise ValueError(f"the env rebuilt problem {info['id']}, the label names {parsed.id}")
        _, reward, _, _, info = env.step(response_of(query, prompt))
    # A bad label (not JSON, unknown env or kwargs, a spec that does not generate) must
    # not raise: OpenRLHF would fail the training step. These are the errors such labels
    # raise.
    except LABEL_ERRORS:
        return {"score": 0.0, "outcome": 0.0, "process": 0.0, "verified": 0.0, "label_error": 1.0}
    return {
        "score": float(reward),
        "outcome": float(info["outcome"]),
        "process": float(info["process"]),
        "verified": float(bool(info["verified"])),
        "label_error": 0.0,
    }


def reward_func(
    queries: list[str], prompts: list[str], labels: list[str], **kwargs: Any
) -> dict[str, Any]:
    """OpenRLHF's reward function contract: rewards, scores and extra logs as tensors."""
    import torch

    results = [score_sample(q, p, lab) for q, p, lab in zip(queries, prompts, labels, strict=False)]
    scores = torch.tensor([r["score"] for r in results], dtype=torch.float32)
    return {
        "rewards": scores,
        "scores": scores.clone(),
        "extra_logs": {
            key: torch.tensor([r[key] for r in results], dtype=torch.float32) for key in LOG_KEYS
        },
    }
