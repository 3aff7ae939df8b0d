"""``edgegym pipeline``, ``edgegym stage ...`` and ``edgegym demo``: training on one machine.

The local path of the study in miniature: initialise a model, pre-train it,
mid-train it, run GRPO with the curriculum in the loop, and evaluate pass@k per op
before and after RL::

    edgegym demo                                   # the tiny-cpu pipeline from its shipped base
    edgegym pipeline --preset tiny-cpu --out runs/tiny
    edgegym stage pretrain --preset tiny-cpu --out runs/tiny --set pretrain.steps=500
    edgegym stage evaluate --preset tiny-cpu --out runs/tiny --model runs/tiny/rl/model
    edgegym stage base --preset tiny-cpu           # rebuild the shipped base checkpoint

Every stage checkpoints atomically; run the same command again to resume.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from edgegym.cli import TRAIN_NEEDS, CommandError, make_console, quote

_STAGES = ("init", "pretrain", "midtrain", "rl", "evaluate")
DEMO_PRESET = "tiny-cpu"
DEMO_BUDGET_S = 600.0


def _common(parser: argparse.ArgumentParser, *, preset: bool = True) -> None:
    if preset:
        parser.add_argument(
            "--preset", default="tiny-cpu", help="preset name or .json file (default tiny-cpu)"
        )
    parser.add_argument("--out", type=Path, help="run directory (default runs/<preset>)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument(
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="SECTION.FIELD=VALUE",
        help="override a preset field, e.g. --set rl.steps=40 --set eval.problems=150",
    )
    parser.add_argument(
        "--restart", action="store_true", help="delete the run directory and start over"
    )
    parser.add_argument("--no-progress", action="store_true", help="no live progress bars")


def register(sub: Any) -> None:
    """Add ``pipeline``, ``stage`` and ``demo``."""
    pipeline = sub.add_parser(
        "pipeline",
        help="run the local pipeline: init, pretrain, midtrain, rl, evaluate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _common(pipeline)
    pipeline.add_argument(
        "--stages",
        default=",".join(_STAGES),
        help=f"comma-separated subset of {','.join(_STAGES)} (default: all)",
    )
    pipeline.add_argument(
        "--from-base",
        action="store_true",
        help="start from the preset's shipped base checkpoint (skips init and pretrain)",
    )
    pipeline.set_defaults(needs=TRAIN_NEEDS, func=_run_pipeline)

    stage = sub.add_parser("stage", help="run one stage of the local pipeline")
    stages = stage.add_subparsers(dest="stage", metavar="STAGE", required=True)
    helps = {
        "init": "random model + tokenizer of the preset's size",
        "pretrain": "language-model pre-training on the preset's op mixture",
        "midtrain": "mid-training on a mixture that reaches the edge ops",
        "rl": "GRPO with the curriculum in the loop",
    }
    for name, text in helps.items():
        parser = stages.add_parser(name, help=text, description=text)
        _common(parser)
        parser.add_argument("--from-base", action="store_true", help="start from the shipped base")
        parser.set_defaults(needs=TRAIN_NEEDS, func=_run_stage)
    evaluate = stages.add_parser(
        "evaluate", help="pass@k per op of one model on the preset's suite"
    )
    _common(evaluate)
    evaluate.add_argument("--model", type=Path, help="model directory (default: newest in --out)")
    evaluate.add_argument("--name", default="final", help="results name (eval/<name>.json)")
    evaluate.add_argument("--from-base", action="store_true", help="evaluate the shipped base")
    evaluate.set_defaults(needs=TRAIN_NEEDS, func=_run_evaluate)
    base = stages.add_parser(
        "base",
        help="rebuild the preset's shipped base checkpoint (init + pretrain, saved in float16)",
    )
    _common(base)
    base.add_argument(
        "--to", type=Path, help="where to write it (default: the preset's base folder)"
    )
    base.set_defaults(needs=TRAIN_NEEDS, func=_run_base)

    demo = sub.add_parser(
        "demo",
        help="the tiny-cpu pipeline end to end in under 10 minutes on 2 cores",
        description="Mid-train, evaluate, RL and evaluate the tiny-cpu preset, starting "
        "from its shipped pre-trained base, and print pass@k per op before and after RL.",
    )
    _common(demo, preset=False)
    demo.add_argument(
        "--from-scratch",
        action="store_true",
        help="pre-train too instead of starting from the shipped base (about 30 min more)",
    )
    demo.set_defaults(needs=TRAIN_NEEDS, func=_run_demo, preset=DEMO_PRESET)


def _make_run(args: argparse.Namespace, *, from_base: bool) -> Any:

    from edgegym.agents.train.config import load_preset, with_overrides
    from edgegym.agents.train.pipeline import Run, reset
    from edgegym.tasks.io import claim_folder

    preset = with_overrides(load_preset(args.preset), args.settings)
    root = args.out or Path("runs") / preset.name
    run = Run(
        preset=preset,
        root=root,
        device=args.device,
        console=make_console(),
        progress=not args.no_progress,
        from_base=from_base,
    )
    if args.restart:
        reset(run)
    claim_folder(root)  # a new run folder is edgegym's: a later --restart may delete it
    return run


def _timings_table(timings: dict[str, dict[str, float]]) -> Any:
    from rich.table import Table

    table = Table(title="Time per step (CPU = this process's CPU time)", title_justify="left")
    table.add_column("step", style="bold")
    table.add_column("wall s", justify="right")
    table.add_column("CPU s", justify="right")
    for name, seconds in timings.items():
        table.add_row(name, f"{seconds['wall']:.1f}", f"{seconds['cpu']:.1f}")
    return table


def _run_pipeline(args: argparse.Namespace) -> int:
    stages = tuple(s.strip() for s in args.stages.split(",") if s.strip())
    unknown = [s for s in stages if s not in _STAGES]
    if unknown:
        raise CommandError(f"--stages must be among {list(_STAGES)}, got {unknown}")
    run = _make_run(args, from_base=args.from_base)
    out = _pipeline(run, stages)
    run.console.print(_timings_table(out["timings"]))
    run.console.print(_compute_line(out["compute"]))
    return 0


def _compute_line(compute: dict[str, Any]) -> str:
    parts = ", ".join(
        f"{stage} {'?' if flops is None else f'{flops:.3g}'}"
        for stage, flops in compute["stages"].items()
    )
    note = "" if compute["complete"] else " (stages marked ? ran before compute was recorded)"
    return f"training compute: {compute['training_flops']:.3g} FLOPs ({parts}){note}"


def _pipeline(run: Any, stages: tuple[str, ...]) -> dict[str, Any]:
    from edgegym.agents.train.pipeline import run_pipeline

    try:
        return run_pipeline(run, stages=stages)
    except FileNotFoundError as err:
        raise CommandError(str(err)) from err


def _run_stage(args: argparse.Namespace) -> int:
    from edgegym.agents.train import pipeline

    run = _make_run(args, from_base=args.from_base)
    fn = {
        "init": pipeline.stage_init,
        "pretrain": pipeline.stage_pretrain,
        "midtrain": pipeline.stage_midtrain,
        "rl": pipeline.stage_rl,
    }[args.stage]
    if args.stage in ("pretrain", "midtrain", "rl") and getattr(run.preset, args.stage) is None:
        raise CommandError(f"preset {run.preset.name!r} has no {args.stage} stage")
    if args.stage == "pretrain" and not (run.model_dir("init") / "config.json").is_file():
        pipeline.stage_init(run)
    path = fn(run)
    run.console.print(f"{args.stage}: model in {quote(path)}")
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from edgegym.agents.train import pipeline
    from edgegym.agents.train.evaluate import summaries
    from edgegym.eval.report import summary_table

    run = _make_run(args, from_base=args.from_base)
    model = args.model or pipeline.input_model(run, "evaluate")
    results = pipeline.stage_evaluate(run, Path(model), args.name)
    summary = summaries({args.name: results}, run.preset.eval)[args.name]
    run.console.print(summary_table(summary, "op"))
    run.console.print(summary_table(summary, "all"))
    return 0


def _run_base(args: argparse.Namespace) -> int:
    from edgegym.agents.train import pipeline
    from edgegym.agents.train.config import preset_names

    if args.to is None and args.preset not in preset_names():
        raise CommandError(
            "a preset file's base is written only where --to says: pass --to DIR "
            "(the presets folder holds the shipped presets' bases)"
        )
    run = _make_run(args, from_base=False)
    if run.preset.pretrain is None:
        raise CommandError(f"preset {run.preset.name!r} has no pretrain stage to build a base from")
    pipeline.stage_init(run)
    trained = pipeline.stage_pretrain(run)
    target = args.to
    if target is None:
        if run.preset.base is None:
            raise CommandError(f"preset {run.preset.name!r} names no base folder; pass --to DIR")
        target = pipeline.presets_path(run.preset.base.path)
    command = run.preset.base.command if run.preset.base else "edgegym stage base"
    digest = pipeline.export_half(trained, Path(target), command=command)
    run.console.print(f"base checkpoint: {quote(target)} (model.safetensors sha256 {digest})")
    if args.to is None and run.preset.base is not None:
        pipeline.record_base_hash(run.preset.name, digest)
        run.console.print(f"updated the sha256 of preset {run.preset.name!r}")
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    from edgegym.agents.train.pipeline import easiest_op_pass1

    clock, cpu_clock = time.perf_counter(), time.process_time()
    run = _make_run(args, from_base=not args.from_scratch)
    if run.from_base:
        from edgegym.agents.train.pipeline import base_dir

        source = base_dir(run.preset)
        run.console.print(
            f"[bold]edgegym demo[/]: preset {run.preset.name} from its shipped base "
            f"{quote(source)}\n"
            f"  (rebuild the base with: {run.preset.base.command if run.preset.base else '-'})"
        )
    # 1. what the tasks look like; 2. the metrics on reference policies (no model);
    # 3. the training pipeline, ending in its before/after table and plot.
    from edgegym.cli.tasks import show_examples
    from edgegym.eval.demo import run_reference_demo

    show_examples(run.console)
    run_reference_demo(run.console, run.root / "reference")
    out = _pipeline(run, ("init", "pretrain", "midtrain", "rl", "evaluate"))
    elapsed = time.perf_counter() - clock
    cpu = time.process_time() - cpu_clock
    out["timings"]["demo total"] = {"wall": round(elapsed, 1), "cpu": round(cpu, 1)}
    run.console.print(_timings_table(out["timings"]))
    op, value = easiest_op_pass1(run)
    ok = value >= 0.5
    verdict = "[green]ok[/]" if ok else "[red]below the 0.5 target[/]"
    run.console.print(
        f"verified pass@1 at op {op} after training: {value:.3f} ({verdict}); "
        f"demo wall time {elapsed:.0f} s, CPU time {cpu:.0f} s (budget {DEMO_BUDGET_S:.0f} s)"
    )
    summary = {
        "verified_pass1_easiest_op": round(value, 4),
        "op": op,
        "wall_s": round(elapsed, 1),
        "cpu_s": round(cpu, 1),
    }
    run.console.print(json.dumps(summary, sort_keys=True))
    return 0
