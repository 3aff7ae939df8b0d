"""``edgegym corpus ...``: write training corpora (pre-training, mid-training, SFT, RL prompts)."""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

from edgegym.cli import TRAIN_NEEDS, CommandError, at_least, json_object, make_console, quote
from edgegym.cli.tasks import CONFIG_HELP, parse_config
from edgegym.tasks.trace import SOLUTION_OPEN

_DEFAULT_OPS = {
    "pretrain": "pretrain-20-30-50",
    "midtrain": "midtrain-20-80",
    "sft": "pretrain-20-30-50",
    "rl": "edge",
}
_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9}


def parse_count(text: str) -> int:
    """``"100M"``, ``"1.5B"``, ``"20k"`` or ``"4096"`` -> an int."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmMbBgG]?)\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(
            f"expected a count like 4096, 20k, 100M or 1.5B; got {text!r}"
        )
    value = float(match.group(1)) * _SUFFIX[match.group(2).lower()]
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"expected a positive whole count, got {text!r}")
    return int(value)


def _config(args: argparse.Namespace) -> Any:
    from edgegym.agents.corpus import CorpusConfig, context_mixture, op_mixture, weight_mixture
    from edgegym.tasks import MODES

    env_kwargs: dict[str, Any] = {}
    if args.kind == "rl":
        env_kwargs = {"reward": args.reward, "alpha": args.alpha}
        env_kwargs |= json_object(args.env_kwargs, "--env-kwargs")
    contexts = context_mixture(args.contexts, args.share_of)
    return CorpusConfig(
        kind=args.kind,
        ops=op_mixture(args.ops or _DEFAULT_OPS[args.kind]),
        contexts=contexts.weights,
        context_ops=contexts.ops,
        share_of=contexts.share_of,
        modes=weight_mixture(args.modes, MODES, "modes"),
        split=args.split,
        seed=args.seed,
        dag=parse_config(args.dag, "--dag"),
        tokens=args.tokens,
        records=args.records,
        shard_size=args.shard_size,
        tokenizer=args.tokenizer,
        env_id=args.env_id if args.kind == "rl" else "edgegym:Reason-v0",
        env_kwargs=env_kwargs,
        prompt_format=getattr(args, "prompt_format", "raw"),
    )


def _summary(manifest: dict[str, Any], out: str) -> None:
    from rich.table import Table

    config = manifest["config"]
    table = Table(title=f"{config['kind']} corpus in {quote(out)}")
    for column in ("records", "tokens", "tokens/record", "shards", "skipped (leakage guard)"):
        table.add_column(column, justify="right")
    records = max(manifest["records"], 1)
    table.add_row(
        f"{manifest['records']:,}",
        f"{manifest['tokens']:,}",
        f"{manifest['tokens'] / records:,.1f}",
        str(len(manifest["shards"])),
        f"{manifest['skipped']:,}",
    )
    console = make_console()
    console.print(table)
    key = {"pretrain": "text", "midtrain": "text", "sft": "prompt/response", "rl": "prompt/label"}
    console.print(
        f"OpenRLHF: pass [bold]{quote(out)}[/] as the dataset (input key: {key[config['kind']]}); "
        "see examples/openrlhf/."
    )


def _run_write(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from edgegym.agents.corpus import write_corpus

    if (args.tokens is None) == (args.records is None):
        raise CommandError("give exactly one budget: --tokens N or --records N")
    config = _config(args)
    unit = "tokens" if args.tokens is not None else "records"
    total = args.tokens if args.tokens is not None else args.records
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn()) as bar:
        task = bar.add_task(f"{args.kind} corpus ({unit})", total=total)

        def progress(records: int, tokens: int) -> None:
            bar.update(task, completed=min(tokens if unit == "tokens" else records, total))

        manifest = write_corpus(
            config, args.out, workers=args.workers, exclude=args.exclude, progress=progress
        )
        bar.update(task, completed=total)
    _summary(manifest, args.out)
    return 0


def _run_mixtures(args: argparse.Namespace) -> int:
    from rich.table import Table

    from edgegym.agents.corpus import load_mixtures, op_mixture

    mixtures = load_mixtures()
    ops = Table(title="op mixtures (--ops)")
    for column in ("name", "ops (probability)", "description"):
        ops.add_column(column)
    for name, preset in sorted(mixtures["ops"].items()):
        bands = ", ".join(f"{b['ops'][0]}-{b['ops'][1]}: {b['p']:g}" for b in preset["bands"])
        ops.add_row(name, bands, preset["description"])
        op_mixture(name)
    contexts = Table(title="context mixtures (--contexts)")
    for column in ("name", "weights", "description"):
        contexts.add_column(column)
    for name, preset in sorted(mixtures["contexts"].items()):
        own_ops = preset.get("ops", {})
        weights = ", ".join(
            f"{c}: {p:g}" + (f" @op {own_ops[c]}" if c in own_ops else "")
            for c, p in preset["weights"].items()
        )
        unit = preset.get("unit", "records")
        contexts.add_row(name, f"{weights} ({unit})", preset["description"])
    console = make_console()
    console.print(ops)
    console.print(contexts)
    return 0


def _run_verify(args: argparse.Namespace) -> int:
    from edgegym.agents.corpus import verify_corpus

    manifest = verify_corpus(args.path)
    if not manifest["complete"]:
        raise CommandError(f"{args.path} is unfinished: rerun the command that wrote it")
    _summary(manifest, args.path)
    print("every shard matches the manifest")
    return 0


def _run_pack(args: argparse.Namespace) -> int:
    from edgegym.agents.corpus import pack_corpus

    manifest = pack_corpus(args.source, args.out, args.length)
    _summary(manifest, args.out)
    dropped = sum(s["dropped_tokens"] for s in manifest["shards"])
    print(
        f"{manifest['records']:,} rows of {args.length} tokens from "
        f"{manifest['packed']['source_records']:,} problems ({dropped:,} tokens in no row: "
        f"cut tails and shard ends): --data.max_samples {manifest['records']}"
    )
    return 0


def _run_rows(args: argparse.Namespace) -> int:
    from edgegym.agents.corpus import corpus_rows

    print(corpus_rows(args.path))
    return 0


def _add_common(parser: argparse.ArgumentParser, kind: str) -> None:
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--tokens", type=parse_count, help="token budget, e.g. 100M (exact count)")
    budget.add_argument("--records", type=parse_count, help="record budget, e.g. 200k")
    parser.add_argument("--out", required=True, help="corpus directory (resumed if unfinished)")
    parser.add_argument(
        "--ops",
        help=f"op mixture: a preset or bands like 2-4:0.2,5-7:0.3,8-10:0.5 "
        f"(default {_DEFAULT_OPS[kind]}; list presets with `edgegym corpus mixtures`)",
    )
    parser.add_argument(
        "--contexts",
        default="zoo",
        help="zoo, zoo=0.99,teacher=0.01, zoo=0.99,teacher=0.01@2 (teacher at op 2 only), "
        "or a preset (default zoo)",
    )
    parser.add_argument(
        "--share-of",
        choices=["records", "tokens"],
        help="unit of the context shares (default: the preset's, else records)",
    )
    parser.add_argument(
        "--modes", default="forward", help="forward, reverse or forward=0.5,reverse=0.5"
    )
    parser.add_argument("--split", default="train", choices=["train", "val", "test"])
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--dag", help=CONFIG_HELP)
    parser.add_argument(
        "--tokenizer",
        default="char",
        help="'char' or a model/tokenizer directory (from `edgegym init-model`) to count tokens",
    )
    parser.add_argument("--shard-size", type=int, default=4096, help="slots per shard")
    parser.add_argument(
        "--workers", type=at_least(1), default=min(2, os.cpu_count() or 1), help="processes"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        help="evaluation suite (file or directory) whose problems must not appear; repeatable",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    corpus = sub.add_parser("corpus", help="write training corpora as sharded JSONL")
    kinds = corpus.add_subparsers(dest="corpus_command", metavar="KIND")
    helps = {
        "pretrain": "pre-training text (model text + EOS) on an op mixture",
        "midtrain": "mid-training text (default: 20%% op 2-10 + 80%% op 11-14)",
        "sft": f"SFT pairs: prompt (up to {SOLUTION_OPEN}) and gold response + EOS",
        "rl": "RL prompts with a JSON label from which the env rebuilds the problem",
    }
    for kind, text in helps.items():
        parser = kinds.add_parser(kind, help=text)
        _add_common(parser, kind)
        if kind == "rl":
            parser.add_argument("--env-id", default="edgegym:Reason-v0", help="env of the label")
            parser.add_argument(
                "--reward", default="gated", choices=["gated", "strict", "outcome", "linear"]
            )
            parser.add_argument("--alpha", type=float, default=0.5, help="outcome weight")
            parser.add_argument("--env-kwargs", help="more env kwargs as JSON")
        if kind in ("sft", "rl"):
            parser.add_argument(
                "--prompt-format",
                default="raw",
                choices=["raw", "chat"],
                help="raw text (default) or chat messages for instruct models (OpenRLHF: "
                "--data.apply_chat_template)",
            )
        parser.set_defaults(func=_run_write, kind=kind, needs=TRAIN_NEEDS[2:])
    mixtures = kinds.add_parser("mixtures", help="list the op and context mixture presets")
    mixtures.set_defaults(func=_run_mixtures)
    verify = kinds.add_parser("verify", help="check a corpus against its manifest")
    verify.add_argument("path", help="corpus directory")
    verify.set_defaults(func=_run_verify)
    pack = kinds.add_parser(
        "pack", help="pack a pretrain/midtrain corpus into rows of the context length"
    )
    pack.add_argument("source", help="finished pretrain or midtrain corpus directory")
    pack.add_argument("--length", type=int, required=True, help="row length in tokens (max_len)")
    pack.add_argument("--out", required=True, help="packed corpus directory (resumed)")
    pack.set_defaults(func=_run_pack)
    rows = kinds.add_parser("rows", help="print a finished corpus's row count (max_samples)")
    rows.add_argument("path", help="corpus directory")
    rows.set_defaults(func=_run_rows)

    def _help(args: argparse.Namespace) -> int:
        corpus.print_help()
        return 2

    corpus.set_defaults(func=_help)
