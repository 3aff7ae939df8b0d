"""``edgegym generate``, ``show`` and ``stats``: write problem sets, look at one problem,
measure the shape of a distribution."""

from __future__ import annotations

import argparse
import itertools
import json
from typing import Any

from edgegym.cli import CommandError, int_ranges, make_console, quote
from edgegym.tasks import CONTEXTS, MODES, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.io import atomic_write, read_jsonl, remove_stale_temporaries
from edgegym.tasks.spec import MAX_OP, MIN_OP, iter_specs
from edgegym.tasks.trace import TRACE_ANSWER


def parse_ops(text: str) -> list[int]:
    """``"2-20"``, ``"5"`` or ``"2,4,8-10"`` -> sorted distinct ops in [MIN_OP, MAX_OP]."""
    return sorted(set(int_ranges(text, "--ops", MIN_OP, MAX_OP)))


def parse_names(text: str, allowed: tuple[str, ...], flag: str) -> list[str]:
    names = [t.strip() for t in text.split(",") if t.strip()]
    bad = [n for n in names if n not in allowed]
    if bad or not names:
        raise CommandError(f"{flag}: unknown {bad or text!r}; choose from {list(allowed)}")
    return names


CONFIG_HELP = (
    'DagConfig as JSON, e.g. \'{"modulus": 10}\'; "study" for DagConfig.study(), or '
    "study followed by JSON overrides, e.g. 'study {\"depth\": 3}'"
)


def parse_config(text: str | None, flag: str = "--config") -> DagConfig:
    """The DagConfig of a command line (:meth:`DagConfig.parse`'s forms: a JSON object
    of fields, ``study``, or ``study`` followed by a JSON object merged over it)."""
    if not text:
        return DagConfig()
    try:
        return DagConfig.parse(text)
    except ValueError as err:
        raise CommandError(f"{flag}: {err}") from None


def _exclude(path: str | None) -> frozenset[str]:
    """Graph hashes to leave out, read strictly by the leakage guard's one reader."""
    from edgegym.eval.leakage import load_exclusion

    return load_exclusion([path]) if path else frozenset()


def _selection(args: argparse.Namespace) -> tuple[list[int], list[str], list[str], DagConfig]:
    """The ops, contexts, modes and DagConfig of ``generate``/``stats``, checked."""
    if args.per_op < 1:
        raise CommandError(f"--per-op must be >= 1, got {args.per_op}")
    ops = parse_ops(args.ops)
    contexts = parse_names(args.contexts, CONTEXTS, "--contexts")
    modes = parse_names(args.modes, MODES, "--modes")
    return ops, contexts, modes, parse_config(args.config)


def _run_generate(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    ops, contexts, modes, config = _selection(args)
    for op in ops:  # fail before the output file is opened
        TaskSpec(op=op, context=contexts[0], mode=modes[0], config=config)  # type: ignore[arg-type]
    exclude = _exclude(args.exclude)
    specs = iter_specs(ops, args.per_op, contexts, modes, args.split, args.seed, config)
    total = len(ops) * args.per_op
    remove_stale_temporaries(args.out)  # what a killed run left beside the output
    with atomic_write(args.out) as out, Progress() as bar:
        task = bar.add_task(f"generating {total:,} problems", total=total)
        for n, spec in enumerate(specs, 1):
            out.write(generate(spec, exclude=exclude).to_json())
            out.write("\n")
            if n % 512 == 0 or n == total:
                bar.update(task, completed=n)
    print(f"wrote {total:,} problems to {args.out}")  # plain print: no markup
    return 0


def _show(problem: Problem) -> None:
    from rich.panel import Panel
    from rich.text import Text
    from rich.tree import Tree

    console = make_console()
    spec = problem.spec
    title = Text(
        f"{spec.context} / {spec.mode} / op {problem.op} / {spec.split} / seed {spec.seed} / "
        f"index {spec.index}  id {problem.id}"
    )
    # Record text is shown as text, never read as markup (a record may come from --file).
    console.print(Panel(Text(problem.problem), title=title, title_align="left"))
    console.print(f"[bold]Question:[/] {quote(problem.question)}")
    by_name = {n.name: n for n in problem.nodes}

    def add(tree: Tree, name: str, depth: int) -> None:
        node = by_name[name]
        k = f" k={node.k}" if node.k is not None else ""
        branch = tree.add(f"{quote(name)}  [dim]{node.op}{k} = {node.value}[/]")
        if depth < 12:
            for parent in node.parents:
                add(branch, parent, depth + 1)

    root = problem.nodes[-1]
    tree = Tree(f"[bold]{quote(root.name)}[/]  [dim]{root.op} = {root.value}[/]")
    for parent in root.parents:
        add(tree, parent, 1)
    console.print(Panel(tree, title="necessary DAG", title_align="left"))
    console.print(Panel(Text(problem.solution), title="gold trace", title_align="left"))
    console.print(f"[bold]{TRACE_ANSWER}[/] {quote(problem.answer)}")


def show_examples(console: Any) -> None:
    """A few short problems across contexts and modes (the opening of ``edgegym demo``)."""
    from rich.table import Table

    table = Table(title="Generated problems (op 4, test split)", show_lines=True)
    for column in ("context / mode", "problem and question", "gold trace"):
        table.add_column(column, overflow="fold")
    pairs = (
        ("zoo", "forward"),
        ("movie", "reverse"),
        ("library", "forward"),
        ("symbolic", "forward"),
    )
    for context, mode in pairs:
        p = generate(TaskSpec(context=context, mode=mode, op=4, split="test"))  # type: ignore[arg-type]
        text = f"{quote(p.problem)}\n[bold]{quote(p.question)}[/]"
        table.add_row(f"{context}\n{mode}", text, quote(p.solution))
    console.print(table)


def _run_show(args: argparse.Namespace) -> int:
    if args.file:
        records = read_jsonl(args.file)
        record: dict[str, Any] | None = next(itertools.islice(records, args.line, None), None)
        if record is None:
            raise CommandError(f"{args.file} has no line {args.line}")
        try:
            problem = Problem.from_record(record)
        except ValueError as err:
            raise CommandError(f"{args.file}: record {args.line}: {err}") from None
        _show(problem)
        return 0
    spec = TaskSpec(
        context=args.context,
        mode=args.mode,
        op=args.op,
        split=args.split,
        seed=args.seed,
        index=args.index,
        config=parse_config(args.config),
    )
    _show(generate(spec))
    return 0


def _token_counter(path: str | None) -> Any:
    """``len(tokenizer(text).input_ids)`` for a model directory's tokenizer; None without one."""
    if not path:
        return None
    try:
        import transformers
    except ImportError:
        raise ImportError("--tokenizer needs transformers: pip install 'edgegym[train]'") from None
    tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def _run_stats(args: argparse.Namespace) -> int:
    from rich.table import Table

    from edgegym.tasks.stats import COLUMNS, cells, shape

    ops, contexts, modes, config = _selection(args)
    count = _token_counter(args.tokenizer)
    specs = iter_specs(ops, args.per_op, contexts, modes, args.split, args.seed, config)
    rows = cells(shape(generate(spec), count) for spec in specs)
    if args.json:
        print(json.dumps({"config": config.to_dict(), "cells": rows}, sort_keys=True))
        return 0
    columns = ["op", "depth", "n", *COLUMNS[:-1], "compound_share"]
    columns += [c for c in ("prompt_tokens", "trace_tokens") if rows and c in rows[0]]
    table = Table(title=f"problem shape: {','.join(contexts)} / {','.join(modes)}")
    short = {"statements": "stmts", "distractors": "distr", "compound_share": "compound"}
    for column in columns:
        table.add_column(short.get(column, column.replace("_chars", "").replace("_", " ")))
    for row in rows:
        table.add_row(
            *(f"{row[c]:.3g}" if isinstance(row[c], float) else str(row[c]) for c in columns)
        )
    make_console().print(table)
    return 0


def _selection_flags(
    parser: argparse.ArgumentParser, *, per_op: int, contexts: str, modes: str
) -> None:
    """The flags that select problems (:func:`_selection` reads them back)."""
    parser.add_argument("--ops", default="2-20", help="ops, e.g. 2-20 or 3,5,8-10 (default 2-20)")
    parser.add_argument(
        "--per-op", type=int, default=per_op, help=f"problems per op (default {per_op})"
    )
    parser.add_argument("--contexts", default=contexts, help="comma-separated contexts")
    parser.add_argument("--modes", default=modes, help="forward,reverse or one of them")
    parser.add_argument("--split", default="train", choices=["train", "val", "test"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", help=CONFIG_HELP)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    gen = sub.add_parser("generate", help="write problems to a JSONL file (atomically)")
    _selection_flags(gen, per_op=100, contexts="zoo,teacher,movie", modes="forward,reverse")
    gen.add_argument(
        "--exclude",
        help="problem records or hash list (as eval build-suite --exclude) not to generate",
    )
    gen.add_argument("--out", required=True, help="output JSONL path")
    gen.set_defaults(func=_run_generate)

    show = sub.add_parser("show", help="pretty-print one problem: text, DAG and gold trace")
    show.add_argument("--context", default="zoo", choices=list(CONTEXTS))
    show.add_argument("--mode", default="forward", choices=list(MODES))
    show.add_argument("--op", type=int, default=8)
    show.add_argument("--split", default="train", choices=["train", "val", "test"])
    show.add_argument("--seed", type=int, default=0)
    show.add_argument("--index", type=int, default=0)
    show.add_argument("--config", help=CONFIG_HELP)
    show.add_argument("--file", help="show a record of this JSONL file instead")
    show.add_argument("--line", type=int, default=0, help="0-based record index in --file")
    show.set_defaults(func=_run_show)

    stats = sub.add_parser(
        "stats", help="per op and depth: mean steps, statements, distractors, lengths"
    )
    _selection_flags(stats, per_op=30, contexts="zoo", modes="forward")
    stats.add_argument("--tokenizer", help="model directory: also count tokens (transformers)")
    stats.add_argument("--json", action="store_true", help="print one JSON object instead")
    stats.set_defaults(func=_run_stats)
