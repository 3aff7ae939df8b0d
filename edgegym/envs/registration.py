"""Every Gymnasium id edgegym provides, registered in this one file.

Importing ``edgegym`` imports this module, so ``gym.make("Reason-v0")`` works after
``import edgegym`` and ``gym.make("edgegym:Reason-v0")`` works with no import at all
(Gymnasium imports the module named before the colon). Entry points are strings, so
registering imports no env code. Ids are versioned: a change that alters the output for a
fixed seed registers a new version and adds a line to the env's Version History.

Registering an id twice is an error (:class:`gymnasium.error.RegistrationError`), where
Gymnasium itself would only warn and silently replace the first registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym

__all__ = ["ENTRIES", "ENV_IDS", "STEP_LIMIT", "EnvEntry", "register", "register_all"]

STEP_LIMIT = 64
"""``ReasonStep-v0``'s ``TimeLimit``: op <= 40 gives at most 40 steps, plus preamble,
equation block and answer in reverse mode."""


@dataclass(frozen=True)
class EnvEntry:
    """One registered id."""

    id: str
    entry_point: str
    max_episode_steps: int | None = None
    kwargs: tuple[tuple[str, Any], ...] = ()


ENTRIES: tuple[EnvEntry, ...] = (
    EnvEntry("Reason-v0", "edgegym.envs.reason:ReasonEnv"),
    EnvEntry("ReasonStep-v0", "edgegym.envs.reason_step:ReasonStepEnv", STEP_LIMIT),
)
ENV_IDS: tuple[str, ...] = tuple(e.id for e in ENTRIES)
"""The registered ids, in registration order."""


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


def register_all() -> None:
    """Register every entry of :data:`ENTRIES` (called once, when this module is imported)."""
    for entry in ENTRIES:
        register(entry)


register_all()
