"""The curriculum's configuration: which arms exist and how problems are built from them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from edgegym.curricula.arms import Arm, Track
from edgegym.curricula.tracker import TrackerConfig
from edgegym.tasks import CONTEXTS, FAMILIES, MAX_OP, MIN_OP, MODES, SPLITS, DagConfig
from edgegym.tasks.checks import check_fields, check_int
from edgegym.tasks.spec import Mode, Split

__all__ = ["CurriculumConfig"]


@dataclass(frozen=True, kw_only=True)
class CurriculumConfig:
    """The arm space (family x contexts x modes x [op_min, op_max]) and the spec defaults."""

    family: str = "dag"
    """Task family of every proposed spec (one of ``edgegym.tasks.FAMILIES``)."""
    contexts: tuple[str, ...] = ("zoo",)
    """Surface contexts (of ``edgegym.tasks.CONTEXTS``); each (context, mode) is a track."""
    modes: tuple[Mode, ...] = ("forward",)
    """Modes, a subset of ``("forward", "reverse")``."""
    op_min: int = 2
    """Smallest op ever proposed."""
    op_max: int = 20
    """Largest op ever proposed."""
    split: Split = "train"
    """Split of every proposed spec."""
    seed: int = 0
    """Seed of the proposal stream and of every proposed spec."""
    task: DagConfig = field(default_factory=DagConfig)
    """Family knobs copied into every proposed spec."""
    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    """How competence evidence is weighed."""

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family must be one of {sorted(FAMILIES)}, got {self.family!r}")
        for name, allowed in (("contexts", CONTEXTS), ("modes", MODES)):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not values or len(set(values)) != len(values):
                raise ValueError(
                    f"{name} must be a non-empty tuple without repeats, got {values!r}"
                )
            for value in values:
                if value not in allowed:
                    raise ValueError(f"{name} entries must be in {list(allowed)}, got {value!r}")
        check_int("op_min", self.op_min, MIN_OP, MAX_OP)
        check_int("op_max", self.op_max, self.op_min, MAX_OP)
        if self.split not in SPLITS:
            raise ValueError(f"split must be one of {list(SPLITS)}, got {self.split!r}")
        check_int("seed", self.seed, 0, 2**63 - 1)
        if not isinstance(self.task, DagConfig):
            raise ValueError(f"task must be a DagConfig, got {type(self.task).__name__}")
        if "reverse" in self.modes and self.task.modulus is not None:
            raise ValueError("task.modulus must be None when modes include 'reverse'")
        if not isinstance(self.tracker, TrackerConfig):
            raise ValueError(f"tracker must be a TrackerConfig, got {type(self.tracker).__name__}")

    @property
    def ops(self) -> range:
        """The configured difficulty levels."""
        return range(self.op_min, self.op_max + 1)

    @property
    def tracks(self) -> tuple[Track, ...]:
        """Every (family, context, mode), sorted."""
        return tuple(
            sorted(
                Track(family=self.family, context=c, mode=m)
                for c in self.contexts
                for m in self.modes
            )
        )

    @property
    def arms(self) -> tuple[Arm, ...]:
        """Every arm, sorted by track then op: the index order of strategy masses."""
        return tuple(track.arm(op) for track in self.tracks for op in self.ops)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["contexts"] = list(self.contexts)
        data["modes"] = list(self.modes)
        data["task"] = self.task.to_dict()
        data["tracker"] = self.tracker.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CurriculumConfig:
        data = dict(data)
        check_fields(cls, data)
        if "contexts" in data:
            data["contexts"] = tuple(data["contexts"])
        if "modes" in data:
            data["modes"] = tuple(data["modes"])
        if "task" in data:
            data["task"] = DagConfig.parse(data["task"])
        if "tracker" in data:
            data["tracker"] = TrackerConfig.from_dict(data["tracker"])
        return cls(**data)
