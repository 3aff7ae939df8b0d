"""Plots of a summary: pass@k curves per band and a per-op heat map (PNG files).

matplotlib is imported inside the functions (it is the ``plot`` extra) and used
through its object API with the Agg canvas, so no global backend or pyplot state is
touched and the plots render on machines without a display.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from edgegym.eval.aggregate import Summary
from edgegym.eval.io import atomic_write_bytes

__all__ = ["plot_heatmap", "plot_passk_curves", "write_plots"]


def _figure(**kwargs: Any) -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - depends on the install
        raise ImportError("plots need matplotlib: pip install 'edgegym[plot]'") from err
    figure = Figure(layout="constrained", **kwargs)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> Path:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=120)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def plot_passk_curves(summary: Summary, path: Path) -> Path:
    """pass@k against k (log2 axis), one panel per band plus "all": answer-only dashed,
    process-verified solid, shaded bootstrap intervals."""
    groups = summary.of("band") + summary.of("all")
    if not groups:
        raise ValueError("the summary has no band or all groups to plot")
    figure = _figure(figsize=(4.2 * len(groups), 3.6))
    axes = figure.subplots(1, len(groups), squeeze=False)[0]
    k = np.asarray(summary.k, dtype=float)
    for ax, group in zip(axes, groups, strict=True):
        for metric, style, color in (("answer", "--", "tab:orange"), ("verified", "-", "tab:blue")):
            iv = group.metric(metric)
            ax.plot(k, iv.mean, style, color=color, marker="o", markersize=3, label=metric)
            ax.fill_between(k, iv.lo, iv.hi, color=color, alpha=0.2, linewidth=0)
        ax.set_xscale("log", base=2)
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("k")
        ax.set_title(f"{group.group} ({group.problems} problems)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("pass@k")
    axes[0].legend(loc="lower right")
    return _save(figure, path)


def plot_heatmap(summary: Summary, path: Path) -> Path:
    """Heat maps of pass@k by op (rows) and k (columns), answer-only and verified."""
    groups = summary.of("op")
    if not groups:
        raise ValueError("the summary has no per-op groups to plot")
    figure = _figure(figsize=(2.0 + 0.9 * len(summary.k) * 2, 1.0 + 0.32 * len(groups)))
    axes = figure.subplots(1, 2, squeeze=False)[0]
    image = None
    for ax, metric in zip(axes, ("answer", "verified"), strict=True):
        grid = np.stack([g.metric(metric).mean for g in groups])
        image = ax.imshow(grid, vmin=0.0, vmax=1.0, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(summary.k)), [str(x) for x in summary.k])
        ax.set_yticks(range(len(groups)), [g.group for g in groups])
        ax.set_xlabel("k")
        ax.set_ylabel("op")
        ax.set_title(f"{metric} pass@k")
        for (row, col), value in np.ndenumerate(grid):
            ax.text(
                col,
                row,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=6,
                color="white" if value < 0.6 else "black",
            )
    figure.colorbar(image, ax=list(axes), shrink=0.8)
    return _save(figure, path)


def write_plots(summary: Summary, out_dir: Path) -> list[Path]:
    """Write ``passk_curves.png`` and ``passk_heatmap.png`` (when their groups exist)."""
    out_dir = Path(out_dir)
    written = []
    if summary.of("band") or summary.of("all"):
        written.append(plot_passk_curves(summary, out_dir / "passk_curves.png"))
    if summary.of("op"):
        written.append(plot_heatmap(summary, out_dir / "passk_heatmap.png"))
    return written
