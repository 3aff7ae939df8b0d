"""The language-model loop of pre-training and mid-training: plain torch, about 15 lines at heart.

Each step draws ``batch_size`` fresh problems from the op mixture (batch ``s`` is
a pure function of ``(seed, s)``), takes the cross-entropy on completion tokens (or
on all tokens), clips the gradient and steps AdamW under a warm-up + cosine
schedule. ``transformers.Trainer`` was measured no faster (ratio 1.01) and needs
``accelerate``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from edgegym.agents.tokenizer import require
from edgegym.agents.train.checkpoint import load_latest, save_checkpoint
from edgegym.agents.train.config import LMConfig, TaskSetup
from edgegym.agents.train.data import (
    draw_ops,
    draw_problems,
    encode,
    lm_batch,
    packed_batch,
    packed_rows,
)
from edgegym.agents.train.metrics import LiveView, MetricsLog
from edgegym.agents.train.runtime import numpy_rng

__all__ = ["StageIO", "lr_at", "step_batch", "train_lm"]


@dataclass(frozen=True)
class StageIO:
    """Where a stage writes (checkpoints, metrics) and how it reports progress."""

    folder: Path
    """Stage directory: ``ckpt/``, ``metrics.jsonl`` and the final ``model/``."""
    console: Console | None = None
    """Console of the live view (``None``: rich's default)."""
    progress: bool = True
    """Show the live view."""
    on_step: Callable[[int], None] | None = field(default=None, compare=False)
    """Called after each completed step with the step count (tests use it to crash a run)."""


def lr_at(step: int, *, steps: int, warmup: int, lr: float, min_ratio: float) -> float:
    """Learning rate of ``step``: linear warm-up, then cosine from ``lr`` to ``lr * min_ratio``."""
    if warmup and step < warmup:
        return lr * (step + 1) / warmup
    span = max(steps - warmup, 1)
    progress = min(max(step - warmup, 0) / span, 1.0)
    return lr * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress)))


def step_batch(
    tokenizer: Any, task: TaskSetup, config: LMConfig, step: int, *, model: Any
) -> tuple[Any, Any, Any]:
    """The ``(input_ids, attention_mask, labels)`` of one step, a pure function of ``(seed, step)``.

    Packed (``config.pack``): ``batch_size`` rows of the model's context length;
    otherwise ``batch_size`` problems, one a row, right-padded.
    """
    device = next(model.parameters()).device
    if config.pack:
        rng = numpy_rng(config.seed, "lm-pack", step)
        rows, prompt_lengths = packed_rows(
            tokenizer,
            task,
            config.ops,
            config.weights,
            rows=config.batch_size,
            length=int(model.config.max_position_embeddings),
            rng=rng,
            seed=config.seed,
        )
        return packed_batch(rows, prompt_lengths, loss_on=config.loss_on, device=device)
    rng = numpy_rng(config.seed, "lm-batch", step)
    ops = draw_ops(config.ops, config.weights, config.batch_size, rng)
    problems = draw_problems(task, ops, rng=rng, seed=config.seed)
    return lm_batch(
        encode(tokenizer, problems),
        pad_id=tokenizer.pad_token_id,
        loss_on=config.loss_on,
        device=device,
    )


def make_optimizer(
    model: Any, *, lr: float, betas: tuple[float, float], weight_decay: float
) -> Any:
    """AdamW over every trainable parameter."""
    torch = require("torch")
    params = [p for p in model.parameters() if p.requires_grad]
    return torch.optim.AdamW(params, lr=lr, betas=betas, weight_decay=weight_decay)


def train_lm(
    model: Any,
    tokenizer: Any,
    task: TaskSetup,
    config: LMConfig,
    io: StageIO,
    *,
    title: str = "train",
) -> dict[str, float]:
    """Train ``model`` in place for ``config.steps`` steps, resuming from ``io.folder/ckpt``.

    Returns:
        The last logged metrics (``loss``, ``lr``, ...).
    """
    torch = require("torch")
    device = next(model.parameters()).device
    optimizer = make_optimizer(
        model, lr=config.lr, betas=config.betas, weight_decay=config.weight_decay
    )
    ckpt_dir = io.folder / "ckpt"
    start = 0
    checkpoint = load_latest(ckpt_dir, device=device)
    if checkpoint is not None:
        model.load_state_dict(checkpoint.model)
        optimizer.load_state_dict(checkpoint.optimizer)
        start = checkpoint.step
    last: dict[str, float] = {}
    model.train()
    with (
        MetricsLog(io.folder / "metrics.jsonl", resume_step=start if checkpoint else None) as log,
        LiveView(title, config.steps, console=io.console, enabled=io.progress) as view,
    ):
        view.update(start)
        clock, tokens = time.perf_counter(), 0
        for step in range(start, config.steps):
            lr = lr_at(
                step,
                steps=config.steps,
                warmup=config.warmup,
                lr=config.lr,
                min_ratio=config.min_lr_ratio,
            )
            for group in optimizer.param_groups:
                group["lr"] = lr
            ids, mask, labels = step_batch(tokenizer, task, config, step, model=model)
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            norm = (
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
                if config.grad_clip > 0
                else torch.zeros(())
            )
            optimizer.step()
            tokens += int(mask.sum())
            done = step + 1
            if done % config.log_every == 0 or done == config.steps:
                elapsed = time.perf_counter() - clock
                last = {
                    "step": done,
                    "loss": round(float(loss.detach()), 6),
                    "lr": lr,
                    "grad_norm": round(float(norm), 6),
                    "tokens_per_s": round(tokens / max(elapsed, 1e-9), 1),
                }
                log.write(last)
                view.update(done, f"loss {last['loss']:.4f}  lr {lr:.2e}")
            if done % config.checkpoint_every == 0 or done == config.steps:
                save_checkpoint(ckpt_dir, step=done, model=model, optimizer=optimizer)
            view.update(done)
            if io.on_step is not None:
                io.on_step(done)
    return last
