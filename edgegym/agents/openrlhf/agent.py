"""OpenRLHF agent for edgegym envs: ``--train.agent_func_path <this file>``.

OpenRLHF loads this file as ``agent_module`` inside each rollout worker and calls
``AgentExecutor()``; its ``execute`` runs one episode per sample through OpenRLHF's own
``MultiTurnAgentExecutor`` loop: generate, ``AgentInstance.step``, append feedback,
repeat until done.

- ``Reason-v0`` labels: one turn, the whole response; reward = the env's score.
- ``ReasonStep-v0`` labels: one trace step per turn. Generation stops after each
  sentence (stop string ``"."``, kept in the output); the env rewards each step by the
  change of its process potential and the turns' rewards sum to the ``Reason-v0`` score
  of the whole response, also when OpenRLHF's context budget (``--data.max_len``) ends
  the sample before the answer: :meth:`AgentExecutor.execute` then closes the episode.
  With ``feedback="verdict"`` the env's verdict (`` [correct]`` / `` [wrong]``) is
  appended after each step, outside the loss mask.

What OpenRLHF 0.11 does with the per-step rewards: it adds them up into one reward per
sample (``utils/agent.py``: ``total_reward += rewards.item()``) and normalises that over
the group (``group_norm``). The per-step shaping telescopes to the final score, so it
does not change the gradient: ``ReasonStep-v0`` under OpenRLHF is single-turn GRPO on the
same score, plus the verdict text in the context. Real per-step credit would need an
experience maker that puts each turn's reward on the last token of its action range
(token-level rewards with returns or advantages per step, e.g. REINFORCE with gamma = 1),
which OpenRLHF 0.11 does not have. Multi-turn rollouts also ignore
``--rollout.max_new_tokens``: every turn may use what is left of ``--data.max_len``.

Errors: an unusable label scores 0 (``extra_logs["label_error"] = 1``); a refused
curriculum raises :class:`~edgegym.agents.openrlhf.curriculum.CurriculumError`. OpenRLHF
catches nothing that ``reset`` or ``step`` raises: the rollout, hence the training step,
fails.

The label (a JSON string from ``edgegym corpus rl``) rebuilds the env and the exact
problem; the episode's prompt must equal the dataset prompt. OpenRLHF requires a
synchronous ``AgentInstance.__init__`` (an ``async def __init__`` fails in 0.11), a
tensor ``rewards`` (it calls ``.item()``) and an ``environment_feedback`` string on
every step, also the last.
"""

from __future__ import annotations

import copy
import logging
from contextvars import ContextVar
from typing import Any

from edgegym.agents.openrlhf._shared import LABEL_ERRORS, LOG_KEYS, Episode, Label, is_stepwise

try:
    from openrlhf.utils.agent import AgentInstanceBase, MultiTurnAgentExecutor
except ImportError as err:  # pragma: no cover - depends on the install
    raise ImportError(
        "this file is OpenRLHF's agent: install it with `pip install 'edgegym[openrlhf]'`"
    ) from err

__all__ = ["STEP_STOP", "AgentExecutor", "AgentInstance", "error_step", "step_params", "tensor"]

_LOG = logging.getLogger("edgegym.agents.openrlhf")
_INSTANCES: ContextVar[list[Any] | None] = ContextVar("edgegym_agent_instances", default=None)
"""The instances built inside the running ``AgentExecutor.execute`` (one per sample: each
``execute`` runs in its own asyncio task, so its own context)."""

STEP_STOP = (".",)
"""Stop strings of a ``ReasonStep-v0`` turn: every trace step ends with a full stop (names,
numbers and tags contain none), and so does each sentence of the closing equation block."""


def tensor(value: float) -> Any:
    """``value`` as a 0-d float tensor (OpenRLHF calls ``.item()`` on rewards)."""
    import torch

    return torch.tensor(float(value))


class AgentInstance(AgentInstanceBase):  # type: ignore[misc]
    """One episode: built by OpenRLHF for every sample, then ``reset`` and ``step``.

    Total, like the reward function: a label that cannot be replayed (not JSON, an
    unknown env, a prompt that differs from the rebuilt one) is logged and its sample
    scores 0 with ``extra_logs["label_error"] = 1``, instead of stopping the run.
    """

    log_keys: tuple[str, ...] = LOG_KEYS
    """The ``extra_logs`` keys of every sample (OpenRLHF stacks them across samples)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.episode: Episode | None = None
        self.extra_logs: dict[str, float] = {}
        instances = _INSTANCES.get()
        if instances is not None:  # built inside AgentExecutor.execute: let it find us
            instances.append(self)

    async def reset(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Rebuild the env and problem from the label; the observation is the prompt."""
        try:
            self.episode = self._start(Label.parse(states["label"]))
        except LABEL_ERRORS as err:
            _LOG.warning("edgegym agent: unusable label, the sample scores 0: %s", err)
            self.episode = None
            return {"observation": states["observation"]}
        if self.episode.prompt != states["observation"]:
            _LOG.warning(
                "edgegym agent: the dataset prompt differs from the one the env rebuilt from "
                "the label (regenerate the prompt set with this edgegym version); scoring 0"
            )
            self.episode = None
        return {"observation": states["observation"]}

    def _start(self, label: Label) -> Episode:
        if label.spec is None:
            raise ValueError("problem labels only; curriculum labels go to curriculum_agent.py")
        episode = Episode(label)
        episode.reset(label.spec)
        return episode

    async def step(self, states: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Score one turn; OpenRLHF sums ``rewards`` over turns."""
        if self.episode is None:
            return error_step(self.log_keys)
        text = states["action_text"]
        finished = not (self.episode.label.stepwise and text.endswith(STEP_STOP))
        reward, feedback = self.episode.step(text, finished=finished)
        if self.episode.done:
            await self.ended()
        return {
            "rewards": tensor(reward),
            "scores": tensor(self.episode.total),
            "environment_feedback": feedback,
            "done": self.episode.done,
            "extra_logs": self.logs(),
        }

    async def finish(self) -> float | None:
        """End an episode OpenRLHF left unfinished; the closing reward (``None``: nothing to end).

        OpenRLHF leaves its loop without ``done`` when the context budget runs out (right
        after a complete step, or before the first turn); the episode is closed here as if
        the response had ended, so the sample's reward is the ``Reason-v0`` score of its
        text and the episode's end is reported like any other.
        """
        if self.episode is None or self.episode.done:
            return None
        reward = self.episode.finish()
        await self.ended()
        return reward

    async def ended(self) -> None:
        """Called once when the episode is done (the curriculum agent reports it here)."""
        assert self.episode is not None
        self.episode.close()

    def logs(self) -> dict[str, Any]:
        """The sample's ``extra_logs``: the episode's diagnosis and :attr:`extra_logs`."""
        assert self.episode is not None
        values = self.episode.logs() | self.extra_logs
        return {k: tensor(values.get(k, 0.0)) for k in self.log_keys}


def error_step(keys: tuple[str, ...] = LOG_KEYS) -> dict[str, Any]:
    """The step result of a sample whose label cannot be replayed: done, reward 0."""
    logs = dict.fromkeys(keys, 0.0) | {"label_error": 1.0}
    return {
        "rewards": tensor(0.0),
        "scores": tensor(0.0),
        "environment_feedback": "",
        "done": True,
        "extra_logs": {k: tensor(v) for k, v in logs.items()},
    }


def step_params(sampling_params: Any) -> Any:
    """A copy of vLLM ``SamplingParams`` that stops after one trace step, keeping the stop."""
    params = copy.deepcopy(sampling_params)
    params.stop = list(STEP_STOP)
    params.include_stop_str_in_output = True
    return params


class AgentExecutor(MultiTurnAgentExecutor):  # type: ignore[misc]
    """What OpenRLHF instantiates (no arguments): its multi-turn loop over the instances."""

    instance_class: type[Any] = AgentInstance
    """The per-episode class (the curriculum adapter swaps in its own)."""

    def __init__(self) -> None:
        super().__init__(self.instance_class)

    async def execute(
        self,
        prompt: str,
        label: str,
        sampling_params: Any,
        max_length: int,
        hf_tokenizer: Any,
        llm_engine: Any,
        images: Any = None,
    ) -> dict[str, Any]:
        """OpenRLHF's loop, with per-step stop strings for ``ReasonStep-v0`` labels.

        An episode the loop left unfinished (the context budget ran out before ``done``)
        is finished here: its closing reward is added to ``reward``, and ``scores`` and
        ``extra_logs`` are those of the finished episode.
        """
        if is_stepwise(label):
            sampling_params = step_params(sampling_params)
        instances: list[AgentInstance] = []
        token = _INSTANCES.set(instances)
        try:
            result: dict[str, Any] = await super().execute(
                prompt, label, sampling_params, max_length, hf_tokenizer, llm_engine, images
            )
        finally:
            _INSTANCES.reset(token)
        if len(instances) != 1:
            raise RuntimeError(f"expected one agent instance per sample, found {len(instances)}")
        (instance,) = instances
        closing = await instance.finish()
        if closing is not None and instance.episode is not None:
            result["reward"] = float(result["reward"]) + closing
            result["scores"] = tensor(instance.episode.total)
            result["extra_logs"] = instance.logs()
        return result
