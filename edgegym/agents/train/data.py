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
from edgegym.agents.train.config import TaskSetup
from edgegym.tasks import Problem, generate

if TYPE_CHECKING:
    import torch

__all__ = [
    "IGNORE",
    "decode_response",
    "draw_ops",
    "draw_problems",
    "encode",
    "left_pad",
    "lm_batch",
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
    task: TaskSetup, ops: Sequence[int], problems: int, *, split: str, seed: int
) -> list[Problem]:
    """A fixed evaluation suite: indices ``0..problems-1`` of each op, the same in every run."""
    return [
        generate(task.spec(op=op, split=split, seed=seed, index=i))
        for op in ops
        for i in range(problems)
    ]


def stop_ids(tokenizer: Any) -> tuple[int, ...]:
    """Token ids that end a response: ``</answer>`` (when it is one token) and EOS."""
    ids = [tokenizer.eos_token_id]
    answer = tokenizer.convert_tokens_to_ids("</answer>")
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
