"""``edgegym eval``: build suites, score generations, report and compare pass@k.

Typical flow::

    edgegym eval build-suite extrapolation --out suites/extra --exclude train.jsonl
    # sample 128 responses per prompt of suites/extra/problems.jsonl with your model, write
    # {"id": ..., "responses": [...]} (or one {"id": ..., "response": ...} per sample)
    edgegym eval score --suite suites/extra --generations gen.jsonl --out run.json
    edgegym eval report run.json --out-dir plots/
    edgegym eval compare base.json rl.json
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from edgegym.cli import CommandError, at_least, check_needs, int_ranges, make_console, quote
from edgegym.tasks.spec import MAX_OP, MIN_OP
from edgegym.tasks.trace import SOLUTION_OPEN

_PLOT_NEEDS = (("matplotlib", "plot"),)

_EPILOG = (
    "generations file (JSONL), one of:\n"
    f'  {{"id": "<problem id>", "responses": ["<text after {SOLUTION_OPEN}>", ...]}}'
    "   one line per problem\n"
    '  {"id": "<problem id>", "response": "<text>"}                          one line per sample\n'
    'lines without "id" may carry the exact "prompt" instead.'
)


_MAX_K = 1 << 20
"""Largest k a report computes (far above any sample count)."""


def _names(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.split(",") if t.strip())


def _add_agg_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        default="rich",
        choices=("rich", "md", "csv", "json"),
        help="tables as terminal tables (rich, default), Markdown, CSV or JSON; headers whole",
    )
    parser.add_argument("--k", help="k values to compute, e.g. 1,8,128 (default: 1,2,4,.. to n)")
    parser.add_argument(
        "--bands",
        help="op bands as name:lo-hi,... (default in-distribution:2-10,edge:11-14,hard:15-20)",
    )
    parser.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed")


def _eval_config(args: argparse.Namespace) -> Any:
    from edgegym.eval.aggregate import DEFAULT_BANDS, EvalConfig, parse_bands

    return EvalConfig(
        k_values=tuple(int_ranges(args.k, "--k", 1, _MAX_K)) if args.k else None,
        bands=parse_bands(args.bands) if args.bands else DEFAULT_BANDS,
        n_boot=args.n_boot,
        seed=args.seed,
    )


def _progress() -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    # No refresh thread (auto_refresh=False): scoring may fork worker processes.
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        auto_refresh=False,
        transient=False,
    )


def _advancer(progress: Any, task: Any) -> Callable[[int], None]:
    def advance(count: int) -> None:
        progress.advance(task, count)
        progress.refresh()

    return advance


def run_build_suite(args: argparse.Namespace) -> int:

    from edgegym.eval.leakage import load_exclusion
    from edgegym.eval.suites import build_suite, preset, write_suite

    out = Path(args.out)
    if (out / "manifest.json").exists() and not args.force:
        raise CommandError(f"{out} already holds a suite; pass --force to overwrite it")
    overrides: dict[str, Any] = {}
    if args.ops:
        overrides["ops"] = tuple(int_ranges(args.ops, "--ops", MIN_OP, MAX_OP))
    if args.contexts:
        overrides["contexts"] = _names(args.contexts)
    if args.modes:
        overrides["modes"] = _names(args.modes)
    console = make_console()
    config = preset(args.name, seed=args.seed, **overrides)
    config = dataclasses.replace(config, per_op=_per_cell(args, config, console))
    exclude = load_exclusion(args.exclude or [])
    with _progress() as progress:
        task = progress.add_task(f"building {config.name}", total=config.size)
        advance = _advancer(progress, task)
        suite = build_suite(config, exclude=exclude, progress=advance, workers=args.workers)
    write_suite(suite, out)
    guard = f", {len(exclude)} training hashes excluded" if exclude else ""
    console.print(
        f"wrote {len(suite.records)} problems to {quote(out)}{guard} (digest {suite.digest[:12]})"
    )
    return 0


def _per_cell(args: argparse.Namespace, config: Any, console: Any) -> int:
    """Problems per (context, mode, op) cell from ``--per-cell`` or ``--per-op``.

    ``--per-op`` means problems per op, as in ``edgegym generate`` and ``export``: it is split
    evenly over the op's (context, mode) cells (before 0.2 it meant per cell: said once).
    """
    if args.per_cell is not None and args.per_op is not None:
        raise CommandError("give --per-op (problems per op) or --per-cell, not both")
    if args.per_op is None:
        return 200 if args.per_cell is None else int(args.per_cell)
    cells = len(config.contexts) * len(config.modes)
    if args.per_op < 1 or args.per_op % cells:
        raise CommandError(
            f"--per-op {args.per_op} must be a positive multiple of the {cells} (context, mode) "
            f"cells per op of this suite; or give --per-cell"
        )
    if cells > 1:
        console.print(
            f"note: --per-op is problems per op: {args.per_op // cells} in each of the "
            f"{cells} (context, mode) cells (it meant per cell before 0.2: use --per-cell)"
        )
    return int(args.per_op // cells)


def run_score(args: argparse.Namespace) -> int:

    from edgegym.eval.aggregate import EvalConfig, summarize
    from edgegym.eval.generations import read_generations
    from edgegym.eval.report import summary_table
    from edgegym.eval.scoring import ScoreConfig, score_suite
    from edgegym.eval.suites import load_suite

    console = make_console()
    suite = load_suite(args.suite)
    generations = read_generations(
        args.generations, suite.records, allow_missing=args.allow_missing
    )
    total = sum(len(v) for v in generations.values())
    config = ScoreConfig(
        mode=args.mode, workers=args.workers, cache=not args.no_cache, lenient=args.lenient
    )
    from edgegym import __version__

    meta = {"generations": str(args.generations), "edgegym_version": __version__}
    with _progress() as progress:
        task = progress.add_task(f"scoring {len(generations)} problems", total=total)
        results = score_suite(
            suite.records,
            generations,
            suite_ref=suite.ref(),
            config=config,
            progress=_advancer(progress, task),
            meta=meta,
        )
    summary = summarize(results, EvalConfig(n_boot=1000))
    results = dataclasses.replace(results, summary=summary.to_dict())
    results.save(args.out)
    console.print(summary_table(summary, "band"))
    console.print(f"wrote {quote(args.out)}; full report: edgegym eval report {args.out}")
    return 0


def run_report(args: argparse.Namespace) -> int:

    from edgegym.eval.aggregate import summarize
    from edgegym.eval.report import format_tables, print_report, report_tables
    from edgegym.eval.results import EvalResults

    if args.out_dir:
        check_needs(_PLOT_NEEDS)  # before the bootstrap, not after it
    console = make_console()
    config = _eval_config(args)  # flags first: a bad one fails before any file is read
    shown = tuple(int_ranges(args.show, "--show", 1, _MAX_K)) if args.show else None
    results = EvalResults.load(args.results)
    summary = summarize(results, config)
    if args.format == "rich":
        print_report(console, results, summary, k_show=shown)
    else:
        print(format_tables(report_tables(results, summary, k_show=shown), args.format), end="")
    if args.out_dir:
        from edgegym.eval.plots import write_plots

        for path in write_plots(summary, Path(args.out_dir)):
            console.print(f"wrote {quote(path)}")
    return 0


def run_compare(args: argparse.Namespace) -> int:

    from edgegym.eval.compare import compare
    from edgegym.eval.report import comparison_tables, format_tables, print_comparison
    from edgegym.eval.results import EvalResults

    config = _eval_config(args)
    show = tuple(int_ranges(args.show, "--show", 1, _MAX_K)) if args.show else None
    a, b = EvalResults.load(args.a), EvalResults.load(args.b)
    comparison = compare(a, b, config)
    shown = show or (comparison.k[0], comparison.k[-1])
    if args.format == "rich":
        print_comparison(make_console(), comparison, labels=(args.a, args.b), k_show=shown)
    else:
        print(format_tables(comparison_tables(comparison, k_show=shown), args.format), end="")
    return 0


def run_sample(args: argparse.Namespace) -> int:
    from edgegym.eval.io import write_jsonl
    from edgegym.eval.policies import (
        CorruptedOracle,
        Oracle,
        Policy,
        RandomGuesser,
        as_generation_rows,
        sample_policy,
    )
    from edgegym.eval.suites import load_suite

    policies: dict[str, Policy] = {
        "oracle": Oracle(),
        "guesser": RandomGuesser(m=args.m),
        "corrupted": CorruptedOracle(),
    }
    suite = load_suite(args.suite)
    responses = sample_policy(policies[args.policy], suite.records, args.n, seed=args.seed)
    write_jsonl(Path(args.out), as_generation_rows(responses))
    count = len(responses)
    print(f"wrote {args.n} {args.policy} responses per problem for {count} problems to {args.out}")
    return 0


def run_demo(args: argparse.Namespace) -> int:

    from edgegym.eval.demo import run_reference_demo

    run_reference_demo(
        make_console(), args.out_dir, per_op=args.per_op, samples=args.samples, seed=args.seed
    )
    return 0


def _add_build_suite(cmds: Any) -> None:
    p = cmds.add_parser("build-suite", help="build an evaluation suite from the test split")
    p.add_argument("name", choices=("extrapolation", "context"))
    p.add_argument("--out", required=True, help="suite directory to write")
    p.add_argument(
        "--per-op", type=int, help="problems per op, split evenly over its (context, mode) cells"
    )
    p.add_argument("--per-cell", type=int, help="problems per (context, mode, op) (default 200)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--ops", help="override the ops, e.g. 2-20 or 2,5,8")
    p.add_argument("--contexts", help="override the contexts, comma-separated")
    p.add_argument("--modes", help="forward, reverse or forward,reverse")
    p.add_argument(
        "--exclude", action="append", help="training export (JSONL records, hash list or a dir)"
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing suite")
    p.add_argument("--workers", type=at_least(0), default=0, help="processes (0: one per core)")
    p.set_defaults(func=run_build_suite)


def register(sub: Any) -> None:
    parser = sub.add_parser("eval", help="pass@k evaluation: suites, scoring, reports")
    parser.set_defaults(func=lambda _args: parser.print_help() or 2)
    cmds = parser.add_subparsers(dest="eval_command", metavar="EVAL_COMMAND")

    _add_build_suite(cmds)

    p = cmds.add_parser(
        "score",
        help="score sampled responses against a suite",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--suite", required=True, help="suite directory")
    p.add_argument("--generations", required=True, help="generations JSONL (see below)")
    p.add_argument("--out", required=True, help="results JSON to write")
    p.add_argument(
        "--mode",
        default="strict",
        choices=("outcome", "gated", "strict", "linear"),
        help="reward mode; answer-correct and verified do not depend on it (default strict)",
    )
    p.add_argument("--workers", type=at_least(0), default=0, help="processes (0: one per core)")
    p.add_argument("--allow-missing", action="store_true", help="score a partial run")
    p.add_argument("--no-cache", action="store_true", help="score repeated responses again")
    p.add_argument(
        "--lenient", action="store_true", help="read chat-style replies (flagged lenient_*)"
    )
    p.set_defaults(func=run_score)

    p = cmds.add_parser("report", help="tables and plots of a results file")
    p.add_argument("results")
    p.add_argument("--out-dir", help="write pass@k curves and the per-op heat map here")
    p.add_argument("--show", help="k columns shown in tables (default 1, a middle k, max)")
    _add_agg_options(p)
    p.set_defaults(func=run_report)

    p = cmds.add_parser("compare", help="paired differences B - A of two runs on one suite")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--show", help="k columns shown (default smallest and largest)")
    _add_agg_options(p)
    p.set_defaults(func=run_compare)

    p = cmds.add_parser("sample-reference", help="write a reference policy's generations")
    p.add_argument("policy", choices=("oracle", "guesser", "corrupted"))
    p.add_argument("--suite", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n", type=int, default=128, help="responses per problem")
    p.add_argument("--m", type=int, default=23, help="guesser's number of candidate answers")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_sample)

    p = cmds.add_parser("demo", help="reference policies on a small suite, scored and reported")
    p.add_argument("--out-dir", help="write results and plots here")
    p.add_argument("--per-op", type=int, default=10)
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=run_demo)
