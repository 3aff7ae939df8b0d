"""Problems to token ids: op mixtures, loss masks and padded batches.

A training example is one problem in the model text format: the prompt (up to and
including ``<solution>``) and the completion (the gold response) followed by the
tokenizer's EOS. Language-model batches are right-padded with labels ``-100`` on
padding (and on the prompt when the loss is on completions only); sampling batches
are left-padded, with position ids ``cumsum(mask) - 1`` so that every sequence
starts at position 0 whatever its padding.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from edgegym.agents.packing import PackedRow, pack_rows
from edgegym.agents.tokenizer import require
from edgegym.agents.train.config import LMConfig, TaskSetup
from edgegym.agents.train.runtime import numpy_rng
from edgegym.tasks import Problem, generate
from edgegym.tasks.trace import ANSWER_CLOSE

if TYPE_CHECKING:
    import torch

    from edgegym.agents.corpus import CorpusConfig

__all__ = [
    "IGNORE",
    "LMProblems",
    "decode_response",
    "draw_ops",
    "draw_problems",
    "encode",
    "left_pad",
    "lm_batch",
    "lm_corpus",
    "packed_batch",
    "packed_rows",
    "response_limit",
    "stop_ids",
    "suite",
]

IGNORE = -100
"""Label of positions without loss (the convention of ``torch.nn.CrossEntropyLoss``)."""

_INDEX_SPACE = 2**62
"""Training problems take random indices in [0, 2**62): collisions are negligible."""


def draw_ops(
    ops: Sequence[int], weights: Sequence[float] | None, n: int, rng: np.random.Generator
) -> list[int]:
    """``n`` ops drawn from the mixture (uniform when ``weights`` is None)."""
    p = None if weights is None else np.asarray(weights, dtype=np.float64)
    return [int(op) for op in rng.choice(np.asarray(ops), size=n, p=p)]


def draw_problems(
    task: TaskSetup,
    ops: Sequence[int],
    *,
    rng: np.random.Generator,
    split: str = "train",
    seed: int = 0,
) -> list[Problem]:
    """One fresh problem per entry of ``ops``, at random indices of ``split``."""
    indices = rng.integers(0, _INDEX_SPACE, size=len(ops))
    return [
        generate(task.spec(op=op, split=split, seed=seed, index=int(index)))
        for op, index in zip(ops, indices, strict=True)
    ]


def suite(
    task: TaskSetup,
    ops: Sequence[int],
    problems: int,
    *,
    split: str,
    seed: int,
    contexts: Sequence[str] | None = None,
    modes: Sequence[str] | None = None,
) -> list[Problem]:
    """A fixed evaluation suite: indices ``0..problems-1`` of each op, the same in every run.

    With ``contexts`` / ``modes`` (``None``: the task's own), each context x mode holds
    the same ops and indices.
    """
    return [
        generate(variant.spec(op=op, split=split, seed=seed, index=i))
        for variant in task.variants(contexts, modes)
        for op in ops
        for i in range(problems)
    ]


class LMProblems:
    """The problems of a language-model stage's batches; batch ``s`` depends on ``(config, s)``.

    Without a context or mode mixture in the config, batch ``s`` draws ops from the
    mixture and fresh random indices of the task's track (seeded by ``(seed, s)``).
    With one, batch ``s`` is slots ``s*batch_size ...`` of the ``pretrain`` corpus
    stream of that mixture (:func:`edgegym.agents.corpus.slot_spec`), shares of tokens
    calibrated with the model's own tokenizer.
    """

    def __init__(self, task: TaskSetup, config: LMConfig, tokenizer: Any) -> None:
        self.task, self.config = task, config
        self.corpus = lm_corpus(task, config)
        self.shares: tuple[float, ...] | None = None
        if self.corpus is not None:
            from edgegym.agents.corpus import TokenCounter, record_shares

            counter = TokenCounter(
                "model", backend=tokenizer.backend_tokenizer, eos=str(tokenizer.eos_token)
            )
            self.shares = record_shares(self.corpus, counter)

    def batch(self, step: int) -> list[Problem]:
        config = self.config
        if self.corpus is None:
            rng = numpy_rng(config.seed, "lm-batch", step)
            ops = draw_ops(config.ops, config.weights, config.batch_size, rng)
            return draw_problems(self.task, ops, rng=rng, seed=config.seed)
        from edgegym.agents.corpus import slot_spec

        first = step * config.batch_size
        return [
            generate(slot_spec(self.corpus, slot, self.shares))
            for slot in range(first, first + config.batch_size)
        ]


def lm_corpus(task: TaskSetup, config: LMConfig) -> CorpusConfig | None:
    """The corpus stream of an LM stage with a context or mode mixture (``None``: without)."""
    if config.contexts is None and config.modes is None:
        return None
    from edgegym.agents.corpus import CorpusConfig, context_mixture, weight_mixture
    from edgegym.tasks import MODES

    if task.family != "dag":
        raise ValueError(f"context and mode mixtures need the dag family, got {task.family!r}")
    mix = context_mixture(config.contexts or task.context, config.share_of)
    weights = config.weights or tuple(1.0 / len(config.ops) for _ in config.ops)
    return CorpusConfig(
        kind="pretrain",
        ops=tuple(zip(config.ops, weights, strict=True)),
        contexts=mix.weights,
        context_ops=mix.ops,
        share_of=mix.share_of,
        modes=weight_mixture(config.modes or task.mode, MODES, "modes"),
        seed=config.seed,
        dag=task.config,
        records=1,  # a stream, not a written corpus: the budget is unused
    )


def stop_ids(tokenizer: Any) -> tuple[int, ...]:
    """Token ids that end a response: ``</answer>`` (when it is one token) and EOS."""
    ids = [tokenizer.eos_token_id]
    answer = tokenizer.convert_tokens_to_ids(ANSWER_CLOSE)
    if isinstance(answer, int) and answer != tokenizer.unk_token_id:
        ids.insert(0, answer)
    return tuple(int(i) for i in ids if i is not None)


def encode(tokenizer: Any, problems: Sequence[Problem]) -> list[tuple[list[int], list[int]]]:
    """(prompt ids, completion ids + EOS) of each problem; no BOS is added."""
    if not problems:
        return []
    prompts = tokenizer([p.prompt for p in problems], add_special_tokens=False)["input_ids"]
    completions = tokenizer([p.completion for p in problems], add_special_tokens=False)["input_ids"]
    eos = int(tokenizer.eos_token_id)
    return [(list(a), [*b, eos]) for a, b in zip(prompts, completions, strict=True)]


def lm_batch(
    examples: Sequence[tuple[list[int], list[int]]],
    *,
    pad_id: int,
    loss_on: str,
    device: Any = "cpu",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Right-padded ``(input_ids, attention_mask, labels)``, each of shape (batch, longest).

    ``labels`` equal ``input_ids`` where the loss is taken and :data:`IGNORE` elsewhere;
    the model shifts them itself.
    """
    torch = require("torch")
    width = max(len(a) + len(b) for a, b in examples)
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    for row, (prompt, completion) in enumerate(examples):
        seq = torch.tensor(prompt + completion, dtype=torch.long)
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
        start = len(prompt) if loss_on == "completion" else 0
        labels[row, start : len(seq)] = seq[start:]
    return ids.to(device), mask.to(device), labels.to(device)


def packed_rows(
    tokenizer: Any,
    task: TaskSetup,
    ops: Sequence[int],
    weights: Sequence[float] | None,
    *,
    rows: int,
    length: int,
    rng: np.random.Generator,
    seed: int = 0,
) -> tuple[list[PackedRow], list[int]]:
    """``rows`` packed rows of ``length`` ids from fresh problems of the op mixture.

    Problems are drawn ``rows`` at a time from ``rng`` until the rows are full (so the
    rows are a pure function of the stream's state) and packed by
    :func:`edgegym.agents.packing.pack_rows`.

    Returns:
        The rows and, per problem drawn (a piece's ``source``), its prompt's length.
    """
    prompt_lengths: list[int] = []

    def stream() -> Iterator[list[int]]:
        while True:
            problems = draw_problems(task, draw_ops(ops, weights, rows, rng), rng=rng, seed=seed)
            for prompt, completion in encode(tokenizer, problems):
                prompt_lengths.append(len(prompt))
                yield prompt + completion

    packed = list(itertools.islice(pack_rows(stream(), length), rows))
    return packed, prompt_lengths


def packed_batch(
    rows: Sequence[PackedRow],
    prompt_lengths: Sequence[int],
    *,
    loss_on: str,
    device: Any = "cpu",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(input_ids, attention_mask, labels)`` of full packed rows (no padding).

    With ``loss_on="completion"`` each piece's prompt tokens get :data:`IGNORE`.
    """
    torch = require("torch")
    ids = torch.tensor([list(row.ids) for row in rows], dtype=torch.long)
    labels = ids.clone()
    if loss_on == "completion":
        for r, row in enumerate(rows):
            for piece in row.pieces:
                masked = min(prompt_lengths[piece.source], piece.length)
                labels[r, piece.start : piece.start + masked] = IGNORE
    mask = torch.ones_like(ids)
    return ids.to(device), mask.to(device), labels.to(device)


def left_pad(
    seqs: Sequence[Sequence[int]], *, pad_id: int, device: Any = "cpu"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Left-padded ``(ids, attention_mask)`` of shape (len(seqs), longest)."""
    torch = require("torch")
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        if seq:
            ids[row, width - len(seq) :] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, width - len(seq) :] = 1
    return ids.to(device), mask.to(device)


def response_limit(gold_tokens: int, cap: int) -> int:
    """Most tokens a sampled response may take: 1.25x the gold response + 16, at most ``cap``.

    A response much longer than the gold trace is wrong anyway; stopping it early
    saves most of the cost of a model that has not yet learned to stop.
    """
    return max(1, min(cap, gold_tokens + gold_tokens // 4 + 16))


def decode_response(tokenizer: Any, ids: Sequence[int]) -> str:
    """The response text of sampled ids: special tokens kept (the tags), a final EOS dropped."""
    ids = list(ids)
    if ids and ids[-1] == tokenizer.eos_token_id:
        ids = ids[:-1]
    text: str = tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    return text
