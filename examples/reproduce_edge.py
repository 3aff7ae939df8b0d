"""The study's first finding in miniature: RL at the edge of competence raises pass@k there.

arXiv 2512.07783 finds that RL on problems just past what the base model solves
(low pass@1, pass@k > 0) raises pass@k on them, while RL on problems it already
solves (in-distribution) mostly sharpens pass@1, and RL on problems it never
solves (pass@k = 0) does nothing: every GRPO group is all-zero, so the update is
exactly zero. This script runs that comparison from one base at equal rollout
budget and reports it with confidence intervals and paired differences.

    python examples/reproduce_edge.py                      # CPU, tiny-cpu preset, shipped base
    python examples/reproduce_edge.py --eval-problems 64 --eval-samples 8 --rl-steps 30
    python examples/reproduce_edge.py --device cuda        # small-gpu preset, one GPU
    python examples/reproduce_edge.py --device cuda --set pretrain.steps=400 --rl-steps 10

Steps: (1) the base: the preset's shipped base plus mid-training, or the full
pipeline; (2) evaluate it and split the ops into in-distribution / edge / hard by its
verified pass rates; (3) four RL arms with the same steps x problems x samples:
in-distribution ops, edge ops, the adaptive curriculum over all ops, hard ops;
(4) evaluate every model on the same suite (>= 150 problems per op, n >= 16 samples
by default) and print pass@1 / pass@k, verified and answer-only, and the paired
differences edge - ID; (5) write the plot. Everything is cached under ``--out``:
run it again to resume.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console


@dataclass(frozen=True)
class Args:
    device: str = "cpu"
    """cpu runs the tiny-cpu preset; cuda the small-gpu preset."""
    preset: str | None = None
    """Override the preset (default by device)."""
    out: Path = Path("runs/reproduce_edge")
    """Where every model, result and plot goes (resumable)."""
    rl_steps: int | None = None
    """RL steps per arm (default: the preset's)."""
    eval_problems: int = 150
    """Problems per op in the evaluation suite."""
    eval_samples: int = 16
    """Samples per problem (n of pass@k)."""
    eval_ops: str | None = None
    """Ops to evaluate, e.g. 2-8 (default: the preset's eval ops)."""
    from_scratch: bool = False
    """Pre-train the base instead of starting from the shipped one."""
    set: tuple[str, ...] = ()
    """Preset settings ``section.field=value`` (e.g. ``pretrain.steps=300``), applied first."""


def parse_args() -> Args:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", choices=("cpu", "cuda"), default=Args.device)
    parser.add_argument("--preset")
    parser.add_argument("--out", type=Path, default=Args.out)
    parser.add_argument("--rl-steps", type=int)
    parser.add_argument("--eval-problems", type=int, default=Args.eval_problems)
    parser.add_argument("--eval-samples", type=int, default=Args.eval_samples)
    parser.add_argument("--eval-ops")
    parser.add_argument("--from-scratch", action="store_true")
    parser.add_argument("--set", action="append", default=[], metavar="SECTION.FIELD=VALUE")
    args = vars(parser.parse_args())
    return Args(**(args | {"set": tuple(args["set"])}))


def ops_of(text: str) -> tuple[int, ...]:
    lo, _, hi = text.partition("-")
    return tuple(range(int(lo), int(hi or lo) + 1))


def main() -> None:
    args = parse_args()
    console = Console()
    clock = time.perf_counter()

    # ------------------------------------------------------------------ set-up
    from edgegym.agents.train import study
    from edgegym.agents.train.config import load_preset, with_overrides
    from edgegym.agents.train.evaluate import before_after_table, paired, plot_runs, summaries
    from edgegym.agents.train.pipeline import Run, input_model, run_pipeline

    preset = load_preset(args.preset or ("tiny-cpu" if args.device == "cpu" else "small-gpu"))
    preset = with_overrides(preset, args.set)
    setup = replace(
        preset.eval,
        problems=args.eval_problems,
        samples=args.eval_samples,
        k=(1, args.eval_samples),
        ops=ops_of(args.eval_ops) if args.eval_ops else preset.eval.ops,
    )
    if preset.rl is None:
        raise SystemExit(f"preset {preset.name!r} has no rl section")
    rl = preset.rl if args.rl_steps is None else replace(preset.rl, steps=args.rl_steps)
    preset = replace(preset, eval=setup, rl=rl)
    from_base = preset.base is not None and not args.from_scratch
    run = Run(
        preset=preset, root=args.out, device=args.device, console=console, from_base=from_base
    )

    # ------------------------------------------------- 1. the base model
    run_pipeline(run, stages=("init", "pretrain", "midtrain"))
    base = input_model(run, "rl")
    console.rule(f"base: {base}")

    # ------------------------------------------- 2. where is the edge?
    base_results = study.evaluate_model(run, base, "base")
    k = max(setup.k)
    rates = study.op_rates(base_results, k)
    bands = study.choose_bands(rates)
    console.print(study.run_table(base_results, setup, title="Base model: pass@k per op"))
    console.print(f"bands by the base's verified pass rates: {bands}")
    ops = tuple(sorted(rates))
    arms = [
        study.Arm(name="id", ops=bands["id"] or ops[:1]),
        study.Arm(name="edge", ops=bands["edge"] or ops[len(ops) // 2 : len(ops) // 2 + 1]),
        study.Arm(name="curriculum", ops=ops, curriculum="frontier"),
        study.Arm(name="hard", ops=bands["hard"] or ops[-1:]),
    ]

    # ---------------------------------- 3. RL arms at equal rollout budget
    models = {arm.name: study.run_arm(run, base, arm, rl) for arm in arms}

    # ------------------------------------------------- 4. evaluate, compare
    results = {"base": base_results}
    for arm in arms:
        results[arm.name] = study.evaluate_model(run, models[arm.name], arm.name)
    for metric in ("verified@1", "verified@k", "answer@1", "answer@k"):
        console.print(study.arm_table(results, setup, metric=metric))
    for label in ("id", "edge", "curriculum"):
        console.print(
            before_after_table(
                paired(base_results, results[label], setup),
                title=f"base → {label} RL (paired over problems)",
            )
        )
    id_vs_edge = paired(results["id"], results["edge"], setup)
    for metric in ("verified", "answer"):
        console.print(
            before_after_table(
                id_vs_edge,
                title=f"ID RL → edge RL, {metric}: the study's comparison (paired)",
                metric=metric,
            )
        )
    stats = {arm.name: study.arm_summary(run.root / "arms" / arm.name) for arm in arms}
    hard_change = study.weight_change(base, models["hard"])
    console.print(f"RL statistics per arm (means over steps): {json.dumps(stats, indent=1)}")
    console.print(
        f"hard arm: informative groups {stats['hard'].get('active_groups', 0):.3f}, "
        f"largest weight change {hard_change:.2e} (all-zero groups give exactly zero update)"
    )

    # ------------------------------------------------------------ 5. plot
    plot = plot_runs(
        summaries(results, setup),
        run.root / "reproduce_edge.png",
        title=f"{preset.name}: RL arms from one base",
    )
    elapsed = time.perf_counter() - clock
    console.print(f"plot: {plot}\nwall time {elapsed:.0f} s")
    summary = {
        "bands": bands,
        "rates": {name: study.op_rates(r, k) for name, r in results.items()},
        "rl": stats,
        "hard_weight_change": hard_change,
        "seconds": round(elapsed, 1),
    }
    (run.root / "reproduce_edge.json").write_text(json.dumps(summary, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
