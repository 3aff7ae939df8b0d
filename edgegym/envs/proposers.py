"""Where an env's problems come from: the curriculum protocol, the env's own draw, a fixed list.

An env draws each episode's :class:`~edgegym.tasks.TaskSpec` either itself (uniformly over
its ``op`` range, contexts and modes, from its ``np_random``) or from a *curriculum*: any
object with ``propose(n) -> list[TaskSpec]`` and ``observe(results)``. After each episode
the env calls ``observe([GroupResult])`` with a group of one sample (see
``edgegym.curricula.arms``). The protocol is :class:`edgegym.curricula.base.Proposer`,
exported here as ``Curriculum``. The adaptive curricula live in ``edgegym.curricula``
and follow it, uniform draws from a seed of their own included
(``make_curriculum("uniform", CurriculumConfig(...))``, :class:`edgegym.curricula.Uniform`).
Here are the env's own draw (:func:`sample_spec`) and the one proposer that needs no
curriculum machinery: :class:`FixedProposer` cycles through a fixed list of specs (one
spec: the same problem every episode).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from edgegym.curricula.arms import GroupResult
from edgegym.curricula.base import Proposer as Curriculum  # the protocol, under the envs' name
from edgegym.tasks.spec import DagConfig, TaskSpec

__all__ = [
    "Curriculum",
    "FixedProposer",
    "sample_spec",
]


def sample_spec(
    rng: np.random.Generator,
    *,
    op: tuple[int, int],
    contexts: Sequence[str],
    modes: Sequence[str],
    split: str,
    seed: int,
    dag: DagConfig,
) -> TaskSpec:
    """One spec drawn uniformly: op in ``[lo, hi]``, a context, a mode, a fresh 63-bit index.

    Draws exactly two raw 64-bit words from ``rng`` (the cheapest draw numpy offers; this
    runs once per episode): one gives the index, the other the context, the mode and the
    op by successive remainders (uniform up to a bias below 2**-50). A seeded generator
    gives the same spec in every process.
    """
    lo, hi = op
    word, choice = rng.bit_generator.random_raw(2).tolist()
    choice, context = divmod(choice, len(contexts))
    choice, mode = divmod(choice, len(modes))
    return TaskSpec(
        context=contexts[context],
        mode=modes[mode],  # type: ignore[arg-type]
        op=lo + choice % (hi - lo + 1),
        split=split,  # type: ignore[arg-type]
        seed=seed,
        index=word >> 1,  # 63 bits: TaskSpec.index < 2**63
        config=dag,
    )


class FixedProposer:
    """Proposes a fixed list of specs, round-robin (one spec: the same problem every time).

    Args:
        specs: one spec or a non-empty sequence of specs (``TaskSpec`` or its dict form).
    """

    def __init__(
        self, specs: TaskSpec | dict[str, object] | Sequence[TaskSpec | dict[str, object]]
    ) -> None:
        items = [specs] if isinstance(specs, TaskSpec | dict) else list(specs)
        if not items:
            raise ValueError("FixedProposer needs at least one spec, got an empty sequence")
        self.specs: tuple[TaskSpec, ...] = tuple(
            s if isinstance(s, TaskSpec) else TaskSpec.from_dict(dict(s)) for s in items
        )
        self._next = 0

    def propose(self, n: int) -> list[TaskSpec]:
        """The next ``n`` specs of the cycle."""
        out = [self.specs[(self._next + i) % len(self.specs)] for i in range(n)]
        self._next = (self._next + n) % len(self.specs)
        return out

    def observe(self, results: Sequence[GroupResult]) -> dict[str, float]:
        """Ignored: a fixed list does not adapt."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Plain JSON: the position in the cycle."""
        return {"next": self._next}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._next = int(state["next"]) % len(self.specs)
