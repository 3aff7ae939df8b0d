"""``edgegym export verl|hf|jsonl``: problem sets in other trainers' formats (one folder)."""

from __future__ import annotations

import argparse

from edgegym.cli import CommandError
from edgegym.cli.tasks import CONFIG_HELP


def _run_export(args: argparse.Namespace) -> int:
    from edgegym.agents.export import ExportConfig, export, require_pyarrow
    from edgegym.cli.tasks import parse_config, parse_names, parse_ops
    from edgegym.tasks import CONTEXTS, MODES

    if args.format != "jsonl":
        try:
            require_pyarrow()  # before any work: a one-line error naming the extra
        except ImportError as err:
            raise CommandError(str(err)) from None
    if args.format == "verl" and args.prompt_format == "raw":
        raise CommandError("verl reads chat prompts: drop --prompt-format raw")
    if args.per_op < 1:
        raise CommandError(f"--per-op must be >= 1, got {args.per_op}")
    if args.eval_per_op < 0:
        raise CommandError(f"--eval-per-op must be >= 0, got {args.eval_per_op}")
    prompt_format = args.prompt_format or ("chat" if args.format == "verl" else "raw")
    config = ExportConfig(
        ops=tuple(parse_ops(args.ops)),
        per_op=args.per_op,
        eval_per_op=args.eval_per_op,
        contexts=tuple(parse_names(args.contexts, CONTEXTS, "--contexts")),
        modes=tuple(parse_names(args.modes, MODES, "--modes")),
        seed=args.seed,
        config=parse_config(args.config),
        prompt_format=prompt_format,
    )
    counts = export(args.format, config, args.out)
    sizes = ", ".join(f"{split} {n:,}" for split, n in counts.items())
    print(f"wrote {args.format} export to {args.out} ({sizes}; prompt format {prompt_format})")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export",
        help="write problem sets for verl (parquet), Hugging Face datasets or JSONL",
        description=(
            "verl: train/val parquet in verl's RL schema, scored by "
            "edgegym.agents.verl.compute_score. hf: a DatasetDict folder (data/*.parquet and a "
            "dataset card) that datasets.load_dataset reads. jsonl: the hf rows as JSONL."
        ),
    )
    p.add_argument("format", choices=("verl", "hf", "jsonl"))
    p.add_argument("--out", required=True, help="output folder (replaced atomically)")
    p.add_argument("--ops", default="2-20", help="ops, e.g. 2-20 or 3,5,8-10 (default 2-20)")
    p.add_argument("--per-op", type=int, default=100, help="train problems per op (default 100)")
    p.add_argument(
        "--eval-per-op", type=int, default=10, help="val and test problems per op (default 10)"
    )
    p.add_argument("--contexts", default="zoo,teacher,movie", help="comma-separated contexts")
    p.add_argument("--modes", default="forward,reverse", help="forward,reverse or one of them")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--config", help=CONFIG_HELP)
    p.add_argument(
        "--prompt-format",
        choices=("raw", "chat"),
        help="prompt format (default: chat for verl, raw for hf and jsonl)",
    )
    p.set_defaults(func=_run_export)
