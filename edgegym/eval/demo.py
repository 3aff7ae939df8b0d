"""The evaluation demo: reference policies on a small suite, scored and reported.

It shows, without any model, what the metrics must say: the oracle scores 1
everywhere; the random guesser's answer-only pass@k follows ``1 - (1 - 1/M)^k``
(and so nears 1 at large k) while its verified pass@k stays 0; the corrupted oracle
is always answer-correct and never verified. ``make demo`` ends with it.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from edgegym.eval.aggregate import EvalConfig, Summary, summarize
from edgegym.eval.compare import compare
from edgegym.eval.policies import RandomGuesser, reference_policies, sample_policy
from edgegym.eval.report import print_comparison, summary_table
from edgegym.eval.results import EvalResults
from edgegym.eval.scoring import ScoreConfig, score_suite
from edgegym.eval.suites import build_suite, preset

__all__ = ["guesser_table", "run_reference_demo"]


def guesser_table(summary: Summary, m: int) -> Table:
    """Observed answer-only pass@k of the guesser against ``1 - (1 - 1/m)^k``."""
    group = summary.get("all", "all")
    table = Table(title=f"Random guesser (M = {m}) vs theory", title_justify="left")
    for name in ("k", "theory", "answer-only [95% CI]", "verified"):
        table.add_column(name, justify="right")
    for j, k in enumerate(summary.k):
        theory = 1 - (1 - 1 / m) ** k
        iv = group.answer
        inside = iv.lo[j] <= theory <= iv.hi[j]
        mark = "[green]✓[/]" if inside else "[red]✗[/]"
        table.add_row(
            str(k),
            f"{theory:.3f}",
            f"{iv.mean[j]:.3f} [{iv.lo[j]:.3f}, {iv.hi[j]:.3f}] {mark}",
            f"{group.verified.mean[j]:.3f}",
        )
    return table


def run_reference_demo(
    console: Console,
    out_dir: str | Path | None = None,
    *,
    per_op: int = 10,
    samples: int = 16,
    m: int = 23,
    seed: int = 0,
) -> dict[str, EvalResults]:
    """Build a small extrapolation suite, sample the reference policies, score, report.

    Args:
        console: where tables go.
        out_dir: if given, results JSON and plots of each policy are written under it.
        per_op: problems per op (ops 2..20).
        samples: responses per problem.
        m: the guesser's number of candidate answers.
        seed: seed of the suite and of the policies.

    Returns:
        The scored results of each policy, by name.
    """
    suite = build_suite(preset("extrapolation", per_op=per_op, seed=seed))
    console.rule("[bold]Evaluation demo: reference policies")
    console.print(
        f"suite {suite.name!r}: {len(suite.records)} problems (op 2-20, {per_op} per op), "
        f"{samples} samples each"
    )
    config = EvalConfig(n_boot=500, seed=seed, dimensions=("all", "band", "op"))
    results: dict[str, EvalResults] = {}
    for policy in reference_policies(m=m):
        generations = sample_policy(policy, suite.records, samples, seed=seed)
        scored = score_suite(
            suite.records,
            generations,
            suite_ref=suite.ref(),
            config=ScoreConfig(parallel_min=10**9),
            meta={"policy": policy.name},
        )
        summary = summarize(scored, config)
        results[policy.name] = scored
        table = summary_table(summary, "band", k_show=(1, samples))
        table.title = f"{policy.name}: pass@k by band [95% CI]"
        console.print(table)
        if isinstance(policy, RandomGuesser):
            console.print(guesser_table(summary, m))
        if out_dir is not None:
            # Plots for the guesser only: its answer-vs-verified gap is the picture here.
            plot = isinstance(policy, RandomGuesser)
            _write(scored, summary, Path(out_dir) / policy.name, console, plot=plot)
    brief = dataclasses.replace(config, dimensions=("all", "band"))
    comparison = compare(results["oracle"], results["corrupted"], brief)
    print_comparison(console, comparison, labels=("oracle", "corrupted"), k_show=(1,))
    return results


def _write(
    results: EvalResults, summary: Summary, out: Path, console: Console, *, plot: bool
) -> None:
    results.save(out / "results.json")
    if not plot:
        console.print(f"wrote {escape(str(out / 'results.json'))}")
        return
    try:
        from edgegym.eval.plots import write_plots

        written: list[Any] = write_plots(summary, out)
    except ImportError as err:
        console.print(f"[yellow]plots skipped:[/] {escape(str(err))}")
        return
    names = ", ".join(p.name for p in written)
    console.print(f"wrote {escape(str(out / 'results.json'))} and {escape(names)}")
