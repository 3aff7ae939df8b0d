"""One study being run: its declaration, settings, resolved preset and results folder.

Its own module so that :mod:`edgegym.studies.run` (which drives a study) and
:mod:`edgegym.studies.report` (which reads one) share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from rich.console import Console

from edgegym.agents.train.config import EvalSetup, Preset
from edgegym.agents.train.pipeline import Run
from edgegym.studies.declare import Settings, Study

__all__ = ["StudyRun"]


@dataclass
class StudyRun:
    """One study being run: declaration, settings, the resolved preset and the folder."""

    study: Study
    settings: Settings
    preset: Preset
    root: Path
    console: Console

    def base_run(self, *, midtrain: bool = False) -> Run:
        preset = replace(self.preset, rl=None, midtrain=self.preset.midtrain if midtrain else None)
        return Run(
            preset=preset,
            root=self.root / "base",
            device=self.settings.device,
            console=self.console,
            progress=not self.settings.no_progress,
        )

    def suite(self, split: str) -> EvalSetup:
        return replace(self.preset.eval, split=split)  # type: ignore[arg-type]
