"""``edgegym init-model`` and ``edgegym openrlhf ...``: model directories and OpenRLHF files."""

from __future__ import annotations

import argparse
import json
from typing import Any

from edgegym.cli import TRAIN_NEEDS, CommandError, json_object, make_console
from edgegym.cli.corpus import parse_count


def _tokenizer(args: argparse.Namespace, preset: dict[str, Any]) -> Any:
    from edgegym.agents.tokenizer import char_tokenizer, require, train_bpe

    choice = args.tokenizer or preset["tokenizer"]
    if choice == "char":
        return char_tokenizer()
    if choice == "bpe":
        from edgegym.agents.corpus import sample_texts
        from edgegym.tasks import CONTEXTS

        contexts = (
            [c.strip() for c in args.bpe_contexts.split(",")] if args.bpe_contexts else CONTEXTS
        )
        with make_console(stderr=True).status(
            f"training a {args.bpe_vocab}-token BPE on {args.bpe_texts:,} texts"
        ):
            texts = sample_texts(args.bpe_texts, contexts=contexts, seed=args.seed)
            return train_bpe(texts, vocab_size=args.bpe_vocab)
    transformers = require("transformers")
    return transformers.AutoTokenizer.from_pretrained(choice)


def _run_init(args: argparse.Namespace) -> int:
    from rich.table import Table

    from edgegym.agents.model import INIT_INFO, MODEL_PRESETS, save_init

    if args.preset not in MODEL_PRESETS:
        raise CommandError(f"--preset must be one of {sorted(MODEL_PRESETS)}, got {args.preset!r}")
    tokenizer = _tokenizer(args, MODEL_PRESETS[args.preset])
    try:
        out = save_init(args.out, args.preset, tokenizer, seed=args.seed, overwrite=args.overwrite)
    except FileExistsError as err:
        raise CommandError(f"{err} (or pass --overwrite)") from None
    info = json.loads((out / INIT_INFO).read_text())
    table = Table(title=f"random {args.preset} model in {out}")
    for column in ("parameters", "vocabulary", "seed", "description"):
        table.add_column(column)
    table.add_row(
        f"{info['params']:,}", str(info["vocab_size"]), str(info["seed"]), info["description"]
    )
    make_console().print(table)
    print(f"start OpenRLHF from it: --model.model_name_or_path {out} (SFT / pre-training)")
    return 0


def _run_path(args: argparse.Namespace) -> int:
    from edgegym.agents.openrlhf import path

    print(path(args.name))
    return 0


def _run_curriculum_prompts(args: argparse.Namespace) -> int:
    from edgegym.agents.corpus import write_curriculum_prompts

    curriculum = {
        "name": args.name,
        "strategy": args.strategy,
        "config": json_object(args.config, "--config"),
        "params": json_object(args.params, "--params"),
        "state_path": args.state,
        "save_every": args.save_every,
    }
    env_kwargs = {"reward": args.reward, "alpha": args.alpha}
    env_kwargs |= json_object(args.env_kwargs, "--env-kwargs")
    rows = write_curriculum_prompts(
        args.out,
        slots=args.slots,
        group_size=args.group_size,
        curriculum=curriculum,
        env_id=args.env_id,
        env_kwargs=env_kwargs,
    )
    print(
        f"wrote {rows:,} curriculum slots to {args.out}; pass --rollout.n_samples_per_prompt "
        f"{args.group_size} and --train.agent_func_path $(edgegym openrlhf path curriculum)"
    )
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    init = sub.add_parser(
        "init-model", help="write a randomly initialised Llama model + tokenizer directory"
    )
    init.add_argument("--preset", default="tiny", help="tiny, small, medium or study-100m")
    init.add_argument("--out", required=True, help="model directory to create")
    init.add_argument(
        "--tokenizer", help="char, bpe (trained now) or a tokenizer directory (default: preset's)"
    )
    init.add_argument("--bpe-vocab", type=int, default=2200, help="BPE vocabulary size")
    init.add_argument("--bpe-texts", type=int, default=20_000, help="generated texts to train on")
    init.add_argument("--bpe-contexts", help="contexts of the BPE text (default: all)")
    init.add_argument("--seed", type=int, default=0, help="initialisation (and BPE text) seed")
    init.add_argument("--overwrite", action="store_true", help="replace an existing directory")
    init.set_defaults(func=_run_init, needs=TRAIN_NEEDS)

    orl = sub.add_parser("openrlhf", help="OpenRLHF adapter files and curriculum prompt sets")
    cmds = orl.add_subparsers(dest="openrlhf_command", metavar="COMMAND")
    path = cmds.add_parser("path", help="print the path of an adapter file")
    path.add_argument("name", choices=["reward", "agent", "curriculum"])
    path.set_defaults(func=_run_path)

    prompts = cmds.add_parser(
        "curriculum-prompts", help="write curriculum slots for curriculum_agent.py"
    )
    prompts.add_argument("--out", required=True, help="JSONL file to write")
    prompts.add_argument("--slots", type=parse_count, default=1024, help="rows, e.g. 200k")
    prompts.add_argument(
        "--group-size", type=int, default=8, help="= --rollout.n_samples_per_prompt (default 8)"
    )
    prompts.add_argument("--strategy", default="frontier", help="curriculum strategy")
    prompts.add_argument("--config", help="CurriculumConfig as JSON (arm space)")
    prompts.add_argument("--params", help="strategy hyperparameters as JSON")
    prompts.add_argument("--name", default="edgegym-curriculum", help="Ray actor name")
    prompts.add_argument(
        "--state",
        help="state file, under the folder $EDGEGYM_CURRICULUM_DIR names in the rollout workers",
    )
    prompts.add_argument("--save-every", type=int, default=16, help="groups between saves")
    prompts.add_argument("--env-id", default="edgegym:Reason-v0")
    prompts.add_argument(
        "--reward", default="gated", choices=["gated", "strict", "outcome", "linear"]
    )
    prompts.add_argument("--alpha", type=float, default=0.5)
    prompts.add_argument("--env-kwargs", help="more env kwargs as JSON")
    prompts.set_defaults(func=_run_curriculum_prompts)

    def _help(args: argparse.Namespace) -> int:
        orl.print_help()
        return 2

    orl.set_defaults(func=_help)
