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
from edgegym.agents.openrlhf._shared import LABEL_ERRORS, LOG_KEYS, Episode, Label
from edgegym.agents.openrlhf.curriculum import METRIC_KEYS, connect

__all__ = ["AgentExecutor", "AgentInstance"]

_LOG = logging.getLogger("edgegym.agents.openrlhf")


class AgentInstance(agent.AgentInstance):
    """One episode on a problem leased from the curriculum; reports its outcome back.

    The curriculum's counters (:data:`~edgegym.agents.openrlhf.curriculum.METRIC_KEYS`)
    as of this sample's report go to ``extra_logs``. A curriculum that cannot be set up
    (a state path outside the allowed folder, a corrupt state file, too many
    curricula) raises :class:`~edgegym.agents.openrlhf.curriculum.CurriculumError`: the
    rollout fails, instead of every sample scoring 0.
    """

    log_keys = (*LOG_KEYS, *METRIC_KEYS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handle: Any = None
        self.lease: tuple[str, int] = ("", -1)

    async def reset(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Lease the slot's problem and observe its prompt."""
        try:
            label = Label.parse(states["label"])
            if label.curriculum is None or label.slot is None:
                raise ValueError("curriculum labels only; problem labels go to agent.py")
            episode = Episode(label)  # a bad env fails here, before a lease is taken
            self.handle = connect(label.curriculum)
            group, index, spec = await self.handle.lease(label.slot, label.group_size)
            self.lease = (group, index)
            self.episode = episode
            return {"observation": episode.reset(spec)}
        except LABEL_ERRORS as err:
            _LOG.warning("edgegym curriculum agent: unusable label, the sample scores 0: %s", err)
            self.episode = None
            return {"observation": states["observation"]}

    async def ended(self) -> None:
        """Report the finished sample; keep the curriculum's counters for ``extra_logs``."""
        assert self.episode is not None
        info = self.episode.info
        sample = {
            "verified": bool(info.get("verified", False)),
            "outcome": bool(info.get("outcome", 0.0)),
            "score": min(1.0, max(0.0, self.episode.total)),
            "process": float(info.get("process", 0.0)),
            "flags": sorted(set(info.get("flags", ()))),
        }
        group, index = self.lease
        self.extra_logs = await self.handle.report(group, index, sample)
        self.episode.close()


class AgentExecutor(agent.AgentExecutor):
    """What OpenRLHF instantiates: the multi-turn loop over :class:`AgentInstance`."""

    instance_class = AgentInstance
