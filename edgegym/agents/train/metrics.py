"""Training metrics: one JSON line per logged step, and a rich live progress view.

The JSONL file survives a crash line by line (each line is flushed). On resume
from checkpoint step ``s``, lines of steps after ``s`` (written after the
checkpoint, then lost with the crash) are dropped first, so the file ends up
as an uninterrupted run's (wall-clock fields aside).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from edgegym.tasks.io import atomic_write_text

__all__ = ["LiveView", "MetricsLog", "read_metrics"]


class MetricsLog:
    """Append-only JSONL metrics of one stage.

    Args:
        path: the ``metrics.jsonl`` file.
        resume_step: the checkpoint step a resumed run starts after (``None``: a fresh
            run, which truncates the file).
    """

    def __init__(self, path: Path, *, resume_step: int | None = None) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is None or not path.exists():
            atomic_write_text(path, "")
        else:
            kept = [row for row in read_metrics(path) if int(row.get("step", 0)) <= resume_step]
            atomic_write_text(path, "".join(json.dumps(r, sort_keys=True) + "\n" for r in kept))
        self._handle: TextIO = path.open("a", encoding="utf-8")

    def write(self, row: dict[str, Any]) -> None:
        """Append one line (keys sorted) and flush it."""
        self._handle.write(json.dumps(row, sort_keys=True) + "\n")
        self._handle.flush()

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> MetricsLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def read_metrics(path: Path) -> list[dict[str, Any]]:
    """Every complete line of a metrics file (a torn last line is skipped)."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return rows


class LiveView:
    """A progress bar with the latest metrics beside it (quiet when ``enabled`` is False)."""

    def __init__(
        self, title: str, total: int, *, console: Console | None = None, enabled: bool = True
    ) -> None:
        self.enabled = enabled
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[info]}"),
            console=console,
            disable=not enabled,
        )
        self.task: TaskID = self.progress.add_task(title, total=total, info="")

    def update(self, completed: int, info: str = "") -> None:
        """Set the completed count and the metrics text."""
        self.progress.update(self.task, completed=completed, info=info)

    def __enter__(self) -> LiveView:
        self.progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.progress.stop()
