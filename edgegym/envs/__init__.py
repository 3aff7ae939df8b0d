"""Gymnasium environments built from ``edgegym.tasks`` and ``edgegym.rewards``.

``Reason-v0`` (:class:`ReasonEnv`): one problem, one response, one reward.
``ReasonStep-v0`` (:class:`ReasonStepEnv`): one reasoning step per action, potential-based
per-step rewards that sum to the ``Reason-v0`` score. Ids are registered in
:mod:`edgegym.envs.registration` when ``edgegym`` is imported.

Modules:
    base: what the two envs share (arguments, spaces, drawing a problem, provenance).
    config: the envs' JSON-able keyword arguments, validated.
    proposers: where an env's problems come from (the curriculum protocol, the env's own
        draw, a fixed list).
    reason: ``Reason-v0``.
    reason_step: ``ReasonStep-v0``.
    registration: every Gymnasium id edgegym provides.
    spaces: the free-text space of observations and actions.

Names are imported on first use, so that ``import edgegym`` (which registers the ids)
stays cheap and does not load the task generator or the reward code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edgegym.envs.base import FINAL_MARKERS, MAX_PROMPT_CHARS, OVER_LENGTH
    from edgegym.envs.config import EnvConfig, StepEnvConfig
    from edgegym.envs.proposers import (
        Curriculum,
        FixedProposer,
        sample_spec,
    )
    from edgegym.envs.reason import ReasonEnv
    from edgegym.envs.reason_step import VERDICTS, ReasonStepEnv, gold_steps, join_steps
    from edgegym.envs.registration import ENV_IDS
    from edgegym.envs.spaces import FreeText

_HOMES = {
    "FINAL_MARKERS": "base",
    "MAX_PROMPT_CHARS": "base",
    "OVER_LENGTH": "base",
    "EnvConfig": "config",
    "StepEnvConfig": "config",
    "Curriculum": "proposers",
    "FixedProposer": "proposers",
    "sample_spec": "proposers",
    "ReasonEnv": "reason",
    "VERDICTS": "reason_step",
    "ReasonStepEnv": "reason_step",
    "gold_steps": "reason_step",
    "join_steps": "reason_step",
    "ENV_IDS": "registration",
    "FreeText": "spaces",
}

__all__ = [
    "ENV_IDS",
    "FINAL_MARKERS",
    "MAX_PROMPT_CHARS",
    "OVER_LENGTH",
    "VERDICTS",
    "Curriculum",
    "EnvConfig",
    "FixedProposer",
    "FreeText",
    "ReasonEnv",
    "ReasonStepEnv",
    "StepEnvConfig",
    "gold_steps",
    "join_steps",
    "sample_spec",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'edgegym.envs' has no attribute {name!r}")
    return getattr(importlib.import_module(f"edgegym.envs.{home}"), name)
