"""What the OpenRLHF files share: dataset labels, responses cut out of queries, env episodes.

OpenRLHF loads the adapter files by path, under module names of its own, so they import
this module absolutely (``edgegym.agents.openrlhf._shared``) and keep their own code thin.
Nothing here imports OpenRLHF; torch is imported only where a tensor is returned.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import gymnasium as gym

from edgegym.tasks.trace import SOLUTION_CLOSE, SOLUTION_OPEN

__all__ = [
    "END_STRINGS",
    "LABEL_ERRORS",
    "LOG_KEYS",
    "STEP_ENV_IDS",
    "Episode",
    "Label",
    "is_stepwise",
    "response_of",
    "strip_end",
]

END_STRINGS = ("[EOS]", "[PAD]", "</s>", "<|endoftext|>", "<|im_end|>", "<eos>", "<pad>")
"""End-of-sequence and padding strings a decoded response may end with (special tokens
are kept when OpenRLHF and vLLM decode); they are not part of the response."""
STEP_ENV_IDS = (
    "edgegym:ReasonStep-v0",
    "ReasonStep-v0",
    "edgegym/ReasonStep-v0",
    "edgegym:edgegym/ReasonStep-v0",
)
"""Env ids whose actions are single trace steps (generation stops after each sentence)."""
LABEL_ERRORS: tuple[type[Exception], ...] = (ValueError, KeyError, TypeError, gym.error.Error)
"""What a label that cannot be replayed raises (bad JSON or fields, an unknown env id or
argument, a spec that does not generate); the adapters score such a sample 0."""
LOG_KEYS = ("outcome", "process", "verified", "label_error")
"""The ``extra_logs`` every adapter returns, always all of them (OpenRLHF stacks them)."""


@dataclass(frozen=True, kw_only=True)
class Label:
    """A parsed dataset label (see ``edgegym.agents.corpus``).

    A problem label names the exact problem (``spec``); a curriculum label names a slot
    of a shared curriculum (``curriculum``, ``slot``, ``group_size``) instead.
    """

    env_id: str
    """Gymnasium id, e.g. ``edgegym:Reason-v0``."""
    seed: int = 0
    """``reset(seed=...)``."""
    kwargs: dict[str, Any] = field(default_factory=dict)
    """``gym.make`` keyword arguments (JSON)."""
    spec: dict[str, Any] | None = None
    """The problem's ``TaskSpec`` as a dict (problem labels)."""
    id: str | None = None
    """The problem's id, checked after the env rebuilds it (problem labels)."""
    curriculum: dict[str, Any] | None = None
    """Curriculum labels: ``{"name", "strategy", "config", "params", "state_path", ...}``."""
    slot: int | None = None
    """Curriculum labels: the dataset row; its ``group_size`` samples share one problem."""
    group_size: int = 1
    """Curriculum labels: samples per prompt (``--rollout.n_samples_per_prompt``)."""

    @classmethod
    def parse(cls, label: str | Mapping[str, Any]) -> Label:
        """Parse OpenRLHF's ``label`` (a JSON string, or an already decoded dict).

        Raises:
            ValueError: not JSON, not an object, or missing/ill-typed fields.
        """
        data = json.loads(label) if isinstance(label, str) else dict(label)
        if not isinstance(data, dict):
            raise ValueError(f"label must be a JSON object, got {type(data).__name__}")
        env_id = data.get("env_id")
        if not isinstance(env_id, str) or not env_id.startswith(("edgegym:", "edgegym/", "Reason")):
            raise ValueError(f"label env_id must be an edgegym env id, got {env_id!r}")
        kwargs = data.get("kwargs", {})
        if not isinstance(kwargs, dict):
            raise ValueError(f"label kwargs must be an object, got {kwargs!r}")
        spec, curriculum = data.get("spec"), data.get("curriculum")
        if (spec is None) == (curriculum is None):
            raise ValueError("a label names exactly one of 'spec' and 'curriculum'")
        if spec is not None and not isinstance(spec, dict):
            raise ValueError(f"label spec must be an object, got {spec!r}")
        if curriculum is not None and not isinstance(curriculum, dict):
            raise ValueError(f"label curriculum must be an object, got {curriculum!r}")
        seed, slot, group = data.get("seed", 0), data.get("slot"), data.get("group_size", 1)
        for name, value in (("seed", seed), ("group_size", group)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"label {name} must be an int >= 0, got {value!r}")
        if curriculum is not None and (isinstance(slot, bool) or not isinstance(slot, int)):
            raise ValueError(f"a curriculum label needs an int slot, got {slot!r}")
        return cls(
            env_id=env_id,
            seed=seed,
            kwargs=kwargs,
            spec=spec,
            id=data.get("id"),
            curriculum=curriculum,
            slot=slot,
            group_size=max(1, group),
        )

    @property
    def stepwise(self) -> bool:
        """Whether each action is one trace step (``ReasonStep-v0``)."""
        return self.env_id in STEP_ENV_IDS


def is_stepwise(label: str) -> bool:
    """Whether a label asks for one trace step per turn; ``False`` for unusable labels."""
    try:
        return Label.parse(label).stepwise
    except LABEL_ERRORS:
        return False


def strip_end(text: str) -> str:
    """``text`` without trailing end-of-sequence / padding strings (see :data:`END_STRINGS`)."""
    while True:
        for end in END_STRINGS:
            if text.endswith(end):
                text = text[: -len(end)]
                break
        else:
            return text


def response_of(query: str, prompt: str) -> str:
    """The response in OpenRLHF's ``query`` (prompt and response decoded together).

    With an exact tokenizer the query starts with the prompt. Otherwise the response is
    what follows the first ``<solution>`` (the problem text cannot contain the tag).
    """
    if query.startswith(prompt):
        response = query[len(prompt) :]
    else:
        _, found, response = query.partition(SOLUTION_OPEN)
        if not found:
            response = ""
    return strip_end(response)


class Episode:
    """One env episode driven by an OpenRLHF rollout: reset from a label, step by turns.

    The rewards of the turns sum to the ``Reason-v0`` score of the whole response: a
    response that ends (end of sequence) before its answer is closed with a final
    ``</solution>`` action, so shaping earned by unfinished steps is taken back.
    """

    def __init__(self, label: Label) -> None:
        kwargs = dict(label.kwargs)
        self.label = label
        self.env: gym.Env[str, str] = gym.make(label.env_id, **kwargs)
        self.prompt = ""
        self.response = ""
        self.total = 0.0
        self.done = False
        self.info: dict[str, Any] = {}

    def reset(self, spec: Mapping[str, Any]) -> str:
        """Start the episode on the problem of ``spec``; returns the prompt."""
        obs, info = self.env.reset(seed=self.label.seed, options={"spec": dict(spec)})
        if self.label.id is not None and info["id"] != self.label.id:
            raise ValueError(
                f"the env rebuilt problem {info['id']}, the label names {self.label.id}: "
                "the corpus was written by another edgegym version"
            )
        self.prompt = obs
        return obs

    def step(self, action_text: str, *, finished: bool) -> tuple[float, str]:
        """Feed one turn's text; returns its reward and the feedback to append.

        Args:
            action_text: the generated text of the turn (special tokens kept).
            finished: the model ended its response (end of sequence or length), so the
                episode must end even if the env expects more steps.
        """
        text = strip_end(action_text)
        if self.label.stepwise:
            # The env puts one space before every action; the model writes it itself.
            action = text[1:] if text.startswith(" ") else text
            self.response += " " + action
        else:
            action = text
            self.response += text
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.total += float(reward)
        self.done = bool(terminated or truncated)
        self.info = info
        total = float(reward)
        if finished:
            total += self.finish()
        transcript = self.prompt + self.response
        feedback = obs[len(transcript) :] if obs.startswith(transcript) else ""
        return total, ("" if self.done else feedback)

    def finish(self) -> float:
        """End the episode now if the env still expects steps; returns the closing reward.

        A response that stops without its answer (end of sequence, or OpenRLHF's context
        budget spent right after a complete step) is closed with the action
        ``</solution>``: the env then scores the whole response as ``Reason-v0`` would,
        and the closing reward takes back shaping that unfinished steps earned. 0.0 when
        the episode is already done.
        """
        if self.done:
            return 0.0
        _, reward, _, _, info = self.env.step(SOLUTION_CLOSE if self.label.stepwise else "")
        self.total += float(reward)
        self.done = True
        self.info = info
        return float(reward)

    def logs(self) -> dict[str, float]:
        """The episode's diagnosis for ``extra_logs`` (zeros before the end)."""
        info = self.info if self.done else {}
        return {
            "outcome": float(info.get("outcome", 0.0)),
            "process": float(info.get("process", 0.0)),
            "verified": float(bool(info.get("verified", False))),
            "label_error": 0.0,
        }

    def close(self) -> None:
        self.env.close()
