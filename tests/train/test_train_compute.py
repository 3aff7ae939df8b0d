"""Compute accounting: 6ND for LM stages, 2N per sampled and 6N per trained RL token, sums."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edgegym.agents.train.compute import Compute, model_params
from edgegym.agents.train.config import LMConfig
from edgegym.agents.train.data import LMProblems
from edgegym.agents.train.lm import StageIO, step_batch, train_lm
from edgegym.agents.train.metrics import read_metrics
from edgegym.agents.train.rl import train_rl
from edgegym.cli import main


def test_compute_parts_and_round_trip() -> None:
    compute = Compute(params=1000)
    compute.add("train", 10)
    compute.add("sample_prompt", 3)
    compute.add("update", 5)
    assert compute.flops() == {"train": 60_000.0, "sample_prompt": 6_000.0, "update": 30_000.0}
    assert compute.total == 96_000.0
    again = Compute.from_dict(json.loads(json.dumps(compute.to_dict())), params=1)
    assert again == compute
    with pytest.raises(ValueError, match="part"):
        compute.add("backward", 1)


def test_lm_stage_flops_are_6nd(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path
) -> None:
    model = make_model()
    n = model_params(model)
    assert n == sum(p.numel() for p in make_model().parameters())
    config = LMConfig(ops=(2, 3), steps=3, batch_size=4, log_every=1)
    stream = LMProblems(micro.task, config, tokenizer)
    tokens = sum(
        int(step_batch(tokenizer, micro.task, config, s, model=model, problems=stream)[1].sum())
        for s in range(config.steps)
    )  # D: the real (unpadded) tokens of the three batches
    last = train_lm(model, tokenizer, micro.task, config, StageIO(folder=tmp_path, progress=False))
    compute = last["compute"]
    assert compute["tokens"] == {"train": tokens}
    assert compute["total_flops"] == 6 * n * tokens
    assert read_metrics(tmp_path / "metrics.jsonl")[-1]["flops"] == 6 * n * tokens


def test_rl_stage_counts_sampling_and_updates(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path
) -> None:
    model = make_model()
    n = model_params(model)
    config = replace(micro.rl, steps=2, filter_zero_variance=False, kl=0.01)
    last = train_rl(model, tokenizer, micro.task, config, StageIO(folder=tmp_path, progress=False))
    tokens = last["compute"]["tokens"]
    rows = read_metrics(tmp_path / "metrics.jsonl")
    generated = sum(r["response_tokens"] * config.prompts * config.group for r in rows)
    assert tokens["sample_generated"] == pytest.approx(generated, abs=1)
    # Every row is trained (no filter): its prompt and completion, plus one reference forward.
    assert tokens["update"] == tokens["update_forward"]
    assert tokens["update"] > tokens["sample_generated"]
    flops = 2 * n * (tokens["sample_prompt"] + tokens["sample_generated"])
    flops += 6 * n * tokens["update"] + 2 * n * tokens["update_forward"]
    assert last["compute"]["total_flops"] == flops == rows[-1]["flops"]


def test_pipeline_flops_add_up_across_stages(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["pipeline", "--preset", "micro", "--out", str(out), "--no-progress"]
    args += ["--set", "eval.problems=2", "--set", "rl.steps=2"]
    assert main(args) == 0
    summary = json.loads((out / "compute.json").read_text())
    stages = {}
    for stage in ("pretrain", "midtrain", "rl"):
        info = json.loads((out / stage / "model" / "edgegym_train.json").read_text())
        stages[stage] = info["compute"]["total_flops"]
        assert stages[stage] > 0
    pre = json.loads((out / "pretrain" / "model" / "edgegym_train.json").read_text())["compute"]
    assert pre["total_flops"] == 6 * pre["params"] * pre["tokens"]["train"]
    assert summary["stages"] == stages and summary["complete"]
    assert summary["training_flops"] == sum(stages.values())
    assert set(summary["eval"]) == {"before-rl", "after-rl"}
    assert all(f > 0 for f in summary["eval"].values())
