"""Training loops: LM loss falls, GRPO raises a learnable reward, crashed runs resume exactly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch

from edgegym.agents.train.config import LMConfig, RLConfig
from edgegym.agents.train.lm import StageIO, lr_at, train_lm
from edgegym.agents.train.metrics import read_metrics
from edgegym.agents.train.rl import train_rl


class Crash(Exception):
    """Stands in for a kill: whatever was not checkpointed is lost."""


@dataclass(frozen=True)
class Scored:
    score: float
    outcome: bool
    process: float
    verified: bool
    flags: frozenset[str] = frozenset()


def digit_first(problem: Any, response: str) -> Scored:
    """1 if the response starts with a digit: a random model gets it ~9% of the time."""
    ok = bool(response) and response[0].isdigit()
    return Scored(score=float(ok), outcome=ok, process=float(ok), verified=ok)


def _io(folder: Path, crash_at: int | None = None) -> StageIO:
    def hook(step: int) -> None:
        if step == crash_at:
            raise Crash(step)

    return StageIO(folder=folder, progress=False, on_step=hook)


def _same_state(a: Any, b: Any) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def _timeless(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in ("tokens_per_s", "seconds")} for r in rows]


def test_lr_schedule_warms_up_then_decays_to_the_floor() -> None:
    kw = {"steps": 100, "warmup": 10, "lr": 1.0, "min_ratio": 0.1}
    assert lr_at(0, **kw) == pytest.approx(0.1)
    assert lr_at(9, **kw) == pytest.approx(1.0)
    assert lr_at(10, **kw) == pytest.approx(1.0)
    assert lr_at(55, **kw) == pytest.approx(0.55)
    assert lr_at(100, **kw) == pytest.approx(0.1)


def test_lm_loss_decreases(micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path) -> None:
    model = make_model()
    config = LMConfig(ops=(2, 3), steps=20, batch_size=8, lr=1e-2, warmup=2, log_every=1)
    train_lm(model, tokenizer, micro.task, config, _io(tmp_path))
    losses = [r["loss"] for r in read_metrics(tmp_path / "metrics.jsonl")]
    assert len(losses) == 20
    # From ln(113) = 4.7 nats (uniform) to well under 3 (the trace's fixed words).
    assert sum(losses[:3]) / 3 > 4.0
    assert sum(losses[-3:]) / 3 < 3.0


@pytest.mark.parametrize("loss_on", ["completion", "all"])
def test_lm_resume_after_a_crash_gives_the_same_final_state(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path, loss_on: str
) -> None:
    config = LMConfig(
        ops=(2, 3), steps=8, batch_size=4, lr=3e-3, checkpoint_every=3, log_every=1, loss_on=loss_on
    )
    straight = make_model()
    train_lm(straight, tokenizer, micro.task, config, _io(tmp_path / "a"))

    crashed = make_model()
    with pytest.raises(Crash):
        train_lm(crashed, tokenizer, micro.task, config, _io(tmp_path / "b", crash_at=5))
    resumed = make_model()  # a new process: fresh weights, then the checkpoint
    train_lm(resumed, tokenizer, micro.task, config, _io(tmp_path / "b"))
    _same_state(straight, resumed)
    a = read_metrics(tmp_path / "a" / "metrics.jsonl")
    b = read_metrics(tmp_path / "b" / "metrics.jsonl")
    assert _timeless(a) == _timeless(b)


def _rl_config(**kw: Any) -> RLConfig:
    base: dict[str, Any] = {
        "ops": (2, 3),
        "steps": 20,
        "prompts": 8,
        "group": 8,
        "lr": 1e-2,
        "max_new_tokens": 4,
        "log_every": 1,
    }
    return RLConfig(**{**base, **kw})


def test_grpo_raises_a_reward_a_random_model_partly_earns(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path
) -> None:
    model = make_model()
    train_rl(model, tokenizer, micro.task, _rl_config(), _io(tmp_path), reward_fn=digit_first)
    rewards = [r["reward"] for r in read_metrics(tmp_path / "metrics.jsonl")]
    assert len(rewards) == 20
    first, last = sum(rewards[:4]) / 4, sum(rewards[-4:]) / 4
    assert first < 0.3
    assert last > first + 0.3


@pytest.mark.parametrize(
    "extra",
    [
        {"curriculum": "frontier"},
        {"curriculum": "uniform", "kl": 0.1, "iterations": 2, "micro_batch": 16},
    ],
    ids=["frontier", "kl-clip-microbatch"],
)
def test_rl_resume_after_a_crash_gives_the_same_final_state(
    micro: Any, tokenizer: Any, make_model: Any, tmp_path: Path, extra: dict[str, Any]
) -> None:
    config = _rl_config(steps=6, checkpoint_every=2, prompts=4, group=4, **extra)
    straight = make_model()
    train_rl(straight, tokenizer, micro.task, config, _io(tmp_path / "a"), reward_fn=digit_first)

    crashed = make_model()
    with pytest.raises(Crash):
        train_rl(
            crashed, tokenizer, micro.task, config, _io(tmp_path / "b", 3), reward_fn=digit_first
        )
    resumed = make_model()
    train_rl(resumed, tokenizer, micro.task, config, _io(tmp_path / "b"), reward_fn=digit_first)
    _same_state(straight, resumed)
    a = read_metrics(tmp_path / "a" / "metrics.jsonl")
    b = read_metrics(tmp_path / "b" / "metrics.jsonl")
    assert _timeless(a) == _timeless(b)
    assert any(r["grad_norm"] > 0 for r in a)  # the run really updated the model


@pytest.mark.slow  # two CLI processes (torch imports) and a real SIGKILL
def test_sigkilled_stage_resumes_to_the_same_model(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from safetensors.torch import load_file

    def command(out: Path) -> list[str]:
        settings = ["--set", "pretrain.steps=40", "--set", "pretrain.checkpoint_every=4"]
        return [sys.executable, "-m", "edgegym", "stage", "pretrain", "--preset", "micro",
                "--out", str(out), "--no-progress", *settings]  # fmt: skip

    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run(command(tmp_path / "a"), check=True, env=env, capture_output=True)
    proc = subprocess.Popen(command(tmp_path / "b"), env=env, stdout=subprocess.DEVNULL)
    latest = tmp_path / "b" / "pretrain" / "ckpt" / "LATEST"
    deadline = time.monotonic() + 300
    while not (latest.is_file() and latest.read_text().strip() >= "step-00000008"):
        assert proc.poll() is None and time.monotonic() < deadline, "no checkpoint to kill after"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (tmp_path / "b" / "pretrain" / "model").exists()  # really killed mid-run
    subprocess.run(command(tmp_path / "b"), check=True, env=env, capture_output=True)
    a = load_file(tmp_path / "a" / "pretrain" / "model" / "model.safetensors")
    b = load_file(tmp_path / "b" / "pretrain" / "model" / "model.safetensors")
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
