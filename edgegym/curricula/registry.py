"""Strategies by name, and curricula rebuilt from saved states."""

from __future__ import annotations

import os
from typing import Any

from edgegym.curricula.base import Curriculum, check_state
from edgegym.curricula.config import CurriculumConfig
from edgegym.curricula.frontier import Frontier
from edgegym.curricula.strategies import FixedBand, Learnability, TargetDifficulty, Uniform
from edgegym.tasks.io import read_json

__all__ = ["DEFAULT_STRATEGY", "STRATEGIES", "from_state", "load_curriculum", "make_curriculum"]

STRATEGIES: dict[str, type[Curriculum[Any]]] = {
    cls.name: cls for cls in (Frontier, Learnability, TargetDifficulty, FixedBand, Uniform)
}
"""Every strategy class by its registry name."""
DEFAULT_STRATEGY = Frontier.name


def make_curriculum(
    strategy: str = DEFAULT_STRATEGY, config: CurriculumConfig | None = None, **params: Any
) -> Curriculum[Any]:
    """A fresh curriculum of the named strategy; ``params`` are its hyperparameters.

    Raises:
        ValueError: an unknown strategy name or hyperparameter.
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {sorted(STRATEGIES)}, got {strategy!r}")
    cls = STRATEGIES[strategy]
    try:
        hyper = cls.params_type(**params)
    except TypeError as err:  # an unknown keyword
        raise ValueError(f"bad parameters for {strategy!r}: {err}") from err
    return cls(config, hyper)


def from_state(state: dict[str, Any]) -> Curriculum[Any]:
    """Rebuild the curriculum that produced ``state`` (strategy, config, params, progress).

    Raises:
        ValueError: ``state`` is not a curriculum state (missing or malformed fields).
    """
    check_state(state)
    try:
        config = CurriculumConfig.from_dict(state["config"])
    except (KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"malformed curriculum config: {err!r}") from None
    curriculum = make_curriculum(str(state["strategy"]), config, **state["params"])
    curriculum.load_state_dict(state)
    return curriculum


def load_curriculum(path: str | os.PathLike[str]) -> Curriculum[Any]:
    """Rebuild a curriculum from a file written by :meth:`Curriculum.save`.

    Raises:
        ValueError: naming the file (and line, for bad JSON) of what is wrong.
    """
    state = read_json(path)
    try:
        return from_state(state)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
