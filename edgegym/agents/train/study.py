"""The study's experiments in miniature: RL arms from one base, equal budgets, paired evaluation.

An *arm* is one RL run from a shared base model: its problems (ops and curriculum)
and its reward. Every arm gets the same number of steps, problems per step and
samples per problem, i.e. the same rollout budget; every model is evaluated on the
same suite, so differences are paired per problem. ``examples/reproduce_edge.py``
and ``examples/reproduce_process.py`` are built from these pieces.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table

from edgegym.agents.train.checkpoint import load_model, save_model
from edgegym.agents.train.config import EvalSetup, RLConfig
from edgegym.agents.train.metrics import read_metrics
from edgegym.agents.train.pipeline import Run
from edgegym.eval.passk import pass_at_k
from edgegym.eval.results import EvalResults

__all__ = [
    "Arm",
    "arm_summary",
    "arm_table",
    "choose_bands",
    "describe",
    "evaluate_model",
    "op_rates",
    "run_arm",
    "run_table",
    "weight_change",
]


@dataclass(frozen=True, kw_only=True)
class Arm:
    """One RL run from the shared base."""

    name: str
    """Label in tables and the folder name under ``<run>/arms``."""
    ops: tuple[int, ...]
    """Ops its problems come from."""
    curriculum: str = "uniform"
    """Curriculum strategy over ``min(ops)..max(ops)``."""
    reward: str = "strict"
    """Reward mode."""

    def config(self, rl: RLConfig) -> RLConfig:
        """The preset's RL config with this arm's problems and reward (budget unchanged)."""
        return replace(
            rl,
            ops=self.ops,
            curriculum=self.curriculum,
            reward=self.reward,  # type: ignore[arg-type]  # validated by RLConfig
        )


def op_rates(results: EvalResults, k: int) -> dict[int, dict[str, float]]:
    """Per op: verified and answer-only pass@1 and pass@k (unbiased estimates)."""
    out: dict[int, dict[str, float]] = {}
    for op in sorted({p.op for p in results.problems}):
        rows = [p for p in results.problems if p.op == op]
        n = np.array([p.n for p in rows])
        rates: dict[str, float] = {}
        for metric in ("verified", "correct"):
            c = np.array([getattr(p, metric) for p in rows])
            values = pass_at_k(n, c, [1, k])
            label = "verified" if metric == "verified" else "answer"
            rates[f"{label}@1"] = float(values[:, 0].mean())
            rates[f"{label}@k"] = float(values[:, 1].mean())
        out[op] = rates
    return out


def choose_bands(
    rates: Mapping[int, Mapping[str, float]], *, competent: float = 0.5, edge_floor: float = 0.05
) -> dict[str, tuple[int, ...]]:
    """Split ops by the base's verified pass rates, as the study defines its regimes.

    - in-distribution: verified pass@1 >= ``competent``;
    - edge: pass@1 below that but verified pass@k >= ``edge_floor`` (solvable with tries);
    - hard: verified pass@k below ``edge_floor`` (RL sees almost no reward).

    An empty band is returned empty; the caller decides what to do.
    """
    bands: dict[str, list[int]] = {"id": [], "edge": [], "hard": []}
    for op, r in sorted(rates.items()):
        if r["verified@1"] >= competent:
            bands["id"].append(op)
        elif r["verified@k"] >= edge_floor:
            bands["edge"].append(op)
        else:
            bands["hard"].append(op)
    return {name: tuple(ops) for name, ops in bands.items()}


def run_arm(run: Run, base: Path, arm: Arm, rl: RLConfig) -> Path:
    """RL from ``base`` for one arm under ``<run>/arms/<name>``; resumes, skips when done.

    Returns:
        The arm's final model directory.
    """
    from edgegym.agents.train.rl import train_rl

    folder = run.root / "arms" / arm.name
    out = folder / "model"
    if (out / "config.json").is_file():
        return out
    model, tokenizer = load_model(base, device=run.torch_device())
    config = arm.config(rl)
    run.console.print(
        f"[bold]arm {arm.name}[/]: ops {list(arm.ops)}, curriculum {arm.curriculum}, "
        f"reward {arm.reward}, {config.steps} x {config.prompts} x {config.group} rollouts"
    )
    clock = time.perf_counter()
    stage_io = replace(run.io("rl"), folder=folder)
    last = train_rl(model, tokenizer, run.preset.task, config, stage_io, title=f"rl {arm.name}")
    info = {
        "arm": arm.name,
        "ops": list(arm.ops),
        "curriculum": arm.curriculum,
        "reward": arm.reward,
        "source": str(base),
        "seconds": round(time.perf_counter() - clock, 1),
        "compute": last.pop("compute", None),
        "last": last,
    }
    return save_model(out, model, tokenizer, info)


def arm_summary(folder: Path) -> dict[str, float]:
    """Mean reward, verified rate and share of informative groups over an arm's RL steps."""
    rows = read_metrics(folder / "metrics.jsonl")
    if not rows:
        return {}
    return {
        key: float(np.mean([r[key] for r in rows]))
        for key in ("reward", "verified", "outcome", "active_groups", "response_tokens")
    } | {"rollouts": float(sum(r["group"] * sum(r["ops"].values()) for r in rows))}


def weight_change(a: Path, b: Path) -> float:
    """Largest absolute difference between two saved models' weights."""
    model_a, _ = load_model(a)
    model_b, _ = load_model(b)
    sa, sb = model_a.state_dict(), model_b.state_dict()
    return max(float((sa[k] - sb[k]).abs().max()) for k in sa)


def arm_table(
    runs: Mapping[str, EvalResults], setup: EvalSetup, *, metric: str, title: str = ""
) -> Table:
    """One row per op, one column per run, of one metric: ``verified@1``, ``answer@k``, ...

    ``@k`` stands for the setup's largest k.
    """
    k = max(setup.k)
    rates = {label: op_rates(results, k) for label, results in runs.items()}
    shown = metric.replace("@k", f"@{k}")
    table = Table(title=title or f"{shown} per op", title_justify="left")
    table.add_column("op", style="bold")
    for label in runs:
        table.add_column(label, justify="right")
    for op in sorted(next(iter(rates.values()))):
        table.add_row(str(op), *(f"{rates[label][op][metric]:.3f}" for label in runs))
    return table


def run_table(results: EvalResults, setup: EvalSetup, *, title: str) -> Table:
    """One run: a row per op with verified and answer-only pass@1 and pass@k."""
    k = max(setup.k)
    rates = op_rates(results, k)
    table = Table(title=title, title_justify="left")
    table.add_column("op", style="bold")
    metrics = ("verified@1", "verified@k", "answer@1", "answer@k")
    for metric in metrics:
        table.add_column(metric.replace("@k", f"@{k}"), justify="right")
    for op, r in sorted(rates.items()):
        table.add_row(str(op), *(f"{r[m]:.3f}" for m in metrics))
    return table


def evaluate_model(run: Run, model_dir: Path, name: str) -> EvalResults:
    """Evaluate ``model_dir`` on the preset's suite (cached as ``<run>/eval/<name>.json``)."""
    from edgegym.agents.train.pipeline import stage_evaluate

    results: EvalResults = stage_evaluate(run, model_dir, name)
    return results


def describe(results: EvalResults) -> dict[str, Any]:
    """Suite size and sampling of a results file, for report headers."""
    setup = results.meta.get("setup", {})
    return {
        "problems": len(results.problems),
        "samples": setup.get("samples"),
        "temperature": setup.get("temperature"),
        "seconds": results.meta.get("seconds"),
    }
