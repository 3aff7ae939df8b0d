"""Outcome-only vs gated vs strict rewards from one base: the study's reward-hacking finding.

A reward that checks only the final answer pays for right answers reached by
wrong traces, so RL on it can raise answer-only accuracy without raising the
process-verified one; rewards that check the trace (``gated``: the answer gates a
process score; ``strict``: 1 iff every step is verified) close that gap. This
script trains three RL arms with the same rollout budget from one base, one per
reward, and prints per op the gap between answer-only and verified pass@1, and the
paired changes against the base.

    python examples/reproduce_process.py                   # CPU, tiny-cpu preset, shipped base
    python examples/reproduce_process.py --rl-steps 30 --eval-problems 64 --eval-samples 8
    python examples/reproduce_process.py --device cuda     # small-gpu preset
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console
from rich.table import Table


@dataclass(frozen=True)
class Args:
    device: str = "cpu"
    """cpu runs the tiny-cpu preset; cuda the small-gpu preset."""
    preset: str | None = None
    """Override the preset (default by device)."""
    out: Path = Path("runs/reproduce_process")
    """Where every model, result and plot goes (resumable)."""
    rl_steps: int | None = None
    """RL steps per arm (default: the preset's)."""
    eval_problems: int = 150
    """Problems per op in the evaluation suite."""
    eval_samples: int = 16
    """Samples per problem."""
    from_scratch: bool = False
    """Pre-train the base instead of starting from the shipped one."""


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default=Args.device)
    parser.add_argument("--preset")
    parser.add_argument("--out", type=Path, default=Args.out)
    parser.add_argument("--rl-steps", type=int)
    parser.add_argument("--eval-problems", type=int, default=Args.eval_problems)
    parser.add_argument("--eval-samples", type=int, default=Args.eval_samples)
    parser.add_argument("--from-scratch", action="store_true")
    return Args(**vars(parser.parse_args()))


def main() -> None:
    args = parse_args()
    console = Console()
    clock = time.perf_counter()

    # ------------------------------------------------------------------ set-up
    from edgegym.agents.train import study
    from edgegym.agents.train.config import load_preset
    from edgegym.agents.train.evaluate import before_after_table, paired, plot_runs, summaries
    from edgegym.agents.train.pipeline import Run, input_model, run_pipeline

    preset = load_preset(args.preset or ("tiny-cpu" if args.device == "cpu" else "small-gpu"))
    if preset.rl is None:
        raise SystemExit(f"preset {preset.name!r} has no rl section")
    setup = replace(
        preset.eval,
        problems=args.eval_problems,
        samples=args.eval_samples,
        k=(1, args.eval_samples),
    )
    rl = preset.rl if args.rl_steps is None else replace(preset.rl, steps=args.rl_steps)
    preset = replace(preset, eval=setup, rl=rl)
    from_base = preset.base is not None and not args.from_scratch
    run = Run(
        preset=preset, root=args.out, device=args.device, console=console, from_base=from_base
    )

    # ------------------------------------------------- 1. the base model
    run_pipeline(run, stages=("init", "pretrain", "midtrain"))
    base = input_model(run, "rl")
    base_results = study.evaluate_model(run, base, "base")

    # ------------------------- 2. one RL arm per reward, same ops and budget
    ops = rl.ops
    arms = [study.Arm(name=mode, ops=ops, reward=mode) for mode in ("outcome", "gated", "strict")]
    models = {arm.name: study.run_arm(run, base, arm, rl) for arm in arms}

    # ------------------------------------------------- 3. evaluate, compare
    results = {"base": base_results}
    for arm in arms:
        results[arm.name] = study.evaluate_model(run, models[arm.name], arm.name)
    k = max(setup.k)
    rates = {name: study.op_rates(r, k) for name, r in results.items()}
    table = Table(
        title="answer-only pass@1 - verified pass@1 per op (the hacking gap)", title_justify="left"
    )
    table.add_column("op", style="bold")
    for name in results:
        table.add_column(f"{name}\nans / ver / gap", justify="right")
    for op in sorted(rates["base"]):
        cells = []
        for name in results:
            r = rates[name][op]
            cells.append(
                f"{r['answer@1']:.3f} / {r['verified@1']:.3f} / "
                f"{r['answer@1'] - r['verified@1']:+.3f}"
            )
        table.add_row(str(op), *cells)
    console.print(table)
    for arm in arms:
        comparison = paired(base_results, results[arm.name], setup)
        for metric in ("answer", "verified"):
            console.print(
                before_after_table(
                    comparison,
                    title=f"base → {arm.name}-reward RL, {metric} (paired)",
                    metric=metric,
                )
            )
    stats = {arm.name: study.arm_summary(run.root / "arms" / arm.name) for arm in arms}
    console.print(f"RL statistics per arm (means over steps): {json.dumps(stats, indent=1)}")

    # ------------------------------------------------------------ 4. plot
    plot = plot_runs(
        summaries(results, setup),
        run.root / "reproduce_process.png",
        title=f"{preset.name}: reward modes from one base",
    )
    elapsed = time.perf_counter() - clock
    console.print(f"plot: {plot}\nwall time {elapsed:.0f} s")
    summary = {"rates": rates, "rl": stats, "seconds": round(elapsed, 1)}
    (run.root / "reproduce_process.json").write_text(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
