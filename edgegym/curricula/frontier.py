"""Frontier: the default strategy, a moving edge of competence per track.

Each track (family, context, mode) has a frontier level ``h``: the lowest op not
yet mastered (RLVE, Zeng et al. 2025). It only moves up, and only when the
tracker's lower confidence bound at ``h`` reaches the mastery threshold with
enough samples, so reward noise cannot push it around. A track's mass goes to:

- the **window**, from ``h`` up: at least ``window`` levels, growing (up to
  ``max_window``) while its top level still looks easier than ``reach``, so that
  it spans the whole edge however gently the pass rate falls with op. Inside it,
  levels are weighted by learnability ``(4 p (1 - p)) ** sharpness + epsilon``
  with ``p`` the posterior mean: LILO's p(1 - p), sharpened so that the budget
  goes where a group of G samples is rarely all right or all wrong;
- a **check** share of the window on ``h`` itself once it looks mastered (its
  posterior median reaches the threshold), so its mastery is confirmed quickly
  and the frontier does not lag;
- **look-ahead probes** on the ``probe_depth`` levels just above the window
  (mass ``lookahead``), so progress beyond the window is seen early;
- a **replay floor** on the mastered levels below ``h`` (mass ``replay``, spread
  evenly), so forgetting is noticed and those levels are never starved.

Tracks share the budget equally. The defaults were tuned on simulated students
(``benchmarks/curriculum.py``): sharper weights and a smaller replay and probe
mass cut zero-variance groups; the check share keeps the frontier within one
level of the student's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from edgegym.curricula._params import ParamsMixin
from edgegym.curricula.arms import GroupResult, Track
from edgegym.curricula.base import Curriculum
from edgegym.tasks.checks import check_int, check_number

__all__ = ["Frontier", "FrontierParams"]


@dataclass(frozen=True, kw_only=True)
class FrontierParams(ParamsMixin):
    """Hyperparameters of :class:`Frontier` (RLVE's window plus LILO's weights)."""

    window: int = 4
    """Least number of levels, from the frontier up, that share the training mass (RLVE: 4)."""
    max_window: int = 8
    """Most levels in the window: it grows while its top level still looks easy."""
    reach: float = 0.25
    """The window grows upward until its top level's estimated pass rate is at most this."""
    sharpness: float = 4.0
    """Exponent on the learnability weight; 1 is LILO's p(1 - p)."""
    epsilon: float = 0.02
    """Weight added to every window level, so none starves."""
    check: float = 0.2
    """Least share of the window's mass on the frontier level once it looks mastered."""
    lookahead: float = 0.03
    """Mass on the probe levels above the window."""
    probe_depth: int = 2
    """Number of probe levels above the window."""
    replay: float = 0.03
    """Mass floor on the mastered levels below the frontier."""
    start: int | None = None
    """Initial frontier op (``op_min`` if None)."""

    def __post_init__(self) -> None:
        for name in ("window", "max_window", "probe_depth"):
            check_int(name, getattr(self, name), 1)
        if self.max_window < self.window:
            raise ValueError(f"max_window must be >= window ({self.window}), got {self.max_window}")
        check_number("reach", self.reach, 0.0, 1.0)
        check_number("sharpness", self.sharpness, 0.0, 16.0)
        check_number("epsilon", self.epsilon, 0.0, 1.0)
        check_number("check", self.check, 0.0, 1.0)
        check_number("lookahead", self.lookahead, 0.0, 0.5)
        check_number("replay", self.replay, 0.0, 0.5)
        if self.start is not None:
            check_int("start (an int or None)", self.start, 0)


class Frontier(Curriculum[FrontierParams]):
    """A frontier level per track with learnability weights, probes and replay."""

    name: ClassVar[str] = "frontier"
    params_type: ClassVar[type[Any]] = FrontierParams

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        start = self.config.op_min if self.params.start is None else self.params.start
        self._frontier = {track.key: start for track in self.tracks}
        self._history: list[list[Any]] = [[0, t.key, start] for t in self.tracks]

    def _check_params(self) -> None:
        start = self.params.start
        if start is not None and not self.config.op_min <= start <= self.config.op_max:
            raise ValueError(
                f"start must be in [{self.config.op_min}, {self.config.op_max}], got {start}"
            )

    @property
    def frontier(self) -> dict[str, int]:
        """The frontier op of every track, by track key (``op_max + 1`` once all are mastered)."""
        with self._lock:
            return dict(self._frontier)

    @property
    def history(self) -> list[tuple[int, str, int]]:
        """Every frontier move as (tracker update, track key, new frontier)."""
        with self._lock:
            return [(int(u), str(k), int(h)) for u, k, h in self._history]

    def regions(self, track: Track) -> tuple[range, range, range]:
        """(replay, window, probe) op ranges of ``track`` under the current frontier."""
        lo, hi, p = self.config.op_min, self.config.op_max, self.params
        h = self._frontier[track.key]
        top = min(h + p.window - 1, hi)
        while top < min(h + p.max_window - 1, hi) and self.tracker.mean(track.arm(top)) > p.reach:
            top += 1
        bottom = max(lo, min(h, top - p.window + 1))  # past op_max the window stays full
        return (
            range(lo, bottom),
            range(bottom, top + 1),
            range(top + 1, min(top + p.probe_depth, hi) + 1),
        )

    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        masses = np.zeros(len(self.arms))
        for track in self.tracks:
            masses[self.track_slice(track)] = self._track_masses(track) / len(self.tracks)
        return masses

    def _track_masses(self, track: Track) -> np.ndarray:
        p, lo = self.params, self.config.op_min
        replay, window, probes = self.regions(track)
        out = np.zeros(len(self.config.ops))
        replay_mass = p.replay if len(replay) else 0.0
        probe_mass = p.lookahead if len(probes) else 0.0
        for op in replay:
            out[op - lo] = replay_mass / len(replay)
        for op in probes:
            out[op - lo] = probe_mass / len(probes)
        shares = self._window_shares(track, window)
        out[window.start - lo : window.stop - lo] = (1.0 - replay_mass - probe_mass) * shares
        return out

    def _window_shares(self, track: Track, window: range) -> np.ndarray:
        """Learnability shares of the window levels, with the check share on the frontier."""
        p = self.params
        means = np.array([self.tracker.mean(track.arm(op)) for op in window])
        weights = (4.0 * means * (1.0 - means)) ** p.sharpness + p.epsilon
        if weights.sum() <= 0:  # every mean at 0 or 1 with epsilon 0
            weights = np.ones(len(window))
        shares: np.ndarray = weights / weights.sum()
        h = self._frontier[track.key]
        if h not in window:
            return shares
        i = h - window.start
        # Only once the frontier level looks mastered (posterior median at the threshold) but is
        # not yet confirmed does it need extra samples; before that it is one more window level.
        looks_mastered = self.tracker.plausible(track.arm(h), self.config.tracker.mastery, 0.5)
        if looks_mastered and shares[i] < p.check:
            shares = shares * (1.0 - p.check) / (1.0 - shares[i])
            shares[i] = p.check
        return shares

    def _update(self, results: Sequence[GroupResult]) -> None:
        for track in self.tracks:
            h = self._frontier[track.key]
            while h <= self.config.op_max and self.tracker.mastered(track.arm(h)):
                h += 1
            if h != self._frontier[track.key]:
                self._frontier[track.key] = h
                self._history.append([self.tracker.updates, track.key, h])

    def _state(self) -> dict[str, Any]:
        return {"frontier": dict(sorted(self._frontier.items())), "history": self._history}

    def _load_state(self, state: dict[str, Any]) -> None:
        self._frontier = {k: int(v) for k, v in state["frontier"].items()}
        self._history = [list(entry) for entry in state["history"]]

    def _metrics(self) -> dict[str, float]:
        return {f"curriculum/frontier/{k}": float(v) for k, v in sorted(self._frontier.items())}
