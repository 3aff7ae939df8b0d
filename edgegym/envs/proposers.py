"""Where an env's problems come from: the curriculum protocol and two simple proposers.

An env draws each episode's :class:`~edgegym.tasks.TaskSpec` either itself (uniformly over
its ``op`` range, contexts and modes, from its ``np_random``) or from a *curriculum*: any
object with ``propose(n) -> list[TaskSpec]`` and ``observe(results)``. After each episode
the env calls ``observe([GroupResult])`` with a group of one sample (see
``edgegym.curricula.arms``). The protocol is :class:`edgegym.curricula.base.Proposer`,
exported here as ``Curriculum``. The adaptive curricula live in ``edgegym.curricula``
and follow it; here are the two that need no state to adapt:

- :class:`FixedProposer` cycles through a fixed list of specs (one spec: the same problem
  every episode);
- :class:`UniformProposer` draws uniformly, like the env's own sampler, from its own seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from edgegym.curricula.arms import GroupResult
from edgegym.curricula.base import Proposer as Curriculum  # the protocol, under the envs' name
from edgegym.tasks.spec import DagConfig, TaskSpec, stable_int

__all__ = [
    "Curriculum",
    "FixedProposer",
    "UniformProposer",
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


class UniformProposer:
    """Proposes specs uniformly over an op range, contexts and modes, from its own seed.

    Args:
        op: one op count or an inclusive ``(lo, hi)`` range.
        contexts: context names to draw from.
        modes: modes to draw from.
        split: problem split.
        seed: task seed of the specs; also seeds the proposer's own generator.
        dag: family knobs for every spec.
    """

    def __init__(
        self,
        *,
        op: int | tuple[int, int] | list[int] = (2, 10),
        contexts: Sequence[str] = ("zoo", "teacher", "movie"),
        modes: Sequence[str] = ("forward", "reverse"),
        split: str = "train",
        seed: int = 0,
        dag: DagConfig | None = None,
    ) -> None:
        from edgegym.envs.config import EnvConfig  # validates exactly as the env does

        cfg = EnvConfig(
            op=op if isinstance(op, int) else tuple(op),  # type: ignore[arg-type]
            contexts=tuple(contexts),
            modes=tuple(modes),
            split=split,
            seed=seed,
            dag=dag or DagConfig(),
        )
        self.config = cfg
        self._rng = np.random.default_rng(np.random.SeedSequence([seed, stable_int("uniform")]))

    def propose(self, n: int) -> list[TaskSpec]:
        """``n`` fresh specs."""
        cfg = self.config
        return [
            sample_spec(
                self._rng,
                op=cfg.op_range,
                contexts=cfg.contexts,
                modes=cfg.modes,
                split=cfg.split,
                seed=cfg.seed,
                dag=cfg.dag,
            )
            for _ in range(n)
        ]

    def observe(self, results: Sequence[GroupResult]) -> dict[str, float]:
        """Ignored: uniform sampling does not adapt."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """Plain JSON: the generator's state."""
        return {"bit_generator": self._rng.bit_generator.state}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._rng.bit_generator.state = state["bit_generator"]
