"""edgegym's problems as a reasoning-gym dataset, scored by :mod:`edgegym.rewards`.

Importing this module registers the dataset ``"edgegym"`` with reasoning-gym, so that
everything that consumes reasoning-gym's registry can draw edgegym problems::

    import reasoning_gym
    import edgegym.agents.reasoning_gym  # registers "edgegym"

    data = reasoning_gym.create_dataset("edgegym", op_min=2, op_max=8, size=100, seed=1)
    entry = data[0]
    reward = data.score_answer(whole_model_response, entry)

Unlike reasoning-gym's own datasets, ``score_answer`` wants the **whole response**, the
reasoning trace included, not just the text between ``<answer>`` tags: edgegym's reward
checks every step of the trace against the problem's gold graph (the process reward), and
``strict`` (the default) pays only a verified trace. A consumer that extracts the final
answer first keeps the outcome check in ``outcome`` mode only. ``entry["answer"]`` is
therefore the gold *response* (``score_answer(entry["answer"], entry) == 1.0``, as
reasoning-gym's checks expect); the bare number is ``entry["metadata"]["final_answer"]``.
:meth:`EdgegymDataset.score_result` gives the full diagnosis (score, outcome, process,
verified, flags). Entries are plain JSON: the problem's record rides in
``entry["metadata"]["record"]``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from edgegym.agents.train.config import TaskSetup
from edgegym.rewards import MODES, Reward, RewardResult
from edgegym.tasks import DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.chat import chat_messages, completion_of
from edgegym.tasks.checks import check_int

try:
    from reasoning_gym import factory
    from reasoning_gym.dataset import ProceduralDataset
except ImportError as err:  # pragma: no cover - depends on the install
    raise ImportError(
        "the reasoning-gym adapter needs reasoning-gym: `pip install 'edgegym[reasoning-gym]'`"
    ) from err

__all__ = ["DATASET_NAME", "EdgegymConfig", "EdgegymDataset", "register"]

DATASET_NAME = "edgegym"
"""The name ``reasoning_gym.create_dataset`` knows edgegym's problems by."""


@dataclass
class EdgegymConfig:
    """reasoning-gym config of the ``edgegym`` dataset (``create_dataset`` keywords).

    Item ``i`` has op ``op_min + i % (op_max - op_min + 1)`` and is problem ``i`` of that
    setting: the same bytes for the same config, in any process.
    """

    op_min: int = 2
    op_max: int = 6
    context: str = "symbolic"
    mode: Literal["forward", "reverse"] = "forward"
    dag: dict[str, Any] = field(default_factory=dict)
    """``DagConfig`` fields (modulus, distractors, ...); defaults for the rest."""
    split: str = "train"
    reward: str = "strict"
    """``strict`` (1 iff verified), ``gated``, ``outcome`` or ``linear``."""
    alpha: float = 0.5
    prompt_format: Literal["raw", "chat"] = "chat"
    """``chat``: the question is edgegym's chat instruction and problem, and replies are
    read leniently (a leading ``<solution>``, ``<think>`` blocks, ...); ``raw``: the
    study's model text, the reply being the continuation after ``<solution>``."""
    seed: int | None = None
    size: int = 500

    def spec(self, idx: int, seed: int) -> TaskSpec:
        """The spec of item ``idx`` under ``seed``."""
        setup = TaskSetup(context=self.context, mode=self.mode, config=DagConfig.parse(self.dag))  # type: ignore[arg-type]
        op = self.op_min + idx % (self.op_max - self.op_min + 1)
        return setup.spec(op=op, split=self.split, seed=seed, index=idx)

    def validate(self) -> None:
        """Raise ``ValueError`` on a config no problem can be drawn from."""
        if not 0 < self.op_min <= self.op_max:
            raise ValueError(f"need 0 < op_min <= op_max, got {self.op_min}, {self.op_max}")
        if self.prompt_format not in ("raw", "chat"):
            raise ValueError(f"prompt_format must be raw or chat, got {self.prompt_format!r}")
        if self.reward not in MODES:
            raise ValueError(f"reward must be one of {list(MODES)}, got {self.reward!r}")
        check_int("size", self.size, 1)
        self.spec(0, 0)
        self.spec(self.op_max - self.op_min, 0)  # TaskSpec checks both ends of the range


class EdgegymDataset(ProceduralDataset):  # type: ignore[misc]
    """edgegym problems as a reasoning-gym ``ProceduralDataset`` (see the module docstring)."""

    def __init__(self, config: EdgegymConfig) -> None:
        super().__init__(config=config, seed=config.seed, size=config.size)
        lenient = config.prompt_format == "chat"
        self.reward = Reward(mode=config.reward, alpha=config.alpha, lenient=lenient)  # type: ignore[arg-type]

    def problem(self, idx: int) -> Problem:
        """The problem of item ``idx``."""
        if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < self.size:
            raise IndexError(f"index {idx!r} out of range for size {self.size}")
        return generate(self.config.spec(idx, int(self.seed)))

    def __getitem__(self, idx: int) -> dict[str, Any]:
        """Item ``idx``: ``question`` (the prompt), ``answer`` (the gold response), metadata."""
        problem = self.problem(idx)
        chat = self.config.prompt_format == "chat"
        # One string, as reasoning-gym questions are: the chat messages' contents (the
        # instruction, then the problem), a blank line apart, as the envs' chat observation.
        question = "\n\n".join(m["content"] for m in chat_messages(problem))
        return {
            "question": question if chat else problem.prompt,
            "answer": completion_of(problem, self.config.prompt_format),
            "metadata": {
                "source_dataset": DATASET_NAME,
                "source_index": idx,
                "final_answer": problem.answer,
                "difficulty": {"op": problem.op},
                "record": problem.to_record(),
            },
        }

    def score_result(self, answer: str | None, entry: dict[str, Any]) -> RewardResult:
        """The full diagnosis of ``answer``, the whole response, on ``entry``'s problem."""
        return self.reward.result(entry["metadata"]["record"], answer or "")

    def score_answer(self, answer: str | None, entry: dict[str, Any]) -> float:
        """The reward in [0, 1] of ``answer``, the **whole** response (trace and answer)."""
        return self.score_result(answer, entry).score


def register(name: str = DATASET_NAME) -> None:
    """Register the dataset with reasoning-gym under ``name`` (no-op if already ours).

    Raises:
        ValueError: ``name`` is registered to another dataset.
    """
    known = factory.DATASETS.get(name)
    if known is None:
        factory.register_dataset(name, EdgegymDataset, EdgegymConfig)
        return
    qualname = f"{known[0].__module__}.{known[0].__qualname__}"
    if qualname != f"{__name__}.EdgegymDataset":  # (a reloaded module has a new class)
        raise ValueError(f"reasoning-gym dataset {name!r} is already registered by {qualname}")
    factory.DATASETS[name] = (EdgegymDataset, EdgegymConfig)


register()
