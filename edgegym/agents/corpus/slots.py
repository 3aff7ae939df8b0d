"""Slots: the problem spec of every slot of a corpus's stream, and the record shares
that hold a joint mixture's token shares."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from edgegym.agents.corpus.config import CorpusConfig
from edgegym.agents.corpus.mixtures import cumulative_weights, pick
from edgegym.agents.corpus.records import record_of
from edgegym.agents.corpus.tokens import TokenCounter
from edgegym.tasks import TaskSpec, generate, stable_int

_PHI64 = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: the Weyl step of joint mixtures


_CALIBRATION_KEY = stable_int("edgegym.agents.corpus.calibration")
_CALIBRATION = 128  # problems per (context, mode, op) cell behind a token share


def slot_spec(config: CorpusConfig, slot: int, shares: Sequence[float] | None = None) -> TaskSpec:
    """The problem spec of slot ``slot``: a pure function of the config and the slot.

    ``shares`` are the record shares of a joint mixture's contexts (:func:`record_shares`;
    computed, and cached, with ``config.tokenizer`` when not given).
    """
    state = np.random.SeedSequence([*config.slot_key, slot])
    # 53-bit uniforms in [0, 1); on Python ints, which is faster than numpy for three.
    u = [float(x >> 11) * 2.0**-53 for x in state.generate_state(3, np.uint64).tolist()]
    contexts, modes, ops = config.cumulative
    context = pick(config.contexts, contexts, u[0])
    if config.joint:
        if shares is None:
            shares = cached_shares(config)
        # A low-discrepancy draw: every prefix of slots holds each share to a few records.
        weyl = ((config.weyl_offset + slot * _PHI64) % 2**64 >> 11) * 2.0**-53
        drawn = [(c, q) for (c, _), q in zip(config.contexts, shares, strict=True)]
        context = pick(drawn, cumulative_weights(drawn), weyl)
        op_weights = config.ops_of(context)
        op = pick(op_weights, cumulative_weights(op_weights), u[2])
    else:
        op = pick(config.ops, ops, u[2])
    return TaskSpec(
        context=context,
        mode=pick(config.modes, modes, u[1]),
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
                texts.append(record_of(config, generate(spec), counter.eos, "")[1])
            mean += p_mode * p_op * float(np.mean(counter.count(texts)))
        raw.append(share / mean)
    total = sum(raw)
    return tuple(r / total for r in raw)


_SHARES: dict[str, tuple[float, ...]] = {}


def cached_shares(config: CorpusConfig) -> tuple[float, ...]:
    key = json.dumps(config.to_dict(), sort_keys=True)
    if key not in _SHARES:
        _SHARES[key] = record_shares(config, TokenCounter(config.tokenizer))
    return _SHARES[key]
