"""Human-readable reports: rich tables of pass@k and paired differences.

Plots live in :mod:`edgegym.eval.plots` (matplotlib is optional). A cell reads
``0.812 [0.790, 0.833]``: the mean over problems of the unbiased pass@k and its
bootstrap interval.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table

from edgegym.eval.aggregate import GroupSummary, Summary
from edgegym.eval.compare import Comparison
from edgegym.eval.results import EvalResults
from edgegym.eval.stats import Interval

__all__ = [
    "comparison_table",
    "flags_table",
    "pick_k",
    "print_comparison",
    "print_report",
    "summary_table",
]

_TITLES = {
    "all": "All problems",
    "band": "By band",
    "op": "By op",
    "context": "By context",
    "mode": "By mode",
}


def pick_k(k: Sequence[int], wanted: Sequence[int] | None = None) -> list[int]:
    """The k columns to show: ``wanted`` where available, else 1, a middle one and the largest."""
    if wanted:
        shown = [x for x in wanted if x in k]
        if shown:
            return shown
    if len(k) <= 3:
        return list(k)
    return sorted({k[0], k[len(k) // 2], k[-1]})


def _cell(iv: Interval, j: int, *, signed: bool = False) -> str:
    mean, lo, hi = float(iv.mean[j]), float(iv.lo[j]), float(iv.hi[j])
    fmt = "{:+.3f}" if signed else "{:.3f}"
    text = f"{fmt.format(mean)} [{fmt.format(lo)}, {fmt.format(hi)}]"
    if signed and (lo > 0 or hi < 0):
        style = "green" if lo > 0 else "red"
        return f"[{style}]{text}[/]"
    return text


def summary_table(
    summary: Summary, dimension: str, *, k_show: Sequence[int] | None = None
) -> Table:
    """One table: a row per group of ``dimension``, answer and verified pass@k per k."""
    shown = pick_k(summary.k, k_show)
    conf = round(100 * summary.config.confidence)
    table = Table(
        title=f"{_TITLES.get(dimension, dimension)}: pass@k [{conf}% CI]", title_justify="left"
    )
    table.add_column(dimension, style="bold")
    table.add_column("problems", justify="right")
    for k in shown:
        table.add_column(f"answer@{k}", justify="right")
        table.add_column(f"verified@{k}", justify="right", style="cyan")
    table.add_column("process", justify="right")
    groups: list[GroupSummary] = summary.of(dimension)
    for g in groups:
        cells = []
        for k in shown:
            j = summary.k.index(k)
            cells += [_cell(g.answer, j), _cell(g.verified, j)]
        table.add_row(g.group, str(g.problems), *cells, f"{g.process:.3f}")
    return table


def flags_table(results: EvalResults) -> Table | None:
    """How often each reward flag was raised, or ``None`` when none was."""
    totals = results.flag_totals()
    if not totals:
        return None
    samples = int(results.column("n").sum())
    table = Table(title="Reward flags", title_justify="left")
    table.add_column("flag", style="bold")
    table.add_column("samples", justify="right")
    table.add_column("share", justify="right")
    for flag, count in sorted(totals.items(), key=lambda item: (-item[1], item[0])):
        table.add_row(flag, str(count), f"{count / samples:.3f}")
    return table


def print_report(
    console: Console,
    results: EvalResults,
    summary: Summary,
    *,
    k_show: Sequence[int] | None = None,
    title: str | None = None,
) -> None:
    """Print every table of ``summary`` (and the reward flags) to ``console``."""
    samples = int(results.column("n").sum())
    name = results.suite.get("name", "?")
    console.rule(title or f"Evaluation on suite {name!r}")
    console.print(f"{len(results.problems)} problems, {samples} samples, k = {list(summary.k)}")
    for dimension in summary.config.dimensions:
        groups = summary.of(dimension)
        # A grouping with a single group says nothing the "all" row does not.
        if groups and (dimension in ("all", "op", "band") or len(groups) > 1):
            console.print(summary_table(summary, dimension, k_show=k_show))
    flags = flags_table(results)
    if flags is not None:
        console.print(flags)


def comparison_table(
    comparison: Comparison, dimension: str, *, k_show: Sequence[int] | None = None
) -> Table:
    """Paired differences B - A of one grouping, a row per group and metric.

    Differences whose interval excludes 0 are green (B better) or red (B worse).
    """
    shown = pick_k(comparison.k, k_show)
    conf = round(100 * comparison.config.confidence)
    title = f"{_TITLES.get(dimension, dimension)}: B - A [{conf}% paired CI]"
    table = Table(title=title, title_justify="left")
    table.add_column(dimension, style="bold")
    table.add_column("metric")
    table.add_column("problems", justify="right")
    for k in shown:
        table.add_column(f"A→B @{k}", justify="right")
        table.add_column(f"Δ @{k}", justify="right")
    for g in (g for g in comparison.groups if g.dimension == dimension):
        pairs = (
            ("answer", g.a_answer, g.b_answer, g.answer),
            ("verified", g.a_verified, g.b_verified, g.verified),
        )
        for row, (metric, a, b, diff) in enumerate(pairs):
            cells = []
            for k in shown:
                j = comparison.k.index(k)
                cells += [
                    f"{float(a.mean[j]):.3f}→{float(b.mean[j]):.3f}",
                    _cell(diff, j, signed=True),
                ]
            label = g.group if row == 0 else ""
            table.add_row(label, metric, str(g.problems) if row == 0 else "", *cells)
    return table


def print_comparison(
    console: Console,
    comparison: Comparison,
    *,
    labels: tuple[str, str] = ("A", "B"),
    k_show: Sequence[int] | None = None,
) -> None:
    console.rule(f"Paired comparison: A = {labels[0]}, B = {labels[1]}")
    for dimension in comparison.config.dimensions:
        groups = [g for g in comparison.groups if g.dimension == dimension]
        if groups and (dimension in ("all", "op", "band") or len(groups) > 1):
            console.print(comparison_table(comparison, dimension, k_show=k_show))
