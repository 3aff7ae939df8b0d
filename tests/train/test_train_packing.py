"""Packed pre-training: each step is batch_size full rows of the model's context length."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from edgegym.agents.train.config import LMConfig
from edgegym.agents.train.lm import StageIO, step_batch, train_lm
from edgegym.agents.train.metrics import read_metrics


def test_packed_steps_fill_the_context_and_train(
    model: Any, tokenizer: Any, micro: Any, tmp_path: Path
) -> None:
    model.config.max_position_embeddings = 128  # a short context keeps the test fast
    config = LMConfig(ops=(2, 3), pack=True, steps=3, batch_size=2, log_every=1, warmup=0)
    ids, mask, labels = step_batch(tokenizer, micro.task, config, 0, model=model)
    assert ids.shape == (2, 128) and int(mask.sum()) == 2 * 128  # no padding anywhere
    assert int((labels == -100).sum()) > 0  # completion-only: prompts carry no label
    again = step_batch(tokenizer, micro.task, config, 0, model=model)[0]
    assert bool((again == ids).all())  # step 0 is a pure function of (seed, step)
    assert not bool((step_batch(tokenizer, micro.task, config, 1, model=model)[0] == ids).all())
    last = train_lm(model, tokenizer, micro.task, config, StageIO(tmp_path, progress=False))
    rows = read_metrics(tmp_path / "metrics.jsonl")
    assert [r["step"] for r in rows] == [1, 2, 3] and last["loss"] > 0
