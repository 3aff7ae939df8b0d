"""The curriculum protocol and the machinery every strategy shares.

A curriculum proposes task specs and observes scored groups::

    specs = curriculum.propose(n)          # list[edgegym.tasks.TaskSpec]
    metrics = curriculum.observe(groups)   # list[GroupResult] -> dict of floats to log
    state = curriculum.state_dict()        # plain JSON; load_state_dict(state) restores it

:class:`Curriculum` implements this once: a lock (one curriculum can serve many
rollout workers), the competence tracker, counter-based randomness and the
translation of arms into specs. A strategy subclass only says how to spread the
sampling mass over the configured arms (:meth:`Curriculum.masses`) and, if it
keeps state of its own, how to update and serialize it.

Determinism: the draw of the k-th :meth:`propose` call uses a generator seeded by
``SeedSequence((seed, PROPOSE_STREAM, k))``, never by how many numbers were drawn
before. Spec indices come from a running count of specs issued, so no two specs of
one curriculum are the same problem. Results are sorted before they are folded, so
their order never matters. All of it lives in :meth:`state_dict`, so a run that is
saved and resumed proposes exactly what an uninterrupted run would.
"""

from __future__ import annotations

import abc
import os
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import numpy as np

from edgegym.curricula._io import write_json_atomic
from edgegym.curricula.arms import Arm, GroupResult, Track
from edgegym.curricula.config import CurriculumConfig
from edgegym.curricula.tracker import CompetenceTracker
from edgegym.tasks import TaskSpec
from edgegym.tasks.checks import check_int
from edgegym.tasks.io import read_json

__all__ = [
    "PROPOSE_STREAM",
    "STATE_KEYS",
    "STATE_VERSION",
    "Curriculum",
    "Params",
    "Proposer",
    "check_state",
    "systematic",
]

STATE_VERSION = 1
"""Bumped whenever the meaning of a saved state changes."""
STATE_KEYS = (
    "config",
    "issued",
    "observed_groups",
    "observed_zero_variance",
    "params",
    "proposals",
    "proposed",
    "strategy",
    "strategy_state",
    "tracker",
    "version",
)
"""The fields of a saved state (:meth:`Curriculum.state_dict`)."""
PROPOSE_STREAM = 0x50524F50  # "PROP": keeps proposal draws apart from other uses of the seed


def check_state(state: object) -> None:
    """``ValueError`` unless ``state`` looks like :meth:`Curriculum.state_dict` output: a
    JSON object with exactly :data:`STATE_KEYS`, its objects objects."""
    if not isinstance(state, dict):
        raise ValueError(f"a curriculum state must be a JSON object, got {type(state).__name__}")
    missing = sorted(set(STATE_KEYS) - set(state))
    extra = sorted(set(state) - set(STATE_KEYS))
    if missing or extra:
        raise ValueError(f"not a curriculum state: missing {missing}, unknown {extra}")
    for key in ("config", "params", "proposed", "tracker", "strategy_state"):
        if not isinstance(state[key], dict):
            raise ValueError(f"curriculum state field {key!r} must be a JSON object")


@runtime_checkable
class Proposer(Protocol):
    """What an env or a trainer needs from a curriculum: every strategy here, the envs'
    fixed and uniform proposers, and any object with these two methods."""

    def propose(self, n: int) -> list[TaskSpec]:
        """The next ``n`` specs to play."""
        ...

    def observe(self, results: Sequence[GroupResult]) -> object:
        """Fold in scored groups (an env sends one one-sample group per episode)."""
        ...


class Params(Protocol):
    """A strategy's frozen hyperparameters."""

    def to_dict(self) -> dict[str, Any]: ...


P = TypeVar("P", bound=Params)


def systematic(masses: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` indices with probabilities ``masses`` by systematic resampling.

    Every index's count is within one of ``n * mass``, so a floor of mass really is a
    floor in every batch, and an index of zero mass is never drawn.
    """
    cdf = np.cumsum(masses)
    cdf = cdf / cdf[-1]  # exact 1.0 from the last arm with mass onwards
    points = (rng.random() + np.arange(n)) / n
    return np.searchsorted(cdf, points, side="right")


class Curriculum(abc.ABC, Generic[P]):
    """Base class of the strategies: proposes specs, folds scored groups, saves state.

    Args:
        config: The arm space and spec defaults.
        params: The strategy's hyperparameters (its ``params_type`` default if omitted).
    """

    name: ClassVar[str]
    """Registry name, e.g. ``"frontier"``."""
    params_type: ClassVar[type[Any]]
    """The dataclass of the strategy's hyperparameters."""

    def __init__(self, config: CurriculumConfig | None = None, params: P | None = None) -> None:
        self.config = config or CurriculumConfig()
        self.params: P = params if params is not None else self.params_type()
        if not isinstance(self.params, self.params_type):
            raise ValueError(
                f"params must be a {self.params_type.__name__}, got {type(self.params).__name__}"
            )
        self.tracker = CompetenceTracker(self.config.tracker)
        self.arms: tuple[Arm, ...] = self.config.arms
        self.tracks: tuple[Track, ...] = self.config.tracks
        self._lock = threading.RLock()
        self._proposals = 0  # propose() calls so far: the step of the proposal stream
        self._issued = 0  # specs issued so far: the next spec index
        self._proposed: dict[Arm, int] = {}
        self._observed_groups = 0
        self._observed_zero_variance = 0
        self._check_params()

    # -- what a strategy provides ---------------------------------------------------------

    def _check_params(self) -> None:
        """Raise ``ValueError`` if the params do not fit the config."""

    @abc.abstractmethod
    def _masses(self, rng: np.random.Generator) -> np.ndarray:
        """Sampling mass of every arm of ``self.arms`` (non-negative, not all zero)."""

    def _update(self, results: Sequence[GroupResult]) -> None:
        """Update the strategy's own state after the tracker has folded ``results``."""

    def _state(self) -> dict[str, Any]:
        """The strategy's own state as plain JSON."""
        return {}

    def _load_state(self, state: dict[str, Any]) -> None:
        """Restore :meth:`_state` output."""

    def _metrics(self) -> dict[str, float]:
        """Strategy-specific numbers to log after each :meth:`observe`."""
        return {}

    # -- the protocol ---------------------------------------------------------------------

    def propose(self, n: int) -> list[TaskSpec]:
        """The next ``n`` task specs, in a shuffled order."""
        check_int("n", n, 0)
        with self._lock:
            rng = self._rng(self._proposals)
            masses = self._checked_masses(rng)
            picks = rng.permutation(systematic(masses, n, rng)) if n else np.empty(0, dtype=int)
            specs = [self._spec(self.arms[int(i)], self._issued + j) for j, i in enumerate(picks)]
            for spec in specs:
                arm = Arm.of(spec)
                self._proposed[arm] = self._proposed.get(arm, 0) + 1
            self._proposals += 1
            self._issued += n
            return specs

    def observe(self, results: Sequence[GroupResult]) -> dict[str, float]:
        """Fold scored groups into the competence estimates; returns metrics to log."""
        groups = list(results)
        for group in groups:
            if not isinstance(group, GroupResult):
                raise ValueError(f"results must be GroupResult objects, got {type(group).__name__}")
        groups.sort(key=GroupResult.sort_key)
        with self._lock:
            self.tracker.observe(groups)
            self._update(groups)
            zero = sum(g.zero_variance for g in groups)
            self._observed_groups += len(groups)
            self._observed_zero_variance += zero
            metrics = {
                "curriculum/groups": float(len(groups)),
                "curriculum/zero_variance": zero / len(groups) if groups else 0.0,
                "curriculum/zero_variance_total": self._observed_zero_variance
                / max(self._observed_groups, 1),
            }
            metrics.update(self._metrics())
            return metrics

    def masses(self) -> dict[Arm, float]:
        """The distribution the next :meth:`propose` call will draw from."""
        with self._lock:
            masses = self._checked_masses(self._rng(self._proposals))
            total = float(masses.sum())
            return {arm: float(m) / total for arm, m in zip(self.arms, masses, strict=True)}

    def proposed_counts(self) -> dict[Arm, int]:
        """How many specs of each arm have been issued so far."""
        with self._lock:
            return dict(sorted(self._proposed.items()))

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly, as plain JSON (sorted-key safe, finite)."""
        with self._lock:
            return {
                "version": STATE_VERSION,
                "strategy": self.name,
                "config": self.config.to_dict(),
                "params": self.params.to_dict(),
                "proposals": self._proposals,
                "issued": self._issued,
                "proposed": {arm.key: c for arm, c in sorted(self._proposed.items())},
                "observed_groups": self._observed_groups,
                "observed_zero_variance": self._observed_zero_variance,
                "tracker": self.tracker.state_dict(),
                "strategy_state": self._state(),
            }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` output of a curriculum with the same strategy and config.

        Raises:
            ValueError: not such a state (missing or malformed fields, another version,
                strategy, config or params); the curriculum is left as it was.
        """
        check_state(state)
        try:
            self._load_checked(state)
        except (KeyError, TypeError, AttributeError, IndexError, OverflowError) as err:
            raise ValueError(f"malformed curriculum state: {err!r}") from None

    def _load_checked(self, state: dict[str, Any]) -> None:
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"state version must be {STATE_VERSION}, got {state.get('version')!r}")
        if state.get("strategy") != self.name:
            raise ValueError(f"state is for strategy {state.get('strategy')!r}, not {self.name!r}")
        if CurriculumConfig.from_dict(state["config"]) != self.config:
            raise ValueError("state config differs from this curriculum's config")
        if state["params"] != self.params.to_dict():
            raise ValueError(f"state params {state['params']} differ from {self.params.to_dict()}")
        with self._lock:
            saved = self.state_dict()
            try:
                self._load_fields(state)
            except BaseException:
                self._load_fields(saved)  # all or nothing
                raise

    def _load_fields(self, state: dict[str, Any]) -> None:
        with self._lock:
            self.tracker.load_state_dict(state["tracker"])
            self._proposals = int(state["proposals"])
            self._issued = int(state["issued"])
            self._proposed = {Arm.parse(k): int(v) for k, v in state["proposed"].items()}
            self._observed_groups = int(state["observed_groups"])
            self._observed_zero_variance = int(state["observed_zero_variance"])
            self._load_state(state["strategy_state"])

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`state_dict` atomically (temp file, fsync, rename)."""
        write_json_atomic(path, self.state_dict())

    def restore(self, path: str | os.PathLike[str]) -> None:
        """Load a state written by :meth:`save` into this curriculum (``ValueError`` names
        the file)."""
        state = read_json(path)
        try:
            self.load_state_dict(state)
        except ValueError as err:
            raise ValueError(f"{path}: {err}") from None

    # -- helpers --------------------------------------------------------------------------

    def _rng(self, step: int) -> np.random.Generator:
        return np.random.Generator(
            np.random.PCG64(np.random.SeedSequence([self.config.seed, PROPOSE_STREAM, step]))
        )

    def _checked_masses(self, rng: np.random.Generator) -> np.ndarray:
        masses = np.asarray(self._masses(rng), dtype=np.float64)
        if masses.shape != (len(self.arms),):
            raise RuntimeError(
                f"{self.name}: masses of shape {masses.shape}, expected ({len(self.arms)},)"
            )
        if not np.all(np.isfinite(masses)) or np.any(masses < 0) or masses.sum() <= 0:
            raise RuntimeError(f"{self.name}: masses must be finite, >= 0 and not all 0")
        return masses

    def _spec(self, arm: Arm, index: int) -> TaskSpec:
        return TaskSpec(
            family=arm.family,
            context=arm.context,
            mode=arm.mode,  # type: ignore[arg-type]  # arms come from config.modes
            op=arm.op,
            split=self.config.split,
            seed=self.config.seed,
            index=index,
            config=self.config.task,
        )

    def track_slice(self, track: Track) -> slice:
        """Positions of ``track``'s arms within ``self.arms`` (ops ascending)."""
        start = self.tracks.index(track) * len(self.config.ops)
        return slice(start, start + len(self.config.ops))

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]  # locks do not pickle; a copy gets its own
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()
