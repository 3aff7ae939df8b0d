"""Human-readable reports: rich tables of pass@k and paired differences.

Plots live in :mod:`edgegym.eval.plots` (matplotlib is optional). A cell reads
``0.812 [0.790, 0.833]``: the mean over problems of the unbiased pass@k and its
bootstrap interval.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from edgegym.eval.aggregate import GroupSummary, Summary
from edgegym.eval.compare import Comparison
from edgegym.eval.results import EvalResults
from edgegym.eval.stats import Interval

__all__ = [
    "TABLE_FORMATS",
    "comparison_table",
    "comparison_tables",
    "flags_table",
    "format_tables",
    "pick_k",
    "print_comparison",
    "print_report",
    "report_tables",
    "summary_table",
]

TABLE_FORMATS = ("rich", "md", "csv", "json")
"""``rich``: the terminal tables; ``md``, ``csv``, ``json``: plain text, headers whole."""

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


def report_tables(
    results: EvalResults, summary: Summary, *, k_show: Sequence[int] | None = None
) -> list[Table]:
    """Every table of ``summary`` worth showing, and the reward flags' table."""
    tables = []
    for dimension in summary.config.dimensions:
        groups = summary.of(dimension)
        # A grouping with a single group says nothing the "all" row does not.
        if groups and (dimension in ("all", "op", "band") or len(groups) > 1):
            tables.append(summary_table(summary, dimension, k_show=k_show))
    flags = flags_table(results)
    return tables if flags is None else [*tables, flags]


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
    for table in report_tables(results, summary, k_show=k_show):
        console.print(table)


def _plain(cell: object) -> str:
    return Text.from_markup(cell).plain if isinstance(cell, str) else str(cell)


def _table_data(table: Table) -> tuple[str, list[str], list[list[str]]]:
    """A table's title, whole headers and rows as plain text (markup removed)."""
    headers = [_plain(c.header) for c in table.columns]
    columns = [[_plain(cell) for cell in c.cells] for c in table.columns]
    rows = [list(row) for row in zip(*columns, strict=True)]
    return _plain(table.title or ""), headers, rows


def format_tables(tables: Sequence[Table], fmt: str) -> str:
    """Tables as Markdown (``md``), CSV (one ``table`` column names each) or JSON text."""
    data = [_table_data(t) for t in tables]
    if fmt == "json":
        items = [{"title": t, "columns": h, "rows": r} for t, h, r in data]
        return json.dumps(items, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        for title, headers, rows in data:
            writer.writerow(["table", *headers])
            writer.writerows([title, *row] for row in rows)
        return out.getvalue()
    if fmt == "md":
        parts = []
        for title, headers, rows in data:
            lines = [f"### {title}", "", "| " + " | ".join(headers) + " |"]
            lines.append("|" + "|".join("---" for _ in headers) + "|")
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            parts.append("\n".join(lines) + "\n")
        return "\n".join(parts)
    raise ValueError(f"format must be one of {list(TABLE_FORMATS)}, got {fmt!r}")


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


def comparison_tables(
    comparison: Comparison, *, k_show: Sequence[int] | None = None
) -> list[Table]:
    """Every grouping of ``comparison`` worth showing, as tables."""
    tables = []
    for dimension in comparison.config.dimensions:
        groups = [g for g in comparison.groups if g.dimension == dimension]
        if groups and (dimension in ("all", "op", "band") or len(groups) > 1):
            tables.append(comparison_table(comparison, dimension, k_show=k_show))
    return tables


def print_comparison(
    console: Console,
    comparison: Comparison,
    *,
    labels: tuple[str, str] = ("A", "B"),
    k_show: Sequence[int] | None = None,
) -> None:
    console.rule(f"Paired comparison: A = {labels[0]}, B = {labels[1]}")
    for table in comparison_tables(comparison, k_show=k_show):
        console.print(table)
