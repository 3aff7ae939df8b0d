"""Env arguments: the JSON-able keyword arguments of ``Reason-v0`` and ``ReasonStep-v0``, validated.

``gym.make(id, **kwargs)`` passes its keyword arguments to the env, which builds one of
these frozen configs with :meth:`EnvConfig.from_kwargs`. Every field is plain JSON
(ints, floats, strings, lists, dicts), so an env can be rebuilt exactly from
``{"env_id", "kwargs"}`` in another process. Invalid values raise ``ValueError`` naming
the field, what was expected and what was given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from edgegym.rewards import MODES as REWARD_MODES  # the one list of reward modes
from edgegym.rewards import RewardMode
from edgegym.tasks.checks import check_int, check_number
from edgegym.tasks.spec import MAX_OP, MIN_OP, MODES, SPLITS, DagConfig

__all__ = [
    "FEEDBACKS",
    "REWARD_MODES",
    "EnvConfig",
    "Feedback",
    "RewardMode",
    "StepEnvConfig",
]

Feedback = Literal["none", "verdict"]
FEEDBACKS: tuple[Feedback, ...] = get_args(Feedback)
STUDY_CONTEXTS = ("zoo", "teacher", "movie")


def _names(name: str, value: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty tuple of distinct allowed names; a lone string counts as one name."""
    items = (value,) if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise ValueError(
            f"{name} must be a non-empty list of names from {list(allowed)}, got {value!r}"
        )
    bad = [v for v in items if v not in allowed]
    if bad:
        raise ValueError(f"{name} must be names from {list(allowed)}, got unknown {bad!r}")
    if len(set(items)) != len(items):
        raise ValueError(f"{name} must not repeat a name, got {list(items)!r}")
    return tuple(items)


def _known_contexts() -> tuple[str, ...]:
    from edgegym.tasks.context import CONTEXTS

    return CONTEXTS


@dataclass(frozen=True, kw_only=True)
class EnvConfig:
    """Arguments of ``Reason-v0`` (and the shared part of ``ReasonStep-v0``)."""

    op: int | tuple[int, int] = (2, 10)
    """Difficulty: one op count, or an inclusive ``[lo, hi]`` range drawn uniformly per episode."""
    contexts: tuple[str, ...] = STUDY_CONTEXTS
    """Surface contexts drawn uniformly per episode (``edgegym.tasks.CONTEXTS`` lists them)."""
    modes: tuple[str, ...] = MODES
    """Modes drawn uniformly per episode: ``forward`` and/or ``reverse``."""
    split: str = "train"
    """Problem split: ``train``, ``val`` or ``test`` (disjoint by graph hash)."""
    seed: int = 0
    """Task seed (``TaskSpec.seed``), the problem universe; ``reset(seed=...)`` picks within it."""
    dag: DagConfig = field(default_factory=DagConfig)
    """Family knobs: a ``DagConfig``, its fields as a dict (``{"modulus": 10}``) or ``"study"``."""
    reward: RewardMode = "gated"
    """Mode of ``edgegym.rewards.score``: ``gated``, ``outcome``, ``strict`` or ``linear``."""
    alpha: float = 0.5
    """Outcome weight of the ``gated`` and ``linear`` modes, in [0, 1]."""
    max_response_chars: int = 8192
    """Response budget in characters; longer responses are cut to it, flagged and scored."""
    prompt_format: str = "raw"
    """``raw`` (the study's text, ending ``<solution>``) or ``chat`` (``edgegym.tasks.chat``)."""
    lenient: bool | None = None
    """Read chat-style replies (``edgegym.rewards.lenient``); ``None``: iff the format is chat."""

    def __post_init__(self) -> None:
        op: object = self.op
        if isinstance(op, list | tuple) and len(op) == 2:
            lo, hi = op
            check_int("op lo", lo, MIN_OP, MAX_OP)
            check_int("op hi", hi, lo, MAX_OP)
            object.__setattr__(self, "op", (int(lo), int(hi)))
        else:
            check_int("op (an int or a [lo, hi] pair)", op, MIN_OP, MAX_OP)
        object.__setattr__(self, "contexts", _names("contexts", self.contexts, _known_contexts()))
        object.__setattr__(self, "modes", _names("modes", self.modes, MODES))
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {self.split!r}")
        check_int("seed", self.seed, 0, 2**63 - 1)
        if isinstance(self.dag, Mapping | str):
            try:
                object.__setattr__(self, "dag", DagConfig.parse(self.dag))
            except ValueError as err:
                raise ValueError(f"dag: {err}") from None
        elif not isinstance(self.dag, DagConfig):
            raise ValueError(f"dag must be a DagConfig, its fields or 'study', got {self.dag!r}")
        if "reverse" in self.modes and self.dag.modulus is not None:
            raise ValueError("dag.modulus must be None when modes include 'reverse'")
        if self.reward not in REWARD_MODES:
            raise ValueError(f"reward must be one of {list(REWARD_MODES)}, got {self.reward!r}")
        check_number("alpha", self.alpha, 0.0, 1.0)
        check_int("max_response_chars", self.max_response_chars, 1, 2**20)
        self._check_format()

    def _check_format(self) -> None:
        from edgegym.tasks.chat import PROMPT_FORMATS

        if self.prompt_format not in PROMPT_FORMATS:
            raise ValueError(
                f"prompt_format must be one of {list(PROMPT_FORMATS)}, got {self.prompt_format!r}"
            )
        if self.lenient is not None and not isinstance(self.lenient, bool):
            raise ValueError(f"lenient must be null, true or false, got {self.lenient!r}")

    @property
    def reads_leniently(self) -> bool:
        """Whether replies are read leniently: ``lenient``, or by default in chat format."""
        return self.prompt_format == "chat" if self.lenient is None else self.lenient

    @property
    def op_range(self) -> tuple[int, int]:
        """``(lo, hi)``, inclusive, whether ``op`` was given as an int or a pair."""
        return (self.op, self.op) if isinstance(self.op, int) else self.op

    @classmethod
    def from_kwargs(cls, kwargs: Mapping[str, Any]) -> EnvConfig:
        """Build from ``gym.make`` keyword arguments; unknown names raise ``ValueError``."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise ValueError(
                f"unknown argument(s) {unknown} for {cls.__name__}; allowed: {sorted(known)}"
            )
        return cls(**kwargs)

    def to_kwargs(self) -> dict[str, Any]:
        """The JSON form: ``from_kwargs(to_kwargs())`` rebuilds an equal config."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["op"] = self.op if isinstance(self.op, int) else list(self.op)
        data["contexts"] = list(self.contexts)
        data["modes"] = list(self.modes)
        data["dag"] = self.dag.to_dict()
        return data


@dataclass(frozen=True, kw_only=True)
class StepEnvConfig(EnvConfig):
    """Arguments of ``ReasonStep-v0``: those of ``Reason-v0`` plus feedback and shaping."""

    feedback: Feedback = "none"
    """``none``: the observation is the transcript; ``verdict``: plus a verdict on the last step."""
    shaping: float | None = None
    """Weight ``w`` of the process potential; ``None`` takes the reward mode's process weight."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.feedback not in FEEDBACKS:
            raise ValueError(f"feedback must be one of {list(FEEDBACKS)}, got {self.feedback!r}")
        if self.shaping is not None:
            check_number("shaping (None or a number)", self.shaping, 0.0, 1.0)

    @property
    def potential_weight(self) -> float:
        """``w``: ``shaping`` if set, else ``1 - alpha`` (gated, linear) or 0 (outcome, strict)."""
        if self.shaping is not None:
            return float(self.shaping)
        return 1.0 - self.alpha if self.reward in ("gated", "linear") else 0.0
