"""The corpus configuration: everything that determines a corpus's bytes."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from edgegym.agents.corpus.mixtures import (
    SHARE_UNITS,
    ContextOps,
    OpWeights,
    ShareOf,
    Weights,
    check_probabilities,
    cumulative_weights,
)
from edgegym.tasks import CONTEXTS, MAX_OP, MIN_OP, MODES, SPLITS, DagConfig, stable_int
from edgegym.tasks.chat import PROMPT_FORMATS
from edgegym.tasks.checks import check_fields, check_int

Kind = Literal["pretrain", "midtrain", "sft", "rl"]
KINDS: tuple[Kind, ...] = ("pretrain", "midtrain", "sft", "rl")


_SLOT_KEY = stable_int("edgegym.agents.corpus.slot")


_WEYL_KEY = stable_int("edgegym.agents.corpus.weyl")


@dataclass(frozen=True, kw_only=True)
class CorpusConfig:
    """Everything that determines a corpus's bytes (with the tokenizer's files)."""

    kind: Kind
    """``pretrain``, ``midtrain`` (text), ``sft`` (prompt, response) or ``rl`` (prompt, label)."""
    ops: OpWeights
    """Per-op probabilities, summing to 1 (see :func:`op_mixture`)."""
    contexts: Weights = (("zoo", 1.0),)
    """Context probabilities, summing to 1 (see :func:`weight_mixture`)."""
    modes: Weights = (("forward", 1.0),)
    """Mode probabilities (``forward``/``reverse``), summing to 1."""
    context_ops: ContextOps = ()
    """Contexts with an op mixture of their own (instead of ``ops``), e.g.
    ``(("teacher", ((2, 1.0),)),)``: teacher problems at op 2 only."""
    share_of: ShareOf = "records"
    """Unit of the ``contexts`` shares: ``records`` or ``tokens``."""
    split: str = "train"
    """Problem split: ``train``, ``val`` or ``test``."""
    seed: int = 0
    """Corpus seed. Corpora of different kinds with one seed draw independent problems."""
    dag: DagConfig = field(default_factory=DagConfig)
    """Family knobs for every problem (e.g. ``modulus=10, distractors=0`` for symbolic)."""
    tokens: int | None = None
    """Token budget: stop at the first record that brings the total to at least this."""
    records: int | None = None
    """Record budget (exactly one of ``tokens`` and ``records`` is set)."""
    shard_size: int = 4096
    """Slots per shard (records per shard, less any the leakage guard skipped)."""
    tokenizer: str = "char"
    """``"char"`` (the exact character tokenizer) or a directory / ``tokenizer.json`` path."""
    env_id: str = "edgegym:Reason-v0"
    """RL labels: the Gymnasium id that rebuilds and scores the problem."""
    env_kwargs: Mapping[str, Any] = field(default_factory=dict)
    """RL labels: JSON keyword arguments for ``gym.make`` (``reward``, ``alpha``, ...)."""
    prompt_format: str = "raw"
    """sft and rl prompts: ``raw`` text or ``chat`` messages (:mod:`edgegym.tasks.chat`); rl
    labels then rebuild the env with ``prompt_format="chat"``, which reads replies leniently."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        object.__setattr__(self, "ops", tuple((int(o), float(p)) for o, p in self.ops))
        object.__setattr__(self, "contexts", tuple((str(c), float(p)) for c, p in self.contexts))
        object.__setattr__(self, "modes", tuple((str(m), float(p)) for m, p in self.modes))
        check_probabilities("ops", self.ops)
        check_probabilities("contexts", self.contexts)
        check_probabilities("modes", self.modes)
        bad_ops = [op for op, _ in self.ops if not MIN_OP <= op <= MAX_OP]
        if bad_ops:
            raise ValueError(f"ops must lie in [{MIN_OP}, {MAX_OP}], got {bad_ops}")
        bad = [c for c, _ in self.contexts if c not in CONTEXTS]
        if bad:
            raise ValueError(f"contexts must be names from {list(CONTEXTS)}, got {bad}")
        bad = [m for m, _ in self.modes if m not in MODES]
        if bad:
            raise ValueError(f"modes must be names from {list(MODES)}, got {bad}")
        self._check_context_ops()
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {self.split!r}")
        check_int("seed", self.seed, 0, 2**63 - 1)
        if any(m == "reverse" for m, _ in self.modes) and self.dag.modulus is not None:
            raise ValueError("dag.modulus must be None when modes include 'reverse'")
        budgets = [b for b in (self.tokens, self.records) if b is not None]
        if len(budgets) != 1:
            raise ValueError(
                f"exactly one of tokens and records must be set, got tokens={self.tokens!r}, "
                f"records={self.records!r}"
            )
        check_int("the budget (tokens or records)", budgets[0], 1)
        check_int("shard_size", self.shard_size, 1, 1 << 20)
        if not isinstance(self.tokenizer, str) or not self.tokenizer:
            raise ValueError(f"tokenizer must be 'char' or a path, got {self.tokenizer!r}")
        try:
            kwargs = json.loads(json.dumps(dict(self.env_kwargs), sort_keys=True))
        except TypeError as err:
            raise ValueError(f"env_kwargs must be JSON, got {self.env_kwargs!r}") from err
        object.__setattr__(self, "env_kwargs", kwargs)
        _check_prompt_format(self.prompt_format)

    def _check_context_ops(self) -> None:
        context_ops = tuple(
            (str(c), tuple((int(o), float(p)) for o, p in ops)) for c, ops in self.context_ops
        )
        object.__setattr__(self, "context_ops", context_ops)
        mixed = {c for c, _ in self.contexts}
        names = [c for c, _ in context_ops]
        if len(set(names)) != len(names) or not set(names) <= mixed:
            raise ValueError(
                f"context_ops must name contexts of the mixture ({sorted(mixed)}) once each, "
                f"got {names}"
            )
        for context, ops in context_ops:
            check_probabilities(f"ops of {context}", ops)
            bad_ops = [op for op, _ in ops if not MIN_OP <= op <= MAX_OP]
            if bad_ops:
                raise ValueError(
                    f"ops of {context} must lie in [{MIN_OP}, {MAX_OP}], got {bad_ops}"
                )
        if self.share_of not in SHARE_UNITS:
            raise ValueError(f"share_of must be one of {list(SHARE_UNITS)}, got {self.share_of!r}")

    @property
    def joint(self) -> bool:
        """Whether contexts carry their own ops or token shares (the Weyl-drawn stream)."""
        return bool(self.context_ops) or self.share_of == "tokens"

    def ops_of(self, context: str) -> OpWeights:
        """The op mixture of ``context``'s problems."""
        return dict(self.context_ops).get(context, self.ops)

    @functools.cached_property
    def cumulative(self) -> tuple[list[float], list[float], list[float]]:
        """Cumulative probabilities of contexts, modes and ops (for drawing)."""
        return (
            cumulative_weights(self.contexts),
            cumulative_weights(self.modes),
            cumulative_weights(self.ops),
        )

    @functools.cached_property
    def task_seed(self) -> int:
        """``TaskSpec.seed`` of every problem: derived from ``(seed, kind)``, 63 bits."""
        state = np.random.SeedSequence([self.seed, stable_int(self.kind)]).generate_state(2)
        return (int(state[0]) << 31 | int(state[1])) & (2**63 - 1)

    @functools.cached_property
    def slot_key(self) -> tuple[int, int, int]:
        """The entropy every slot's stream starts with (the slot index follows)."""
        return self.seed, _SLOT_KEY, stable_int(self.kind)

    @functools.cached_property
    def weyl_offset(self) -> int:
        """Start of a joint mixture's golden-ratio sequence (64-bit fixed point)."""
        state = np.random.SeedSequence([self.seed, _WEYL_KEY, stable_int(self.kind)])
        return int(state.generate_state(1, np.uint64)[0])

    def to_dict(self) -> dict[str, Any]:
        """The JSON form kept in the manifest."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["ops"] = [[o, p] for o, p in self.ops]
        data["contexts"] = [[c, p] for c, p in self.contexts]
        data["modes"] = [[m, p] for m, p in self.modes]
        data["dag"] = self.dag.to_dict()
        data["env_kwargs"] = dict(self.env_kwargs)
        if self.prompt_format == "raw":  # the default stays out: older manifests still match
            del data["prompt_format"]
        if self.joint:
            data["context_ops"] = [[c, [[o, p] for o, p in ops]] for c, ops in self.context_ops]
        else:  # the manifests of corpora written before joint mixtures stay the same
            del data["context_ops"], data["share_of"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CorpusConfig:
        check_fields(cls, data)
        values = dict(data)
        values["dag"] = DagConfig.parse(values.get("dag", {}))
        for key in ("ops", "contexts", "modes"):
            if key in values:
                values[key] = tuple(tuple(item) for item in values[key])
        if "context_ops" in values:
            values["context_ops"] = tuple(
                (c, tuple(tuple(item) for item in ops)) for c, ops in values["context_ops"]
            )
        return cls(**values)


def _check_prompt_format(prompt_format: str) -> None:
    if prompt_format not in PROMPT_FORMATS:
        raise ValueError(
            f"prompt_format must be one of {list(PROMPT_FORMATS)}, got {prompt_format!r}"
        )
