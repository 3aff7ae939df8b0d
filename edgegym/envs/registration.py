"""Every Gymnasium id edgegym provides, registered in this one file.

Importing ``edgegym`` imports this module, so ``gym.make("edgegym/Reason-v0")`` works after
``import edgegym`` and ``gym.make("edgegym:edgegym/Reason-v0")`` works with no import at all
(Gymnasium imports the module named before the colon). Entry points are strings, so
registering imports no env code. Ids are versioned: a change that alters the output for a
fixed seed registers a new version and adds a line to the env's Version History.

The ids live in the ``edgegym`` namespace (:data:`ENV_IDS`). The short ids of earlier
releases (``Reason-v0``, ``ReasonStep-v0``: :data:`ALIASES`) are registered too, as
aliases with the same entry point, unless another package registered that id first: then
theirs is kept, edgegym warns once (:class:`AliasTakenWarning`) and only the namespaced id
refers to edgegym's env. Importing edgegym never replaces another package's env.

Registering a namespaced id twice is an error (:class:`gymnasium.error.RegistrationError`),
where Gymnasium itself would only warn and silently replace the first registration; the
import-time :func:`register_all` skips ids that already name edgegym's own entry point (a
reloaded module).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import gymnasium as gym

__all__ = [
    "ALIASES",
    "ENTRIES",
    "ENV_IDS",
    "STEP_LIMIT",
    "AliasTakenWarning",
    "EnvEntry",
    "register",
    "register_all",
]

STEP_LIMIT = 64
"""``ReasonStep-v0``'s ``TimeLimit``: op <= 40 gives at most 40 steps, plus preamble,
equation block and answer in reverse mode."""

NAMESPACE = "edgegym"


class AliasTakenWarning(UserWarning):
    """A short id (``Reason-v0``) belongs to another package; use the namespaced id."""


@dataclass(frozen=True)
class EnvEntry:
    """One registered id."""

    id: str
    entry_point: str
    max_episode_steps: int | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()


ENTRIES: tuple[EnvEntry, ...] = (
    EnvEntry(f"{NAMESPACE}/Reason-v0", "edgegym.envs.reason:ReasonEnv"),
    EnvEntry(f"{NAMESPACE}/ReasonStep-v0", "edgegym.envs.reason_step:ReasonStepEnv", STEP_LIMIT),
)
ENV_IDS: tuple[str, ...] = tuple(e.id for e in ENTRIES)
"""The namespaced ids, in registration order."""

ALIASES: dict[str, str] = {e.id.removeprefix(f"{NAMESPACE}/"): e.id for e in ENTRIES}
"""Short id -> namespaced id, registered when the short id is free."""


def register(entry: EnvEntry) -> None:
    """Register one id; raises ``RegistrationError`` if the id is already registered."""
    if entry.id in gym.registry:
        raise gym.error.RegistrationError(
            f"environment id {entry.id!r} is already registered (by "
            f"{gym.registry[entry.id].entry_point!r}); edgegym refuses to override it"
        )
    gym.register(
        id=entry.id,
        entry_point=entry.entry_point,
        max_episode_steps=entry.max_episode_steps,
        kwargs=dict(entry.kwargs),
    )


def _ours(env_id: str, entry: EnvEntry) -> bool:
    """Whether ``env_id`` is registered with ``entry``'s entry point already."""
    return env_id in gym.registry and gym.registry[env_id].entry_point == entry.entry_point


def register_all() -> None:
    """Register :data:`ENTRIES` and the free :data:`ALIASES` (run when this module is imported).

    Raises:
        RegistrationError: a namespaced id names another package's entry point.
    """
    for entry in ENTRIES:
        if not _ours(entry.id, entry):
            register(entry)
    for alias, target in ALIASES.items():
        entry = next(e for e in ENTRIES if e.id == target)
        if _ours(alias, entry):
            continue
        if alias in gym.registry:
            warnings.warn(
                f"Gymnasium id {alias!r} is already registered by "
                f"{gym.registry[alias].entry_point!r}; edgegym keeps it and registers its env "
                f"only as {target!r}",
                AliasTakenWarning,
                stacklevel=2,
            )
            continue
        register(replace(entry, id=alias))


register_all()
