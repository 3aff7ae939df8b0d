"""Training corpora as sharded JSONL: pre-training, mid-training, SFT pairs, RL prompt sets.

A corpus is a deterministic stream of *slots*. Slot ``i`` draws an op, a context and a
mode from the configured mixtures with its own random stream
(``SeedSequence((seed, kind, i))``), generates that problem, and becomes one record,
unless the leakage guard finds the problem's graph hash in an evaluation suite, in which
case the slot is skipped. A record is therefore a pure function of ``(config, i)``;
shards hold consecutive slot ranges, so any number of worker processes, and any number
of crashes and restarts, write the same bytes.

Layout of a corpus directory (point OpenRLHF's ``--data.dataset`` or
``--data.prompt_dataset`` at the directory, or at one shard)::

    shard-00000.jsonl  shard-00001.jsonl  ...   records, one JSON object a line
    .manifest.json                              config, per-shard counts and SHA-256

Each shard appears under its final name only once complete (written to a hidden
temporary file, fsynced, renamed). The manifest lists the finished prefix of shards and
is rewritten atomically after each; a restarted writer keeps the listed shards and
regenerates the rest, so a crash loses nothing and duplicates nothing.

Records by kind (every record also has ``id``, ``op``, ``context``, ``mode``,
``graph_hash`` and ``n_tokens``, its exact token count under the configured tokenizer):

- ``pretrain`` / ``midtrain``: ``text`` = model text + EOS (OpenRLHF
  ``train_sft --model.pretrain_mode_enable --data.input_key text``).
- ``sft``: ``prompt`` (up to ``<solution>``) and ``response`` (gold completion + EOS).
- ``rl``: ``prompt``, ``label`` (a JSON *string*: ``env_id``, ``seed``, ``kwargs``,
  ``spec``, ``id``, ``graph_hash``, ``answer``; ``gym.make(env_id, **kwargs).reset(seed=seed,
  options={"spec": spec})`` replays the exact problem) and ``datasource``.

Joint op x context mixtures: a context may carry its own op mixture (``context_ops``,
e.g. teacher only at op 2 beside zoo at every op), and context shares may be shares of
*tokens* (``share_of="tokens"``) rather than of records. Such a corpus draws each slot's
context from a golden-ratio (Weyl) sequence over the slot index instead of an
independent uniform, so every prefix of the stream holds each context's record share to
within a few records; under ``share_of="tokens"`` the record shares are calibrated from
the mean token count of each context's problems (:func:`record_shares`, on a fixed
sample), so the token shares hold to within the length noise of the records drawn.
A corpus without either keeps the independent draw (and its bytes).

Budgets are exact token counts (``tokens``: the shortest prefix of the stream with at
least that many tokens) or record counts (``records``).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import itertools
import json
import os
import re
import threading
import time
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from edgegym.agents.packing import pack_rows
from edgegym.tasks import (
    CONTEXTS,
    MAX_OP,
    MIN_OP,
    MODES,
    SPLITS,
    DagConfig,
    Problem,
    TaskSpec,
    generate,
    stable_int,
)
from edgegym.tasks.chat import PROMPT_FORMATS, chat_messages, completion_of
from edgegym.tasks.checks import check_fields
from edgegym.tasks.io import atomic_write, atomic_write_text, folder_lock, read_json

__all__ = [
    "FORMAT",
    "KINDS",
    "MANIFEST",
    "ContextMixture",
    "CorpusConfig",
    "Kind",
    "TokenCounter",
    "check_env_settings",
    "context_mixture",
    "corpus_rows",
    "load_mixtures",
    "op_mixture",
    "pack_corpus",
    "read_corpus",
    "record_shares",
    "sample_texts",
    "shard_name",
    "slot_spec",
    "verify_corpus",
    "weight_mixture",
    "write_corpus",
    "write_curriculum_prompts",
]

Kind = Literal["pretrain", "midtrain", "sft", "rl"]
KINDS: tuple[Kind, ...] = ("pretrain", "midtrain", "sft", "rl")
Weights = tuple[tuple[str, float], ...]
OpWeights = tuple[tuple[int, float], ...]
ContextOps = tuple[tuple[str, OpWeights], ...]
ShareOf = Literal["records", "tokens"]
SHARE_UNITS: tuple[ShareOf, ...] = ("records", "tokens")
MANIFEST = ".manifest.json"
"""Hidden, so that ``datasets.load_dataset(corpus_dir)`` reads only the shards."""
FORMAT = "edgegym-corpus/1"
_TOL = 1e-9
_SLOT_KEY = stable_int("edgegym.agents.corpus.slot")
_SHARD_RE = re.compile(r"^shard-(\d{5,})\.jsonl$")
_CHUNK = 256  # records generated between token counts and budget checks
# One encoder for every record: json.dumps would build one a call.
_JSON_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False)
_EMPTY_SHARDS_LIMIT = 16  # consecutive shards with every slot excluded: the guard ate all
_PHI64 = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: the Weyl step of joint mixtures
_WEYL_KEY = stable_int("edgegym.agents.corpus.weyl")
_CALIBRATION_KEY = stable_int("edgegym.agents.corpus.calibration")
_CALIBRATION = 128  # problems per (context, mode, op) cell behind a token share


# ---- mixtures ---------------------------------------------------------------------------


def _check_probabilities(name: str, items: Sequence[tuple[object, float]]) -> None:
    if not items:
        raise ValueError(f"{name} must name at least one item, got none")
    keys = [key for key, _ in items]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name} must not repeat an item, got {keys}")
    for key, p in items:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 < p <= 1.0:
            raise ValueError(f"{name}: probability of {key!r} must be in (0, 1], got {p!r}")
    total = float(sum(p for _, p in items))
    if abs(total - 1.0) > _TOL:
        raise ValueError(f"{name}: probabilities must sum to 1, got {total!r}")


def _expand_bands(name: str, bands: Sequence[Mapping[str, Any]]) -> OpWeights:
    _check_probabilities(name, [(str(b.get("ops")), b.get("p", -1.0)) for b in bands])
    per_op: dict[int, float] = {}
    for band in bands:
        lo, hi = band["ops"]
        if not (isinstance(lo, int) and isinstance(hi, int) and MIN_OP <= lo <= hi <= MAX_OP):
            raise ValueError(
                f"{name}: band ops must be [lo, hi] in [{MIN_OP}, {MAX_OP}], got {band}"
            )
        for op in range(lo, hi + 1):
            per_op[op] = per_op.get(op, 0.0) + float(band["p"]) / (hi - lo + 1)
    return tuple(sorted(per_op.items()))


def load_mixtures() -> dict[str, dict[str, dict[str, Any]]]:
    """The validated presets of ``presets/mixtures.json``: ``{"ops": ..., "contexts": ...}``."""
    path = resources.files("edgegym.agents").joinpath("presets", "mixtures.json")
    data: dict[str, dict[str, dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    for name, preset in data["ops"].items():
        _expand_bands(f"op mixture {name!r}", preset["bands"])
    for name in data["contexts"]:
        _preset_context_mixture(name, data["contexts"][name], data["ops"])
    return data


def op_mixture(text: str) -> OpWeights:
    """Per-op probabilities from a preset name or a band list.

    Accepted: a preset (``pretrain-20-30-50``), bands ``2-4:0.2,5-7:0.3,8-10:0.5`` (each
    band uniform inside), or one band ``11-14`` (probability 1). Probabilities must sum to 1.

    Raises:
        ValueError: naming the malformed part, or the sum.
    """
    return _op_mixture(text, load_mixtures()["ops"])


def _op_mixture(text: str, presets: Mapping[str, Mapping[str, Any]]) -> OpWeights:
    if text in presets:
        return _expand_bands(f"op mixture {text!r}", presets[text]["bands"])
    bands: list[dict[str, Any]] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)(?:-(\d+))?(?::([0-9.eE+-]+))?\s*", part)
        if match is None:
            raise ValueError(
                f"ops must be a preset ({sorted(presets)}) or bands like '2-4:0.2,5-7:0.8', "
                f"got {text!r}"
            )
        lo = int(match.group(1))
        hi = int(match.group(2) or lo)
        p = float(match.group(3)) if match.group(3) else (1.0 if "," not in text else -1.0)
        bands.append({"ops": [lo, hi], "p": p})
    return _expand_bands(f"op mixture {text!r}", bands)


def weight_mixture(text: str, allowed: Sequence[str], what: str) -> Weights:
    """Probabilities over names: ``zoo``, ``zoo=0.99,teacher=0.01`` or (contexts) a preset.

    Raises:
        ValueError: an unknown name, a malformed weight, or weights that do not sum to 1.
    """
    presets = load_mixtures()["contexts"] if what == "contexts" else {}
    if text in presets:
        if {"ops", "unit"} & set(presets[text]):
            raise ValueError(
                f"{text!r} is a joint op x context mixture: read it with context_mixture()"
            )
        return tuple(sorted(presets[text]["weights"].items()))
    items: list[tuple[str, float]] = []
    parts = [part.strip() for part in text.split(",") if part.strip()]
    for part in parts:
        name, sep, weight = part.partition("=")
        if name not in allowed:
            raise ValueError(f"{what} must be names from {list(allowed)}, got {name!r}")
        try:
            p = float(weight) if sep else (1.0 if len(parts) == 1 else -1.0)
        except ValueError:
            raise ValueError(
                f"{what}: weight of {name!r} must be a number, got {weight!r}"
            ) from None
        items.append((name, p))
    _check_probabilities(f"{what} mixture {text!r}", items)
    return tuple(sorted(items))


@dataclass(frozen=True)
class ContextMixture:
    """Context shares, each context's own op mixture (if any) and the unit of the shares."""

    weights: Weights
    """Share of each context (sorted by name), summing to 1."""
    ops: ContextOps = ()
    """Op mixtures of the contexts that do not follow the corpus's ``ops``."""
    share_of: ShareOf = "records"
    """``records``: shares of records; ``tokens``: shares of tokens."""


def _preset_context_mixture(
    name: str, preset: Mapping[str, Any], op_presets: Mapping[str, Mapping[str, Any]]
) -> ContextMixture:
    what = f"context mixture {name!r}"
    weights = preset["weights"]
    _check_probabilities(what, list(weights.items()))
    unknown = sorted(set(weights) - set(CONTEXTS))
    if unknown:
        raise ValueError(f"{what}: unknown contexts {unknown}")
    ops = preset.get("ops", {})
    stray = sorted(set(ops) - set(weights))
    if stray:
        raise ValueError(f"{what}: ops given for contexts it does not mix: {stray}")
    share_of = preset.get("unit", "records")
    if share_of not in SHARE_UNITS:
        raise ValueError(f"{what}: unit must be one of {list(SHARE_UNITS)}, got {share_of!r}")
    return ContextMixture(
        weights=tuple(sorted(weights.items())),
        ops=tuple(sorted((c, _op_mixture(text, op_presets)) for c, text in ops.items())),
        share_of=share_of,
    )


def context_mixture(text: str, share_of: ShareOf | None = None) -> ContextMixture:
    """Contexts with optional per-context ops: a preset, or ``zoo=0.99,teacher=0.01@2``.

    ``@ops`` after a weight gives that context its own op mixture: one op or one band
    (``@2``, ``@2-4``, uniform inside) or a preset name; a context without one follows
    the corpus's ops. ``share_of`` overrides the preset's unit (default ``records``).

    Raises:
        ValueError: an unknown name, a malformed weight or op band, or weights that do
            not sum to 1.
    """
    mixtures = load_mixtures()
    presets = mixtures["contexts"]
    if text in presets:
        mixture = _preset_context_mixture(text, presets[text], mixtures["ops"])
    else:
        parts = [part.strip() for part in text.split(",") if part.strip()]
        split = [part.partition("@") for part in parts]
        weights = weight_mixture(",".join(head for head, _, _ in split), CONTEXTS, "contexts")
        ops = tuple(
            sorted((head.partition("=")[0], op_mixture(tail)) for head, at, tail in split if at)
        )
        mixture = ContextMixture(weights=weights, ops=ops)
    if share_of is not None:
        if share_of not in SHARE_UNITS:
            raise ValueError(f"share_of must be one of {list(SHARE_UNITS)}, got {share_of!r}")
        mixture = dataclasses.replace(mixture, share_of=share_of)
    return mixture


# ---- configuration ----------------------------------------------------------------------


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

    # A flat run of independent one-field checks (each branch raises): splitting it
    # would scatter the validation, not simplify it.
    def __post_init__(self) -> None:  # noqa: C901
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        object.__setattr__(self, "ops", tuple((int(o), float(p)) for o, p in self.ops))
        object.__setattr__(self, "contexts", tuple((str(c), float(p)) for c, p in self.contexts))
        object.__setattr__(self, "modes", tuple((str(m), float(p)) for m, p in self.modes))
        _check_probabilities("ops", self.ops)
        _check_probabilities("contexts", self.contexts)
        _check_probabilities("modes", self.modes)
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
        if (
            isinstance(self.seed, bool)
            or not isinstance(self.seed, int)
            or not 0 <= self.seed < 2**63
        ):
            raise ValueError(f"seed must be an int in [0, 2**63), got {self.seed!r}")
        if any(m == "reverse" for m, _ in self.modes) and self.dag.modulus is not None:
            raise ValueError("dag.modulus must be None when modes include 'reverse'")
        budgets = [b for b in (self.tokens, self.records) if b is not None]
        if len(budgets) != 1:
            raise ValueError(
                f"exactly one of tokens and records must be set, got tokens={self.tokens!r}, "
                f"records={self.records!r}"
            )
        if isinstance(budgets[0], bool) or not isinstance(budgets[0], int) or budgets[0] < 1:
            raise ValueError(f"the budget must be a positive int, got {budgets[0]!r}")
        if (
            isinstance(self.shard_size, bool)
            or not isinstance(self.shard_size, int)
            or not (1 <= self.shard_size <= 1 << 20)
        ):
            raise ValueError(f"shard_size must be an int in [1, 2**20], got {self.shard_size!r}")
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
            _check_probabilities(f"ops of {context}", ops)
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
        return _cumulative(self.contexts), _cumulative(self.modes), _cumulative(self.ops)

    @functools.cached_property
    def task_seed(self) -> int:
        """``TaskSpec.seed`` of every problem: derived from ``(seed, kind)``, 63 bits."""
        state = np.random.SeedSequence([self.seed, stable_int(self.kind)]).generate_state(2)
        return (int(state[0]) << 31 | int(state[1])) & (2**63 - 1)

    @functools.cached_property
    def _slot_key(self) -> tuple[int, int, int]:
        """The entropy every slot's stream starts with (the slot index follows)."""
        return self.seed, _SLOT_KEY, stable_int(self.kind)

    @functools.cached_property
    def _weyl_offset(self) -> int:
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
        values["dag"] = DagConfig.from_dict(dict(values.get("dag", {})))
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


def _cumulative(weights: Sequence[tuple[Any, float]]) -> list[float]:
    totals = np.cumsum([p for _, p in weights]).tolist()
    totals[-1] = 1.0  # rounding: the last item takes what is left
    return [float(t) for t in totals]


def _pick(weights: Sequence[tuple[Any, float]], cumulative: list[float], u: float) -> Any:
    return weights[bisect.bisect_right(cumulative, u)][0]


def slot_spec(config: CorpusConfig, slot: int, shares: Sequence[float] | None = None) -> TaskSpec:
    """The problem spec of slot ``slot``: a pure function of the config and the slot.

    ``shares`` are the record shares of a joint mixture's contexts (:func:`record_shares`;
    computed, and cached, with ``config.tokenizer`` when not given).
    """
    state = np.random.SeedSequence([*config._slot_key, slot])
    # 53-bit uniforms in [0, 1); on Python ints, which is faster than numpy for three.
    u = [float(x >> 11) * 2.0**-53 for x in state.generate_state(3, np.uint64).tolist()]
    contexts, modes, ops = config.cumulative
    context = _pick(config.contexts, contexts, u[0])
    if config.joint:
        if shares is None:
            shares = _cached_shares(config)
        # A low-discrepancy draw: every prefix of slots holds each share to a few records.
        weyl = ((config._weyl_offset + slot * _PHI64) % 2**64 >> 11) * 2.0**-53
        drawn = [(c, q) for (c, _), q in zip(config.contexts, shares, strict=True)]
        context = _pick(drawn, _cumulative(drawn), weyl)
        op_weights = config.ops_of(context)
        op = _pick(op_weights, _cumulative(op_weights), u[2])
    else:
        op = _pick(config.ops, ops, u[2])
    return TaskSpec(
        context=context,
        mode=_pick(config.modes, modes, u[1]),
        op=op,
        split=config.split,  # type: ignore[arg-type]
        seed=config.task_seed,
        index=slot,
        config=config.dag,
    )


class Counts(Protocol):
    """What :func:`record_shares` needs of a tokenizer: an EOS string and batch counts."""

    eos: str

    def count(self, texts: Sequence[str]) -> list[int]: ...


def record_shares(config: CorpusConfig, counter: Counts) -> tuple[float, ...]:
    """The record probability of each of ``config.contexts`` that meets its share.

    Shares of records are returned as they are. For shares of tokens each share is
    divided by its context's mean record length in tokens, estimated on a fixed sample
    (``_CALIBRATION`` problems of each mode and op, from a stream of their own) and
    weighted by the mode and op mixtures; the results are normalised to sum to 1.
    """
    if config.share_of == "records":
        return tuple(p for _, p in config.contexts)
    root = np.random.SeedSequence([config.seed, _CALIBRATION_KEY, stable_int(config.kind)])
    seed = int(root.generate_state(1, np.uint64)[0]) & (2**63 - 1)
    raw: list[float] = []
    for context, share in config.contexts:
        mean = 0.0
        for (mode, p_mode), (op, p_op) in itertools.product(config.modes, config.ops_of(context)):
            texts = []
            for index in range(_CALIBRATION):
                spec = TaskSpec(
                    context=context,
                    mode=mode,  # type: ignore[arg-type]  # validated by CorpusConfig
                    op=op,
                    split=config.split,  # type: ignore[arg-type]
                    seed=seed,
                    index=index,
                    config=config.dag,
                )
                texts.append(_record(config, generate(spec), counter.eos, "")[1])
            mean += p_mode * p_op * float(np.mean(counter.count(texts)))
        raw.append(share / mean)
    total = sum(raw)
    return tuple(r / total for r in raw)


_SHARES: dict[str, tuple[float, ...]] = {}


def _cached_shares(config: CorpusConfig) -> tuple[float, ...]:
    key = json.dumps(config.to_dict(), sort_keys=True)
    if key not in _SHARES:
        _SHARES[key] = record_shares(config, TokenCounter(config.tokenizer))
    return _SHARES[key]


# ---- token counting ---------------------------------------------------------------------


class TokenCounter:
    """Exact token counts under a tokenizer, without transformers.

    Two exact shortcuts cover edgegym's own tokenizers; anything else is run through
    ``tokenizers`` (``encode_batch_fast``, in Rust):

    - character tokenizer: one token per character and per special token, so the count
      is ``len(text)`` less the extra characters of the special tokens it holds;
    - byte-level BPE of :func:`~edgegym.agents.tokenizer.train_bpe`: the text is cut
      before every space that follows a printable ASCII character, and the count is the
      sum of the pieces' (cached) counts. Those cuts are pre-token boundaries at every
      stage of the tokenizer (see :class:`_BpeWords`), and BPE never merges across one,
      so the sum is exact. The tokenizer's own ``encode`` counts each new piece, so the
      special tokens, digit chunks and non-ASCII text inside pieces need no replaying.

    Args:
        spec: ``"char"`` or a directory holding ``tokenizer.json`` (and
            ``tokenizer_config.json`` naming ``eos_token``), or a ``tokenizer.json`` path.
        backend: instead, a ``tokenizers.Tokenizer`` already loaded (a transformers
            tokenizer's ``backend_tokenizer``), with its ``eos`` string.
    """

    def __init__(self, spec: str, *, backend: Any = None, eos: str = "") -> None:
        from edgegym.agents.tokenizer import EOS, char_backend, require

        tokenizers = require("tokenizers")
        if backend is not None:  # a loaded tokenizer's (``backend_tokenizer``), spec a label
            self.backend, self.eos = backend, eos
        elif spec == "char":
            self.backend = char_backend()
            self.eos = EOS
        else:
            path = Path(spec)
            file = path / "tokenizer.json" if path.is_dir() else path
            if not file.is_file():
                raise FileNotFoundError(f"no tokenizer.json at {spec}")
            self.backend = tokenizers.Tokenizer.from_file(str(file))
            self.eos = _eos_of(file.parent)
        text = self.backend.to_str()
        self.fingerprint = hashlib.sha256(text.encode()).hexdigest()[:20]
        desc = json.loads(text)
        added = [t["content"] for t in desc.get("added_tokens", [])]
        self._char_specials: list[tuple[str, int]] | None = None
        self._words: _BpeWords | None = None
        if any(a != b and a in b for a in added for b in added):
            return  # overlapping added tokens: only the tokenizer knows how they split
        if _is_char(desc):
            self._char_specials = [(t, len(t) - 1) for t in added if len(t) > 1]
        elif _is_edgegym_bpe(desc):
            self._words = _BpeWords(self.backend)

    def count(self, texts: Sequence[str]) -> list[int]:
        """Token counts of ``texts`` (no special tokens added)."""
        if self._char_specials is not None:
            specials = self._char_specials
            return [len(t) - sum(t.count(s) * extra for s, extra in specials) for t in texts]
        if self._words is not None:
            return list(map(self._words.count, texts))
        encode = getattr(self.backend, "encode_batch_fast", self.backend.encode_batch)
        return [len(e.ids) for e in encode(list(texts), add_special_tokens=False)]


def _is_char(desc: dict[str, Any]) -> bool:
    from edgegym.agents.tokenizer import CHAR_PATTERN

    pre = desc.get("pre_tokenizer") or {}
    return bool(
        desc["model"]["type"] == "WordLevel"
        and desc.get("normalizer") is None
        and pre.get("type") == "Split"
        and pre.get("pattern") == {"Regex": CHAR_PATTERN}
    )


def _is_edgegym_bpe(desc: dict[str, Any]) -> bool:
    """The tokenizer :class:`_BpeWords` counts exactly: no step that sees across a space."""
    pre = desc.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers", [])
    return bool(
        desc["model"]["type"] == "BPE"
        and desc["model"].get("dropout") is None
        and desc.get("normalizer") is None
        and desc.get("truncation") is None
        and desc.get("padding") is None
        and pre.get("type") == "Sequence"
        and len(steps) == 2
        and steps[0] == _DIGIT_SPLIT
        and steps[1].get("type") == "ByteLevel"
        and steps[1].get("add_prefix_space") is False
        and steps[1].get("use_regex") is True
        and all(
            not (t.get("lstrip") or t.get("rstrip") or t.get("single_word"))
            and not any(ch.isspace() for ch in t["content"])
            for t in desc.get("added_tokens", [])
        )
    )


_DIGIT_SPLIT = {
    "type": "Split",
    "pattern": {"Regex": "\\d{1,3}"},
    "behavior": "Isolated",
    "invert": False,
}
# A space after anything but printable ASCII (after whitespace, say): no cut there.
_UNSAFE_SPACE = re.compile(r"[^!-~] ")
_CACHE_LIMIT = 1 << 18  # entries per cache: a few tens of MB per worker at most


class _PieceCounts(dict[str, int]):
    """Token counts of pieces, filled on first sight (up to ``_CACHE_LIMIT`` pieces)."""

    def __init__(self, backend: Any, prefix: str) -> None:
        super().__init__()
        self.encode = backend.encode
        self.prefix = prefix

    def __missing__(self, piece: str) -> int:
        n = len(self.encode(self.prefix + piece, add_special_tokens=False).ids)
        if len(self) < _CACHE_LIMIT:
            self[piece] = n
        return n


class _BpeWords:
    """Token counts of edgegym's BPE as sums over space-led pieces (see TokenCounter).

    Why a cut before a space at ``p`` is a pre-token boundary at every stage of the
    tokenizer when ``text[p - 1]`` is printable ASCII other than space:

    - added tokens: none holds whitespace or strips it (``_is_edgegym_bpe``), so no
      match covers ``p``, and the leftmost matches on each side are those of the whole;
    - the digit split: a run of digits holds no space;
    - GPT-2's regex (ByteLevel's): its matches tile the text, and a match takes in a
      space only as its first character or within a run of whitespace; ``text[p - 1]``
      is no whitespace, so no match that starts before ``p`` reaches it, and no
      lookahead (``\\s+(?!\\S)``) looks past it. So a match starts at ``p``, and as
      the regex looks nowhere behind, it is the same without the text before ``p``.

    A text therefore splits on ``" "`` into its head and words, each word standing for
    ``" " + word``, wherever no space follows whitespace or a non-ASCII character: a
    cheap test for printable ASCII without a double space, else a regex, decides; a
    text that fails goes whole to the tokenizer.
    """

    def __init__(self, backend: Any) -> None:
        self.encode = backend.encode
        self.heads = _PieceCounts(backend, "")
        self.words = _PieceCounts(backend, " ")

    def count(self, text: str) -> int:
        plain = text.isascii() and text.isprintable() and "  " not in text
        if not plain and _UNSAFE_SPACE.search(text) is not None:
            return len(self.encode(text, add_special_tokens=False).ids)
        head, *words = text.split(" ")
        return self.heads[head] + sum(map(self.words.__getitem__, words))


def _eos_of(folder: Path) -> str:
    for name in ("tokenizer_config.json", "special_tokens_map.json"):
        path = folder / name
        if path.is_file():
            eos = json.loads(path.read_text(encoding="utf-8")).get("eos_token")
            if isinstance(eos, dict):
                eos = eos.get("content")
            if isinstance(eos, str) and eos:
                return eos
    raise ValueError(
        f"{folder} names no eos_token (tokenizer_config.json); save the tokenizer with one"
    )


# ---- records ----------------------------------------------------------------------------


def _label(config: CorpusConfig, problem: Problem, ident: str, graph: str) -> str:
    spec = problem.spec
    env_seed = int(np.random.SeedSequence([spec.seed, spec.index]).generate_state(1)[0])
    kwargs = dict(config.env_kwargs)
    if config.prompt_format != "raw":
        kwargs.setdefault("prompt_format", config.prompt_format)
    label = {
        "env_id": config.env_id,
        "seed": env_seed,
        "kwargs": kwargs,
        "spec": spec.to_dict(),
        "id": ident,
        "graph_hash": graph,
        "answer": problem.answer,
    }
    return json.dumps(label, sort_keys=True, separators=(",", ":"))


def _record(
    config: CorpusConfig, problem: Problem, eos: str, graph: str
) -> tuple[dict[str, Any], str]:
    """A record (without ``n_tokens``) and the text whose tokens it counts."""
    spec = problem.spec
    ident = problem.id  # a hash of the content: computed once
    record: dict[str, Any] = {
        "id": ident,
        "op": problem.op,
        "context": spec.context,
        "mode": spec.mode,
        "graph_hash": graph,
    }
    if config.kind in ("pretrain", "midtrain"):
        record["text"] = problem.text + eos
        return record, record["text"]
    chat = config.prompt_format == "chat"
    record["prompt"] = chat_messages(problem) if chat else problem.prompt
    # A chat prompt's tokens are counted on its messages' text (a chat template adds a few).
    counted = "".join(m["content"] for m in record["prompt"]) if chat else record["prompt"]
    if config.kind == "sft":
        record["response"] = completion_of(problem, config.prompt_format) + eos
        return record, counted + record["response"]
    record["label"] = _label(config, problem, ident, graph)
    record["datasource"] = f"{spec.context}_{spec.mode}_op{problem.op}"
    return record, counted


# ---- writing ----------------------------------------------------------------------------


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.jsonl"


@dataclass
class _Worker:
    """Per-process state: the config, its token counter and the excluded graph hashes."""

    config: CorpusConfig
    counter: TokenCounter
    exclude: frozenset[str]
    stop: EventType | None
    """Pooled workers: set once the corpus is complete (or the writer fails)."""
    parent: int = 0
    """Pooled workers: the writer's pid; a worker whose parent changes exits at once."""
    shares: tuple[float, ...] | None = None
    """Record shares of a joint mixture's contexts (``None``: not joint)."""


class _Abandoned(Exception):
    """A shard given up because the corpus needs no more (nobody reads its result)."""


_WORKER: _Worker | None = None


def _init_worker(
    config_dict: dict[str, Any],
    exclude: frozenset[str],
    stop: EventType | None,
    parent: int = 0,
) -> None:
    if parent:  # the writer's pid, passed in: a worker started after its death exits too
        threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    if stop is not None:  # a spawned worker, before tokenizers starts its thread pool
        os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core each
    config = CorpusConfig.from_dict(config_dict)
    global _WORKER
    counter = TokenCounter(config.tokenizer)
    shares = _cached_shares(config) if config.joint else None
    _WORKER = _Worker(config, counter, exclude, stop, parent, shares)


def _exit_with_parent(parent: int, period: float = 0.2) -> None:
    """A pooled worker's watchdog: exit as soon as the writer is gone (killed, say), so
    no orphan goes on writing shards into a folder that a restarted writer owns."""
    while os.getppid() == parent:
        time.sleep(period)
    os._exit(1)


def _write_shard(out_dir: str, shard: int, limit: int) -> dict[str, Any]:
    """Generate, count and write one shard; returns its stats and per-record token counts.

    ``limit`` bounds what the corpus can still need (tokens or records, from the shards
    known to be finished when this one was scheduled): generation stops once the shard
    alone reaches it. A shard that is not the corpus's last never reaches it, so only
    the last one is cut short, and the writer cuts that one at the exact budget anyway.
    """
    if _WORKER is None:
        raise RuntimeError("_init_worker was not called in this process")
    config, counter, stop = _WORKER.config, _WORKER.counter, _WORKER.stop
    records: list[dict[str, Any]] = []
    counts: list[int] = []
    used = 0
    first = end = shard * config.shard_size
    while end < first + config.shard_size and used < limit:
        # Shards scheduled before the budget was known to be reached would otherwise run
        # to their end while the writer waits for them.
        if stop is not None and stop.is_set():
            raise _Abandoned(shard)
        start, end = end, min(end + _CHUNK, first + config.shard_size)
        chunk: list[dict[str, Any]] = []
        texts: list[str] = []
        for slot in range(start, end):
            problem = generate(slot_spec(config, slot, _WORKER.shares))
            graph = problem.graph_hash
            if graph in _WORKER.exclude:
                continue
            record, text = _record(config, problem, counter.eos, graph)
            record["slot"] = slot
            chunk.append(record)
            texts.append(text)
        for record, n in zip(chunk, counter.count(texts), strict=True):
            record["n_tokens"] = n
            records.append(record)
            counts.append(n)
            used += n if config.tokens is not None else 1
    lines = [_JSON_LINE.encode(r) + "\n" for r in records]
    data = "".join(lines).encode("utf-8")
    with atomic_write(Path(out_dir) / shard_name(shard), "wb") as handle:
        handle.write(data)
        if _WORKER.parent and os.getppid() != _WORKER.parent:
            os._exit(1)  # the writer died while this shard was made: never rename it in
    stats = _shard_stats(shard, data, counts, end - first - len(records))
    stats["slots"] = [r["slot"] for r in records]
    return stats


def _shard_stats(shard: int, data: bytes, counts: list[int], skipped: int) -> dict[str, Any]:
    return {
        "file": shard_name(shard),
        "records": len(counts),
        "tokens": int(sum(counts)),
        "skipped": skipped,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "counts": counts,
    }


def _truncate_shard(
    out_dir: Path, stats: dict[str, Any], keep: int, shard_size: int
) -> dict[str, Any]:
    """Keep only the first ``keep`` records of the corpus's last shard.

    Slots skipped after the last kept record do not count: how far a worker ran past the
    budget depends on timing, and the manifest must not.
    """
    counts, slots = stats["counts"][:keep], stats["slots"][:keep]
    path = out_dir / stats["file"]
    data = b"".join(path.read_bytes().splitlines(keepends=True)[:keep])
    if len(data) != stats["bytes"]:
        with atomic_write(path, "wb") as handle:
            handle.write(data)
    shard = int(stats["file"].removeprefix("shard-").removesuffix(".jsonl"))
    skipped = slots[-1] + 1 - shard * shard_size - keep
    return {**_shard_stats(shard, data, counts, skipped), "counts": counts, "slots": slots}


def _load_manifest(out_dir: Path, head: dict[str, Any]) -> list[dict[str, Any]]:
    """Shards already finished by an earlier run of the same corpus (checked on disk)."""
    path = out_dir / MANIFEST
    if not path.is_file():
        return []
    manifest = _checked_manifest(path)
    theirs = {k: manifest.get(k) for k in head}
    if theirs != head:
        raise ValueError(
            f"{out_dir} holds a different corpus (config, tokenizer or exclusion differ); "
            "choose another --out or delete it"
        )
    shards: list[dict[str, Any]] = []
    for stats in manifest["shards"]:
        file = out_dir / stats["file"]
        if not file.is_file() or file.stat().st_size != stats["bytes"]:
            break
        shards.append(stats)
    return shards


def _write_manifest(
    out_dir: Path, head: dict[str, Any], shards: list[dict[str, Any]], complete: bool
) -> dict[str, Any]:
    manifest = {
        **head,
        "complete": complete,
        "records": sum(s["records"] for s in shards),
        "tokens": sum(s["tokens"] for s in shards),
        "skipped": sum(s["skipped"] for s in shards),
        "shards": shards,
    }
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, sort_keys=True) + "\n")
    return manifest


def _clean(out_dir: Path, keep: set[str]) -> None:
    """Remove temporary files of killed writers and shards past the end."""
    for path in out_dir.iterdir():
        name = path.name  # atomic_write's temporaries are ".<target>.<random>.tmp"
        # A kill while the manifest is rewritten leaves its temporary too.
        stale_tmp = name.startswith((".shard-", f".{MANIFEST}.")) and name.endswith(".tmp")
        extra_shard = _SHARD_RE.match(name) is not None and name not in keep
        if stale_tmp or extra_shard:
            path.unlink(missing_ok=True)


Progress = Callable[[int, int], None]


def check_env_settings(env_id: str, kwargs: Mapping[str, Any]) -> None:
    """Make the env a label names once, so that settings that cannot replay fail now
    (``ValueError``), not as a zero score for every sample in training."""
    import gymnasium as gym

    try:
        env = gym.make(env_id, **kwargs)
    except (gym.error.Error, ModuleNotFoundError, ValueError, TypeError) as err:
        raise ValueError(f"env {env_id!r} with {dict(kwargs)} cannot be made: {err}") from None
    env.close()


def write_corpus(
    config: CorpusConfig,
    out_dir: str | os.PathLike[str],
    *,
    workers: int = 1,
    exclude: Sequence[str | os.PathLike[str]] = (),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Write (or finish writing) a corpus; returns its manifest.

    Args:
        config: what to write.
        out_dir: the corpus directory (created; an unfinished corpus there is resumed).
        workers: processes generating shards in parallel (1: in this process).
        exclude: evaluation suites (files or directories of problem records, or hash
            lists) whose graph hashes the corpus must not contain (the leakage guard).
        progress: called as ``progress(records, tokens)`` after each finished shard.

    Raises:
        ValueError: ``out_dir`` holds a different corpus, or the guard excludes everything.
        BlockingIOError: another writer holds ``out_dir``'s lock (``.lock``).
    """
    from edgegym.eval.leakage import load_exclusion

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an int >= 1, got {workers!r}")
    if config.kind == "rl":
        check_env_settings(config.env_id, config.env_kwargs)  # labels must replay
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"{out} is a file, not a corpus folder")
    out.mkdir(parents=True, exist_ok=True)
    excluded = load_exclusion([Path(p) for p in exclude])
    with folder_lock(out, "corpus writer"):
        return _write_locked(config, out, excluded, workers, progress)


def _write_locked(
    config: CorpusConfig,
    out: Path,
    excluded: frozenset[str],
    workers: int,
    progress: Progress | None,
) -> dict[str, Any]:
    """:func:`write_corpus` once it holds the folder's lock."""
    from edgegym.eval.leakage import exclusion_fingerprint

    head: dict[str, Any] = {
        "format": FORMAT,
        "config": config.to_dict(),
        "tokenizer": TokenCounter(config.tokenizer).fingerprint,
        "exclusion": exclusion_fingerprint(excluded),
    }
    if config.joint:  # what the token shares were calibrated to, for the record
        head["record_shares"] = list(_cached_shares(config))
    shards = _load_manifest(out, head)
    _clean(out, {s["file"] for s in shards})
    done = _budget_left(config, shards) <= 0
    if not done:
        shards = _run_shards(config, out, head, shards, workers, excluded, progress)
    _clean(out, {s["file"] for s in shards})
    return _write_manifest(out, head, shards, complete=True)


def _budget_left(config: CorpusConfig, shards: list[dict[str, Any]]) -> int:
    if config.tokens is not None:
        return config.tokens - int(sum(s["tokens"] for s in shards))
    return int(config.records or 0) - int(sum(s["records"] for s in shards))


def _jobs(
    config: CorpusConfig,
    out: Path,
    start: int,
    workers: int,
    excluded: frozenset[str],
    left: Callable[[], int],
) -> Generator[dict[str, Any], None, None]:
    """Shard stats in shard order from ``start`` on, ``workers`` shards at a time.

    ``left()`` is the budget left after the shards finished so far: an upper bound on
    what any shard scheduled now can be needed for.
    """
    if workers == 1:
        _init_worker(config.to_dict(), excluded, None)
        for shard in itertools.count(start):
            yield _write_shard(str(out), shard, left())
    import concurrent.futures as cf
    import multiprocessing as mp

    context = mp.get_context("spawn")
    stop = context.Event()
    with cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(config.to_dict(), excluded, stop, os.getpid()),
    ) as pool:
        shards = itertools.count(start)
        pending = [
            pool.submit(_write_shard, str(out), next(shards), left()) for _ in range(2 * workers)
        ]
        try:
            while True:
                stats = pending.pop(0).result()
                pending.append(pool.submit(_write_shard, str(out), next(shards), left()))
                yield stats
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)


def _run_shards(
    config: CorpusConfig,
    out: Path,
    head: dict[str, Any],
    shards: list[dict[str, Any]],
    workers: int,
    excluded: frozenset[str],
    progress: Progress | None,
) -> list[dict[str, Any]]:
    empty_run = 0
    jobs = _jobs(config, out, len(shards), workers, excluded, lambda: _budget_left(config, shards))
    try:
        for stats in jobs:
            left = _budget_left(config, shards)
            per_record = stats["counts"] if config.tokens is not None else [1] * stats["records"]
            reached = np.flatnonzero(np.cumsum(per_record, dtype=np.int64) >= left)
            if reached.size:
                stats = _truncate_shard(out, stats, int(reached[0]) + 1, config.shard_size)
            del stats["counts"], stats["slots"]
            shards.append(stats)
            empty_run = empty_run + 1 if stats["records"] == 0 else 0
            if empty_run >= _EMPTY_SHARDS_LIMIT:
                raise ValueError(
                    f"the leakage guard excluded every problem of {empty_run} shards in a row: "
                    "the corpus and the evaluation suites draw from the same problems"
                )
            if progress is not None:
                progress(sum(s["records"] for s in shards), sum(s["tokens"] for s in shards))
            if reached.size:
                return shards
            _write_manifest(out, head, shards, complete=False)
    finally:
        jobs.close()
    return shards  # pragma: no cover - the job stream is endless


# ---- reading ----------------------------------------------------------------------------


def _manifest(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{out_dir} is not an edgegym corpus (no {MANIFEST})")
    manifest = _checked_manifest(path)
    if manifest.get("format") != FORMAT:
        raise ValueError(f"{path}: format must be {FORMAT!r}, got {manifest.get('format')!r}")
    return manifest


def _checked_manifest(path: Path) -> dict[str, Any]:
    """A manifest read strictly: shard entries name shard files of the folder, nothing else."""
    manifest = read_json(path)
    shards = manifest.get("shards") if isinstance(manifest, dict) else None
    if not isinstance(manifest, dict) or not isinstance(shards, list):
        raise ValueError(f"{path}: not a corpus manifest (delete it to start over)")
    for stats in shards:
        name = stats.get("file") if isinstance(stats, dict) else None
        if not isinstance(name, str) or _SHARD_RE.match(name) is None:
            raise ValueError(f"{path}: shard entry {stats!r:.80} names no shard file")
    return manifest


def read_corpus(out_dir: str | os.PathLike[str]) -> Iterator[dict[str, Any]]:
    """The records of a finished corpus, in slot order."""
    manifest = _manifest(out_dir)
    if not manifest["complete"]:
        raise ValueError(f"{out_dir}: the corpus is unfinished; run the same command again")
    for stats in manifest["shards"]:
        with (Path(out_dir) / stats["file"]).open(encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)


def verify_corpus(out_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Check every shard's size, SHA-256, record and token counts against the manifest.

    Returns:
        The manifest.

    Raises:
        ValueError: naming the first shard that does not match.
    """
    manifest = _manifest(out_dir)
    for stats in manifest["shards"]:
        data = (Path(out_dir) / stats["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != stats["sha256"]:
            raise ValueError(f"{stats['file']}: SHA-256 does not match the manifest")
        counts = [json.loads(line)["n_tokens"] for line in data.splitlines()]
        if len(counts) != stats["records"] or sum(counts) != stats["tokens"]:
            raise ValueError(f"{stats['file']}: record or token counts do not match the manifest")
    return manifest


# ---- packing ----------------------------------------------------------------------------

_PACKABLE = ("pretrain", "midtrain")


def corpus_rows(out_dir: str | os.PathLike[str]) -> int:
    """Rows of a finished corpus (its manifest's ``records``): OpenRLHF's ``--data.max_samples``.

    Raises:
        FileNotFoundError: no corpus there.
        ValueError: an unfinished corpus, or a manifest that is not an edgegym corpus's.
    """
    manifest = _manifest(out_dir)
    if manifest.get("complete") is not True:
        raise ValueError(f"{out_dir}: the corpus is unfinished; run the command that writes it")
    return int(manifest["records"])


def pack_corpus(
    source: str | os.PathLike[str], out_dir: str | os.PathLike[str], length: int
) -> dict[str, Any]:
    """Pack a finished pre-/mid-training corpus into rows of ``length`` tokens; its manifest.

    A corpus of one problem (+ EOS) a row, ~400 tokens, trains few positions of a
    2,048-token context, and OpenRLHF's ``SFTDataset`` holds every row's text on every
    rank. The packed corpus has rows of ``length`` tokens made by
    :func:`edgegym.agents.packing.pack_rows` (whole problems in order, the last one of a
    row cut at the row's end, its tail dropped): every position is trained, and a
    10B-token corpus has ~5M rows instead of ~26M. It is a corpus like any other
    (:func:`read_corpus`, :func:`verify_corpus`, :func:`corpus_rows`); a row is
    ``{"text", "n_tokens", "problems", "cut"}`` (the ids of its problems; whether the last
    is cut). Packed shard ``i`` is source shard ``i`` packed: rows never span shards (a
    shard's last, unfilled row is dropped) and a killed packer resumes. Each shard's
    ``dropped_tokens`` counts the source tokens in no row: the cut problems' tails and
    the shard's unfilled end. ``n_tokens`` is the row's text
    counted again: rows are cut at token boundaries, so it is ``length`` unless
    re-tokenizing a cut problem's prefix merges differently (never with ``char``).

    Raises:
        ValueError: ``length`` < 2; a source that is unfinished, damaged (checked against
            its manifest first) or not pre-/mid-training text; an ``out_dir`` that holds
            another corpus.
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 2:
        raise ValueError(f"length must be an int >= 2, got {length!r}")
    src = verify_corpus(source)
    if not src["complete"] or src["config"].get("kind") not in _PACKABLE:
        raise ValueError(
            f"{source}: a finished pretrain or midtrain corpus is needed, got kind "
            f"{src['config'].get('kind')!r} (complete: {src['complete']})"
        )
    counter = TokenCounter(src["config"]["tokenizer"])
    if counter.fingerprint != src["tokenizer"]:
        raise ValueError(f"{source}: the tokenizer changed since the corpus was written")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    head = {key: src.get(key) for key in ("format", "config", "tokenizer", "exclusion")}
    head["packed"] = {"length": length, "source_records": src["records"]}
    shards = _load_manifest(out, head)
    _clean(out, {s["file"] for s in shards})
    for stats in src["shards"][len(shards) :]:
        rows = _packed_rows(Path(source) / stats["file"], counter, length)
        shards.append(_write_rows(out, stats["file"], *rows))
        _write_manifest(out, head, shards, complete=False)
    return _write_manifest(out, head, shards, complete=True)


def _packed_rows(
    shard: Path, counter: TokenCounter, length: int
) -> tuple[list[dict[str, Any]], list[int], int]:
    """The packed rows of one source shard, their token counts and the tokens dropped."""
    with shard.open(encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle]
    texts = [r["text"] for r in records]
    encodings = counter.backend.encode_batch(texts, add_special_tokens=False)
    rows, counts, used = [], [], 0
    for row in pack_rows((e.ids for e in encodings), length):
        parts = []
        for piece in row.pieces:
            end = encodings[piece.source].offsets[piece.length - 1][1] if piece.cut else None
            parts.append(texts[piece.source][:end])  # a cut piece: up to its last kept token
            used += piece.length
        text = "".join(parts)
        problems = [records[p.source]["id"] for p in row.pieces]
        (n,) = counter.count([text])
        rows.append({"text": text, "n_tokens": n, "problems": problems, "cut": row.pieces[-1].cut})
        counts.append(n)
    return rows, counts, sum(len(e.ids) for e in encodings) - used


def _write_rows(
    out: Path, name: str, rows: list[dict[str, Any]], counts: list[int], dropped: int
) -> dict[str, Any]:
    data = "".join(_JSON_LINE.encode(r) + "\n" for r in rows).encode("utf-8")
    with atomic_write(out / name, "wb") as handle:
        handle.write(data)
    shard = int(name.removeprefix("shard-").removesuffix(".jsonl"))
    stats = _shard_stats(shard, data, counts, 0) | {"dropped_tokens": dropped}
    del stats["counts"]
    return stats


# ---- small helpers for tokenizers and curricula ------------------------------------------


def sample_texts(
    n: int,
    *,
    contexts: Sequence[str] = CONTEXTS,
    ops: str = "2-20",
    modes: Sequence[str] = MODES,
    seed: int = 0,
) -> list[str]:
    """``n`` model texts over contexts, ops and modes (uniform): BPE training text."""
    config = CorpusConfig(
        kind="pretrain",
        ops=op_mixture(ops),
        contexts=tuple((c, 1.0 / len(contexts)) for c in contexts),
        modes=tuple((m, 1.0 / len(modes)) for m in modes),
        seed=seed,
        records=max(1, n),
    )
    return [generate(slot_spec(config, i)).text for i in range(n)]


def write_curriculum_prompts(
    path: str | os.PathLike[str],
    *,
    slots: int,
    group_size: int,
    curriculum: Mapping[str, Any],
    env_id: str = "edgegym:Reason-v0",
    env_kwargs: Mapping[str, Any] | None = None,
) -> int:
    """Write a prompt set of curriculum slots for ``curriculum_agent.py`` (atomically).

    Each row's ``prompt`` is a placeholder (the agent observes the leased problem's
    prompt instead); its ``label`` names the curriculum, the slot and the group size.

    Returns:
        The number of rows written.
    """
    from edgegym.agents.openrlhf.curriculum import service_config

    if isinstance(slots, bool) or not isinstance(slots, int) or slots < 1:
        raise ValueError(f"slots must be an int >= 1, got {slots!r}")
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 1:
        raise ValueError(f"group_size must be an int >= 1, got {group_size!r}")
    service_config(dict(curriculum))  # fail now, not in a rollout worker
    check_env_settings(env_id, env_kwargs or {})
    with atomic_write(path) as handle:
        for slot in range(slots):
            label = {
                "env_id": env_id,
                "kwargs": dict(env_kwargs or {}),
                "curriculum": dict(curriculum),
                "slot": slot,
                "group_size": group_size,
            }
            row = {
                "prompt": f"<question> curriculum slot {slot} </question> <solution>",
                "label": json.dumps(label, sort_keys=True, separators=(",", ":")),
                "datasource": "curriculum",
            }
            handle.write(json.dumps(row, sort_keys=True) + "\n")
    return slots
