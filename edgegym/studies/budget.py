"""Compute budgets split between mid-training and RL (the mid-training study's arms).

The budget of a run is the FLOPs of the preset's RL stage alone (``rl.steps`` steps
on the arm's ops). An arm with ``midtrain_share = s`` spends about ``s`` of it on
mid-training (the preset's ``midtrain`` mixture) and the rest on RL: ``round((1 - s)
* rl.steps)`` RL steps and as many mid-training steps as the remaining FLOPs buy.
Steps are planned from estimates made before any training (:func:`step_flops`: the
gold responses' lengths stand in for the sampled ones); each stage records what it
really spent (:mod:`edgegym.agents.train.compute`), and the report shows both.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from edgegym.agents.train.compute import Compute
from edgegym.agents.train.config import LMConfig, Preset, RLConfig

__all__ = ["actual_flops", "split_budget", "step_flops"]

_SAMPLE = 4  # LM batches / problems per op the per-step estimates average over


def _lm_step(preset: Preset, config: LMConfig, tokenizer: Any, params: int, length: int) -> float:
    from edgegym.agents.train.data import LMProblems, encode

    compute = Compute(params=params)
    if config.pack:  # full rows of the context length
        compute.add("train", config.batch_size * length * _SAMPLE)
    else:
        stream = LMProblems(preset.task, config, tokenizer)
        for step in range(_SAMPLE):
            pairs = encode(tokenizer, stream.batch(step))
            compute.add("train", sum(len(a) + len(b) for a, b in pairs))
    return compute.total / _SAMPLE


def _rl_step(preset: Preset, rl: RLConfig, tokenizer: Any, params: int) -> float:
    from edgegym.agents.train.data import encode, suite

    problems = suite(
        preset.task, rl.ops, _SAMPLE, split="train", seed=0, contexts=rl.contexts, modes=rl.modes
    )
    pairs = encode(tokenizer, problems)
    prompt = sum(len(a) for a, _ in pairs) / len(pairs)
    response = sum(len(b) for _, b in pairs) / len(pairs)
    rows = rl.prompts * rl.group
    compute = Compute(params=params)
    compute.add("sample_prompt", round(rl.prompts * prompt))
    compute.add("sample_generated", round(rows * response))
    compute.add("update", round(rows * (prompt + response) * rl.iterations))
    forwards = int(rl.iterations > 1) + int(rl.kl > 0)
    compute.add("update_forward", round(rows * (prompt + response) * forwards))
    return compute.total


def step_flops(preset: Preset, rl: RLConfig, base: Path) -> tuple[float, float, int]:
    """Estimated FLOPs of one mid-training step and one RL step, and the parameters."""
    from edgegym.agents.train.checkpoint import load_model
    from edgegym.agents.train.compute import model_params

    if preset.midtrain is None:
        raise ValueError(f"a compute split needs a midtrain stage; preset {preset.name!r} has none")
    model, tokenizer = load_model(base)
    params = model_params(model)
    length = int(model.config.max_position_embeddings)
    mid = _lm_step(preset, preset.midtrain, tokenizer, params, length)
    return mid, _rl_step(preset, rl, tokenizer, params), params


def split_budget(
    shares: Mapping[str, float], rl_steps: int, mid_step: float, rl_step: float
) -> dict[str, dict[str, Any]]:
    """Per arm: ``midtrain_steps``, ``rl_steps``, the planned FLOPs and the share they give.

    RL gets ``round((1 - share) * rl_steps)`` steps (at least one) and mid-training the
    whole steps nearest the FLOPs left, so a plan misses the budget by at most half a
    mid-training step.

    Raises:
        ValueError: a positive share too small to buy one mid-training step.
    """
    budget = rl_steps * rl_step
    plan: dict[str, dict[str, Any]] = {}
    for name, share in shares.items():
        rl_part = max(1, round((1 - share) * rl_steps))
        mid = max(0, round((budget - rl_part * rl_step) / mid_step)) if share > 0 else 0
        if share > 0 and mid == 0:
            raise ValueError(
                f"arm {name!r}: a {share} share of {budget:.3g} FLOPs buys no mid-training "
                f"step of {mid_step:.3g}; raise rl.steps"
            )
        planned = mid * mid_step + rl_part * rl_step
        plan[name] = {
            "midtrain_share": share,
            "midtrain_steps": mid,
            "rl_steps": rl_part,
            "planned_flops": planned,
            "planned_share": mid * mid_step / planned,
        }
    return plan


def actual_flops(root: Path, arm: str, seeds: list[int]) -> dict[str, float | None]:
    """What an arm really spent: its mid-training (once) and its RL runs (mean per seed)."""

    def total(folder: Path) -> float | None:
        path = folder / "model" / "edgegym_train.json"
        if not path.is_file():
            return None
        compute = json.loads(path.read_text(encoding="utf-8")).get("compute") or {}
        return compute.get("total_flops")

    mid = total(root / "bases" / arm / "midtrain")
    runs = [total(root / "arms" / arm / f"seed-{seed}") for seed in seeds]
    known = [r for r in runs if r is not None]
    rl = sum(known) / len(known) if known else None
    return {"midtrain": mid or 0.0, "rl": rl, "total": None if rl is None else (mid or 0.0) + rl}
