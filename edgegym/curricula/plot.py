"""A picture of a simulated run: where the sampling mass went over time, per track.

Each track gets a heat map (x: step, y: op, colour: share of that step's groups
at that op) with the student's skill and the curriculum's frontier drawn over
it. Matplotlib is optional (``pip install 'edgegym[plot]'``) and imported only
here, with the Agg canvas, so no display or global pyplot state is touched.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from edgegym.curricula.simulate import StepRecord
from edgegym.tasks.io import atomic_write

__all__ = ["mass_matrix", "plot_sampling_mass"]


def mass_matrix(
    records: Sequence[StepRecord], track: str, ops: range, bins: int = 200
) -> np.ndarray:
    """Share of a track's groups per op (rows) and step bin (columns), each column summing to 1."""
    if not records:
        raise ValueError("records must not be empty")
    width = max(1, -(-len(records) // bins))  # steps per column, rounded up
    columns = -(-len(records) // width)
    counts = np.zeros((len(ops), columns))
    for i, record in enumerate(records):
        for op, n in record.proposed.get(track, {}).items():
            if op in ops:
                counts[op - ops.start, i // width] += n
    totals = counts.sum(axis=0, keepdims=True)
    shares: np.ndarray = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    return shares


def plot_sampling_mass(
    records: Sequence[StepRecord],
    ops: range,
    path: str | os.PathLike[str],
    *,
    title: str = "",
) -> None:
    """Write a PNG of the sampling mass over time with skill and frontier overlaid.

    Raises:
        ImportError: matplotlib is not installed (``pip install 'edgegym[plot]'``).
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError as err:
        raise ImportError("plotting needs matplotlib: pip install 'edgegym[plot]'") from err
    tracks = sorted(records[0].skill)
    steps = np.arange(1, len(records) + 1)
    fig = Figure(figsize=(9, 2.2 + 2.6 * len(tracks)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(tracks), 1, sharex=True, squeeze=False)[:, 0]
    extent = (0.5, len(records) + 0.5, ops.start - 0.5, ops.stop - 0.5)
    for ax, track in zip(axes, tracks, strict=True):
        image = ax.imshow(
            mass_matrix(records, track, ops),
            aspect="auto",
            origin="lower",
            extent=extent,
            cmap="viridis",
            vmin=0.0,
            vmax=1.0,
        )
        ax.plot(
            steps, [r.skill[track] for r in records], color="white", lw=1.5, label="student skill θ"
        )
        if records[0].frontier:
            frontier = [r.frontier[track] for r in records]
            ax.step(
                steps, frontier, where="post", color="orange", lw=1.2, ls="--", label="frontier h"
            )
        ax.set_ylabel(f"op ({track})")
        ax.set_ylim(ops.start - 0.5, ops.stop - 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(loc="lower right", fontsize=8)
    axes[-1].set_xlabel("step")
    fig.suptitle(title)
    fig.colorbar(image, ax=list(axes), label="share of the track's groups")
    with atomic_write(path, "wb") as handle:
        fig.savefig(handle, format="png", dpi=110)
