"""Baseline and bandit-style strategies: Uniform, FixedBand, Learnability, TargetDifficulty.

The default strategy, :class:`~edgegym.curricula.frontier.Frontier`, lives in its
own module. Every strategy here spreads mass over the configured arms only, so a
level outside ``[op_min, op_max]`` is never proposed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from edgegym.curricula._params import ParamsMixin
from edgegym.curricula.arms import GroupResult
from edgegym.curricula.base import Curriculum
from edgegym.tasks.checks import check_number

__all__ = [
    "BandParams",
    "FixedBand",
    "Learnability",
    "LearnabilityParams",
    "TargetDifficulty",
    "TargetParams",
    "Uniform",
    "UniformParams",
]


@dataclass(frozen=True, kw_only=True)
class UniformParams(ParamsMixin):
    """Uniform has no hyperparameters."""


class Uniform(Curriculum[UniformParams]):
    """Every configured arm equally often: the baseline every other strategy must beat."""

    name: ClassVar[str] = "uniform"
    params_type: ClassVar[type[Any]] = UniformParams

    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        return np.ones(len(self.arms))


@dataclass(frozen=True, kw_only=True)
class BandParams(ParamsMixin):
    """The fixed band of ops (the study trained on op 11-14 as its edge)."""

    band_min: int = 11
    """Lowest op of the band."""
    band_max: int = 14
    """Highest op of the band."""

    def __post_init__(self) -> None:
        check_number("band_min", self.band_min, 0, 10**6)
        check_number("band_max", self.band_max, self.band_min, 10**6)
        if not (isinstance(self.band_min, int) and isinstance(self.band_max, int)):
            raise ValueError(
                f"band_min and band_max must be ints, got {self.band_min!r}, {self.band_max!r}"
            )


class FixedBand(Curriculum[BandParams]):
    """Uniform over a fixed band of ops on every track (a hand-picked edge)."""

    name: ClassVar[str] = "fixed-band"
    params_type: ClassVar[type[Any]] = BandParams

    def _check_params(self) -> None:
        if self.params.band_min < self.config.op_min or self.params.band_max > self.config.op_max:
            raise ValueError(
                f"band [{self.params.band_min}, {self.params.band_max}] must lie in "
                f"[{self.config.op_min}, {self.config.op_max}]"
            )

    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        lo, hi = self.params.band_min, self.params.band_max
        return np.array([1.0 if lo <= arm.op <= hi else 0.0 for arm in self.arms])


@dataclass(frozen=True, kw_only=True)
class LearnabilityParams(ParamsMixin):
    """Sampling for learnability (Foster & Foerster 2025; Rutherford et al. 2024)."""

    epsilon: float = 0.02
    """Weight added to every arm, so none starves."""
    thompson: bool = True
    """Draw p from each arm's posterior (Thompson) instead of using its mean."""

    def __post_init__(self) -> None:
        check_number("epsilon", self.epsilon, 0.0, 1.0)
        if not isinstance(self.thompson, bool):
            raise ValueError(f"thompson must be a bool, got {self.thompson!r}")


class Learnability(Curriculum[LearnabilityParams]):
    """Weight every arm by p(1 - p) + epsilon, p its verified pass rate (LILO / SFL)."""

    name: ClassVar[str] = "learnability"
    params_type: ClassVar[type[Any]] = LearnabilityParams

    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        prior = self.config.tracker.prior
        succ = np.array([self.tracker.successes(a) for a in self.arms])
        n = np.array([self.tracker.samples(a) for a in self.arms])
        if self.params.thompson:
            p = rng.beta(prior + succ, prior + n - succ)
        else:
            p = (prior + succ) / (2 * prior + n)
        return np.asarray(p * (1.0 - p) + self.params.epsilon)


@dataclass(frozen=True, kw_only=True)
class TargetParams(ParamsMixin):
    """AdaRFT's controller (Shi et al. 2025): T <- clip(T + eta * tanh(alpha * (R - beta)))."""

    beta: float = 0.5
    """Target verified pass rate."""
    alpha: float = 2.0
    """Sensitivity of the controller."""
    eta: float = 1.0
    """Largest move of T per update, in ops (AdaRFT: 50 on a 0-100 scale, per batch)."""
    start: float | None = None
    """Initial target op (``op_min`` if None)."""

    def __post_init__(self) -> None:
        check_number("beta", self.beta, 0.0, 1.0)
        check_number("alpha", self.alpha, 1e-9, 1e6)
        check_number("eta", self.eta, 1e-9, 1e6)
        if self.start is not None:
            check_number("start", self.start, 0.0, 1e6)


class TargetDifficulty(Curriculum[TargetParams]):
    """A target op per track, moved toward the level where the pass rate is ``beta``.

    The mass sits on the two levels nearest the target, split by linear
    interpolation. The target moves once per :meth:`observe` call, by the mean
    verified pass rate of that call's groups on the track: call ``observe`` once
    per training step, as AdaRFT updates once per batch.
    """

    name: ClassVar[str] = "target-difficulty"
    params_type: ClassVar[type[Any]] = TargetParams

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = self.config.op_min if self.params.start is None else self.params.start
        start = min(max(float(start), self.config.op_min), self.config.op_max)
        self._target = {track.key: start for track in self.tracks}

    @property
    def targets(self) -> dict[str, float]:
        """The current target op of every track, by track key."""
        with self._lock:
            return dict(self._target)

    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        masses = np.zeros(len(self.arms))
        for track in self.tracks:
            block = self.track_slice(track)
            t = self._target[track.key] - self.config.op_min
            lo = min(math.floor(t), len(self.config.ops) - 1)
            frac = t - lo
            masses[block.start + lo] += 1.0 - frac
            if frac > 0:
                masses[block.start + lo + 1] += frac
        return masses

    def _update(self, results: Sequence[GroupResult]) -> None:
        p = self.params
        for track in self.tracks:
            groups = [g for g in results if g.arm.track == track]
            samples = sum(g.size for g in groups)
            if not samples:
                continue
            reward = sum(g.n_verified for g in groups) / samples
            moved = self._target[track.key] + p.eta * math.tanh(p.alpha * (reward - p.beta))
            self._target[track.key] = min(max(moved, self.config.op_min), self.config.op_max)

    def _state(self) -> dict[str, Any]:
        return {"target": dict(sorted(self._target.items()))}

    def _load_state(self, state: dict[str, Any]) -> None:
        self._target = {k: float(v) for k, v in state["target"].items()}

    def _metrics(self) -> dict[str, float]:
        return {f"curriculum/target/{k}": v for k, v in sorted(self._target.items())}
