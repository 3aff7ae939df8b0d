"""Task families: spec -> Problem. There is one family, ``dag``. Envs and curricula see
only :class:`~edgegym.tasks.TaskSpec` and :class:`~edgegym.tasks.Problem`, but a second
family would touch more than ``FAMILIES``: ``TaskSpec.config`` is a
:class:`~edgegym.tasks.DagConfig`, and the rewards read the DAG family's trace grammar."""

from __future__ import annotations

from typing import Protocol

from edgegym.tasks.generate import generate_dag
from edgegym.tasks.record import Problem
from edgegym.tasks.spec import TaskSpec

__all__ = ["FAMILIES", "Family", "generate"]


class Family(Protocol):
    """A task family: turns a spec into a problem with its gold trace and graph."""

    def __call__(self, spec: TaskSpec, *, exclude: frozenset[str] = ...) -> Problem: ...


FAMILIES: dict[str, Family] = {"dag": generate_dag}
"""Registered families by name."""


def generate(spec: TaskSpec, *, exclude: frozenset[str] = frozenset()) -> Problem:
    """The problem of ``spec``: a pure function of it (same spec, same bytes).

    Args:
        spec: what to generate.
        exclude: graph hashes to avoid (a leakage guard against another data set).
    """
    try:
        family = FAMILIES[spec.family]
    except KeyError:
        raise ValueError(f"unknown family {spec.family!r}; known: {sorted(FAMILIES)}") from None
    return family(spec, exclude=exclude)
