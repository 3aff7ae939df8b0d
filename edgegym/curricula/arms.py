"""Arms and scored groups: the plain data a curriculum proposes and observes.

An :class:`Arm` is the unit of competence tracking: a task family, a surface
context, a mode and an exact difficulty ``op``. Arms that differ only in ``op``
form a :class:`Track`, along which the frontier moves.

A :class:`GroupResult` is one GRPO-style group: the ``G`` scored samples drawn for
one problem. It is plain data (picklable, JSON-able), so the env, the evaluator
and trainer adapters can build it from a reward result without this package
importing the reward modules: anything with ``score``, ``outcome``, ``process``,
``verified`` and ``flags`` attributes (a :class:`RewardLike`) converts with
:meth:`SampleOutcome.of`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from edgegym.tasks import TaskSpec
from edgegym.tasks.checks import check_int, check_number

__all__ = ["Arm", "GroupResult", "RewardLike", "SampleOutcome", "Track"]

_SEP = "/"


def _check_name(field_name: str, value: object) -> None:
    if not isinstance(value, str) or not value or _SEP in value:
        raise ValueError(f"{field_name} must be a non-empty string without {_SEP!r}, got {value!r}")


@dataclass(frozen=True, kw_only=True, order=True)
class Track:
    """The arms of one family, context and mode, ordered by ``op``."""

    family: str
    """Task family, e.g. ``"dag"``."""
    context: str
    """Surface context, e.g. ``"zoo"``."""
    mode: str
    """``"forward"`` or ``"reverse"``."""

    def __post_init__(self) -> None:
        for name in ("family", "context", "mode"):
            _check_name(name, getattr(self, name))

    @property
    def key(self) -> str:
        """``"family/context/mode"``: the track's name in state dicts and tables."""
        return _SEP.join((self.family, self.context, self.mode))

    def arm(self, op: int) -> Arm:
        """The arm of this track at difficulty ``op``."""
        return Arm(family=self.family, context=self.context, mode=self.mode, op=op)


@dataclass(frozen=True, kw_only=True, order=True)
class Arm:
    """One (family, context, mode, op) cell: the unit of competence tracking."""

    family: str
    """Task family, e.g. ``"dag"``."""
    context: str
    """Surface context, e.g. ``"zoo"``."""
    mode: str
    """``"forward"`` or ``"reverse"``."""
    op: int
    """Exact difficulty: edges of the necessary DAG."""

    def __post_init__(self) -> None:
        for name in ("family", "context", "mode"):
            _check_name(name, getattr(self, name))
        check_int("op", self.op, 0)

    @cached_property
    def track(self) -> Track:
        """The track this arm lies on."""
        return Track(family=self.family, context=self.context, mode=self.mode)

    @cached_property
    def key(self) -> str:
        """``"family/context/mode/op"``: the arm's name in state dicts (JSON keys are strings)."""
        return f"{self.track.key}{_SEP}{self.op}"

    @classmethod
    def parse(cls, key: str) -> Arm:
        """Inverse of :attr:`key`."""
        parts = key.split(_SEP)
        if len(parts) != 4 or not parts[3].isdigit():
            raise ValueError(f"arm key must look like 'dag/zoo/forward/11', got {key!r}")
        return cls(family=parts[0], context=parts[1], mode=parts[2], op=int(parts[3]))

    @classmethod
    def of(cls, spec: TaskSpec) -> Arm:
        """The arm a task spec belongs to."""
        return cls(family=spec.family, context=spec.context, mode=spec.mode, op=spec.op)


class RewardLike(Protocol):
    """What :meth:`SampleOutcome.of` reads: ``edgegym.rewards.RewardResult`` fits it."""

    @property
    def score(self) -> float: ...
    @property
    def outcome(self) -> float | bool: ...
    @property
    def process(self) -> float: ...
    @property
    def verified(self) -> bool: ...
    @property
    def flags(self) -> Collection[str]: ...


@dataclass(frozen=True, kw_only=True, order=True)
class SampleOutcome:
    """One scored sample of a group."""

    verified: bool
    """Answer right and every gold step right (the study's VerifiedCorrect)."""
    outcome: bool
    """Answer right, whatever the trace (answer-only correctness)."""
    score: float
    """The training reward in [0, 1]; zero-variance filtering compares these."""
    process: float = 0.0
    """Step accuracy in [0, 1]."""
    flags: tuple[str, ...] = ()
    """Diagnostic flags, sorted and unique (e.g. ``parse_failure``, ``truncated``)."""

    def __post_init__(self) -> None:
        for name in ("verified", "outcome"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be a bool, got {getattr(self, name)!r}")
        for name in ("score", "process"):
            check_number(name, getattr(self, name), 0.0, 1.0)
        if self.flags and (
            not isinstance(self.flags, tuple)
            or tuple(sorted(set(self.flags))) != self.flags
            or not all(isinstance(f, str) and f for f in self.flags)
        ):
            raise ValueError(f"flags must be sorted unique non-empty strings, got {self.flags!r}")

    @classmethod
    def of(cls, result: RewardLike) -> SampleOutcome:
        """Convert a reward result (anything shaped like ``edgegym.rewards.RewardResult``)."""
        return cls(
            verified=bool(result.verified),
            outcome=bool(result.outcome),
            score=float(result.score),
            process=float(result.process),
            flags=tuple(sorted(set(result.flags))),
        )

    @classmethod
    def binary(cls, verified: bool, *, outcome: bool | None = None) -> SampleOutcome:
        """A sample scored by the strict reward: score 1 iff verified."""
        return cls(
            verified=verified,
            outcome=verified if outcome is None else outcome,
            score=1.0 if verified else 0.0,
            process=1.0 if verified else 0.0,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "outcome": self.outcome,
            "score": self.score,
            "process": self.process,
            "flags": list(self.flags),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SampleOutcome:
        return cls(
            verified=data["verified"],
            outcome=data["outcome"],
            score=data["score"],
            process=data.get("process", 0.0),
            flags=tuple(data.get("flags", ())),
        )


@dataclass(frozen=True, kw_only=True, order=True)
class GroupResult:
    """The scored samples of one problem (a GRPO group)."""

    arm: Arm
    """The arm the problem was drawn from."""
    samples: tuple[SampleOutcome, ...]
    """The group's samples, at least one."""
    index: int = 0
    """The problem's ``TaskSpec.index``; used only to order results canonically."""

    def __post_init__(self) -> None:
        if not isinstance(self.arm, Arm):
            raise ValueError(f"arm must be an Arm, got {type(self.arm).__name__}")
        if not self.samples or not all(isinstance(s, SampleOutcome) for s in self.samples):
            raise ValueError(
                f"samples must be a non-empty tuple of SampleOutcome, got {self.samples!r}"
            )
        check_int("index", self.index, 0)

    @classmethod
    def of(cls, spec: TaskSpec, samples: Iterable[SampleOutcome | RewardLike]) -> GroupResult:
        """A group for ``spec`` from sample outcomes or reward results."""
        converted = tuple(
            s if isinstance(s, SampleOutcome) else SampleOutcome.of(s) for s in samples
        )
        return cls(arm=Arm.of(spec), samples=converted, index=spec.index)

    @property
    def size(self) -> int:
        """G, the number of samples."""
        return len(self.samples)

    @property
    def n_verified(self) -> int:
        """Samples that are verified correct."""
        return sum(s.verified for s in self.samples)

    @property
    def n_outcome(self) -> int:
        """Samples whose answer is right."""
        return sum(s.outcome for s in self.samples)

    @property
    def zero_variance(self) -> bool:
        """All training rewards equal: a GRPO group that gives no policy gradient."""
        first = self.samples[0].score
        return all(s.score == first for s in self.samples)

    def sort_key(self) -> tuple[Arm, int, tuple[SampleOutcome, ...]]:
        """A total order on groups, so that folding results never depends on arrival order."""
        return (self.arm, self.index, self.samples)

    def to_dict(self) -> dict[str, Any]:
        return {
            "arm": self.arm.key,
            "index": self.index,
            "samples": [s.to_dict() for s in self.samples],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GroupResult:
        return cls(
            arm=Arm.parse(data["arm"]),
            index=data.get("index", 0),
            samples=tuple(SampleOutcome.from_dict(s) for s in data["samples"]),
        )
