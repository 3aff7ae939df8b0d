"""OpenRLHF agent whose problems come from a shared curriculum: ``--train.agent_func_path``.

Use it with a prompt set of *curriculum slots* (``edgegym openrlhf curriculum-prompts``):
each row's label names the curriculum (strategy, arm space, actor name, state file) and a
slot. The ``n_samples_per_prompt`` samples of a slot lease one problem from the curriculum
actor (see :mod:`edgegym.agents.openrlhf.curriculum`), so they form one GRPO group; each
finished sample is reported back, and the curriculum observes the whole group. The
episode otherwise runs as in ``agent.py``: ``Reason-v0`` in one turn, ``ReasonStep-v0``
one step per turn, rewards from the env. The dataset prompt is a placeholder: the
observation OpenRLHF tokenizes is the prompt of the leased problem.
"""

from __future__ import annotations

import logging
from typing import Any

from edgegym.agents.openrlhf import agent
from edgegym.agents.openrlhf._shared import LABEL_ERRORS, Episode, Label
from edgegym.agents.openrlhf.agent import STEP_STOP, _error_step, _tensor
from edgegym.agents.openrlhf.curriculum import connect

try:
    from openrlhf.utils.agent import AgentInstanceBase
except ImportError as err:  # pragma: no cover - depends on the install
    raise ImportError(
        "this file is OpenRLHF's agent: install it with `pip install 'edgegym[openrlhf]'`"
    ) from err

__all__ = ["AgentExecutor", "AgentInstance"]

_LOG = logging.getLogger("edgegym.agents.openrlhf")


class AgentInstance(AgentInstanceBase):  # type: ignore[misc]
    """One episode on a problem leased from the curriculum; reports its outcome back."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.episode: Episode | None = None
        self.handle: Any = None
        self.group_id = -1

    async def reset(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Lease the slot's problem and observe its prompt."""
        try:
            label = Label.parse(states["label"])
            if label.curriculum is None or label.slot is None:
                raise ValueError("curriculum labels only; problem labels go to agent.py")
            self.handle = connect(label.curriculum)
            self.group_id, spec = await self.handle.lease(label.slot, label.group_size)
            self.episode = Episode(label)
            return {"observation": self.episode.reset(spec)}
        except LABEL_ERRORS as err:
            _LOG.warning("edgegym curriculum agent: unusable label, the sample scores 0: %s", err)
            self.episode = None
            return {"observation": states["observation"]}

    async def step(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Score one turn; at the end of the episode, report it to the curriculum."""
        if self.episode is None:
            return _error_step()
        text = states["action_text"]
        finished = not (self.episode.label.stepwise and text.endswith(STEP_STOP))
        reward, feedback = self.episode.step(text, finished=finished)
        logs = self.episode.logs()
        if self.episode.done:
            info = self.episode.info
            sample = {
                "verified": bool(info.get("verified", False)),
                "outcome": bool(info.get("outcome", 0.0)),
                "score": min(1.0, max(0.0, self.episode.total)),
                "process": float(info.get("process", 0.0)),
                "flags": sorted(set(info.get("flags", ()))),
            }
            await self.handle.report(self.group_id, sample)
            self.episode.close()
        return {
            "rewards": _tensor(reward),
            "scores": _tensor(self.episode.total),
            "environment_feedback": feedback,
            "done": self.episode.done,
            "extra_logs": {k: _tensor(v) for k, v in logs.items()},
        }


class AgentExecutor(agent.AgentExecutor):
    """What OpenRLHF instantiates: the multi-turn loop over :class:`AgentInstance`."""

    instance_class = AgentInstance
