"""edgegym in verl: the reward function, a reward manager that keeps the tags, a curriculum sampler.

Data: ``edgegym export verl --out data/`` writes ``train.parquet`` and ``val.parquet`` in
verl's RL schema (:mod:`edgegym.agents.export`). Reward, in verl's config::

    data.train_files=data/train.parquet data.val_files=data/val.parquet
    reward.custom_reward_function.path=pkg://edgegym.agents.verl
    reward.custom_reward_function.name=compute_score
    # optional: +reward.custom_reward_function.reward_kwargs.mode=strict

:func:`compute_score` returns ``{"score", "outcome", "process", "verified"}``; verl logs
every key. Rows exported in chat format carry ``extra_info.lenient = true``, so chat replies
(``<solution> ... </solution> <answer> N </answer>``, ``<think>`` blocks) are read leniently.

**Special tokens.** verl's reward managers decode responses with
``skip_special_tokens=True``. With an instruct model's tokenizer the tags are plain text and
nothing is lost; with edgegym's own tokenizers (:mod:`edgegym.agents.tokenizer`) the six tags
are special tokens, the decoded text has none, and every reply would score 0. Use the reward
manager here, which decodes with the tags kept::

    reward.reward_manager.source=importlib
    reward.reward_manager.module.path=pkg://edgegym.agents.verl
    reward.reward_manager.name=EdgegymRewardManager

If replies arrive stripped anyway (the first 8 replies all hold ``Define`` steps and no
``<`` at all), :func:`compute_score` raises ``RuntimeError`` saying so instead of returning
silent zeros.

**Curriculum.** :class:`CurriculumSampler` is a sampler over the exported rows: each index it
yields is a row of the (context, mode, op) arm an edgegym curriculum proposes, and
:meth:`CurriculumSampler.update` feeds the curriculum the scored batch. It is built on
verl's ``AbstractCurriculumSampler`` (``__init__(data_source, data_config)``,
``update(batch)``) where verl has it, so verl releases with that hook
(``data.sampler.class_path=pkg://edgegym.agents.verl``,
``data.sampler.class_name=CurriculumSampler``) call ``update`` after each step; verl 0.9
dropped the hook: pass the sampler as ``RayPPOTrainer(..., train_sampler=sampler)`` and call
``sampler.update(batch)`` after the batch is scored (a ``RayPPOTrainer`` subclass).
``state_dict``/``load_state_dict`` carry the curriculum through verl's checkpoints.

Importing this module imports verl's sampler base if verl is installed (torch's otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from edgegym.curricula import Arm, CurriculumConfig, GroupResult, SampleOutcome, make_curriculum
from edgegym.rewards import RewardResult, shared_reward
from edgegym.tasks.trace import STEP_HEAD

__all__ = [
    "MODULE_PATH",
    "STRIP_GUARD",
    "CurriculumSampler",
    "StripGuard",
    "compute_score",
    "decode_with_tags",
]

MODULE_PATH = "pkg://edgegym.agents.verl"
"""This module for verl's ``custom_reward_function.path`` and ``reward_manager.module.path``."""

_GUARD_AFTER = 8


class StripGuard:
    """Notices replies whose tags were stripped by the decoder (see the module docstring)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Watch the next replies afresh."""
        self.stripped = 0
        self.clear = False

    def check(self, text: str) -> None:
        if self.clear:
            return
        if "<" in text or STEP_HEAD not in text:
            self.clear = True  # a reply with tags (or no trace at all): decoding keeps them
            return
        self.stripped += 1
        if self.stripped >= _GUARD_AFTER:
            raise RuntimeError(
                f"the first {self.stripped} replies hold trace steps but no tags at all: verl "
                "decoded them with skip_special_tokens=True and the tokenizer's tags are "
                "special tokens, so every reply would score 0. Use reward.reward_manager.name="
                f"EdgegymRewardManager (module.path={MODULE_PATH})"
            )


STRIP_GUARD = StripGuard()
"""The process's guard, which :func:`compute_score` consults."""


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: str | Mapping[str, Any],
    extra_info: Mapping[str, Any] | None = None,
    *,
    mode: str = "gated",
    alpha: float = 0.5,
    lenient: bool | None = None,
    **_: Any,
) -> dict[str, float]:
    """verl's reward function: one reply scored against the problem record in ``ground_truth``.

    Args:
        data_source: the row's ``data_source`` (not used: every edgegym row is scored alike).
        solution_str: the decoded reply.
        ground_truth: the problem record (JSON text, as exported, or a dict).
        extra_info: the row's ``extra_info``; its ``lenient`` says how chat replies are read.
        mode, alpha: the reward mode and outcome weight (``reward_kwargs`` in verl's config).
        lenient: overrides ``extra_info["lenient"]`` when given.

    Returns:
        ``score`` (the reward), ``outcome``, ``process`` and ``verified`` (1.0 or 0.0).
    """
    record = json.loads(ground_truth) if isinstance(ground_truth, str) else dict(ground_truth)
    if lenient is None:
        lenient = bool((extra_info or {}).get("lenient", False))
    STRIP_GUARD.check(solution_str)
    reward = shared_reward(mode, float(alpha), bool(lenient))  # type: ignore[arg-type]
    result = reward.result(record, solution_str)
    return _as_dict(result)


def _as_dict(result: RewardResult) -> dict[str, float]:
    return {
        "score": float(result.score),
        "outcome": float(result.outcome),
        "process": float(result.process),
        "verified": 1.0 if result.verified else 0.0,
    }


def decode_with_tags(tokenizer: Any, ids: Sequence[int]) -> str:
    """A reply's text with special tokens (the tags) kept; trailing EOS and padding dropped."""
    ids = [int(i) for i in ids]
    ends = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
    while ids and ids[-1] in ends:
        ids.pop()
    return str(tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False))


class _TagKeepingTokenizer:
    """A tokenizer whose ``decode`` keeps special tokens whatever it is asked."""

    def __init__(self, tokenizer: Any) -> None:
        self._tokenizer = tokenizer

    def decode(self, ids: Any, *args: Any, **kwargs: Any) -> str:
        return decode_with_tags(self._tokenizer, ids.tolist() if hasattr(ids, "tolist") else ids)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tokenizer, name)


def _manager_class() -> type:
    from verl.experimental.reward_loop.reward_manager.naive import NaiveRewardManager
    from verl.utils.reward_score import default_compute_score

    class EdgegymRewardManager(NaiveRewardManager):  # type: ignore[misc]
        """verl's naive reward manager, decoding replies with the tags kept."""

        def __init__(self, config: Any, tokenizer: Any, compute_score: Any = None, **kw: Any):
            super().__init__(config, _TagKeepingTokenizer(tokenizer), compute_score, **kw)
            if compute_score in (None, default_compute_score):  # it knows no edgegym rows
                self.compute_score = globals()["compute_score"]

    return EdgegymRewardManager


def __getattr__(name: str) -> Any:
    """``EdgegymRewardManager`` is built on first use: importing this module needs no verl."""
    if name == "EdgegymRewardManager":
        cls = _manager_class()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- curriculum --------------------------------------------------------------------------


def _sampler_base() -> type:
    """verl's curriculum-sampler base where it exists, else torch's ``Sampler``, else object."""
    try:
        from verl.experimental.dataset.sampler import AbstractCurriculumSampler

        return AbstractCurriculumSampler  # type: ignore[no-any-return]
    except ImportError:
        pass
    try:
        from torch.utils.data import Sampler

        return Sampler  # type: ignore[no-any-return]  # (Any where torch is not installed)
    except ImportError:
        return object


def _row_infos(data_source: Any) -> list[Mapping[str, Any]]:
    """Each row's ``extra_info``: from verl's ``RLHFDataset`` (its ``dataframe``) or rows."""
    frame = getattr(data_source, "dataframe", None)
    if frame is not None:
        return list(frame["extra_info"])
    return [row["extra_info"] for row in data_source]


def _arm(info: Mapping[str, Any]) -> Arm:
    return Arm(
        family="dag", context=str(info["context"]), mode=str(info["mode"]), op=int(info["op"])
    )


class CurriculumSampler(_sampler_base()):  # type: ignore[misc]
    """Row indices drawn where an edgegym curriculum proposes, updated from scored batches.

    Args:
        data_source: the exported train rows (verl's ``RLHFDataset`` or a sequence of rows
            with ``extra_info``).
        data_config: verl's data config (unused; kept for verl's sampler signature).
        strategy: curriculum strategy (``edgegym.curricula.STRATEGIES``), default frontier.
        params: strategy hyperparameters.
        seed: the seed of the row choice within an arm and of the curriculum.
    """

    def __init__(
        self,
        data_source: Any,
        data_config: Any = None,
        *,
        strategy: str = "frontier",
        params: Mapping[str, Any] | None = None,
        seed: int = 0,
    ) -> None:
        self.rows: dict[Arm, list[int]] = {}
        for i, info in enumerate(_row_infos(data_source)):
            self.rows.setdefault(_arm(info), []).append(i)
        if not self.rows:
            raise ValueError("the dataset has no rows: export some with `edgegym export verl`")
        self.size = sum(len(v) for v in self.rows.values())
        ops = sorted({arm.op for arm in self.rows})
        config = CurriculumConfig(
            contexts=tuple(sorted({a.context for a in self.rows})),
            modes=tuple(sorted({a.mode for a in self.rows})),  # type: ignore[arg-type,misc]
            op_min=ops[0],
            op_max=ops[-1],
            seed=seed,
        )
        self.curriculum = make_curriculum(strategy, config, **dict(params or {}))
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Any:
        for _ in range(self.size):
            (spec,) = self.curriculum.propose(1)
            yield self._row_of(Arm.of(spec))

    def _row_of(self, arm: Arm) -> int:
        """A row of ``arm``, or of the nearest op of its track when the export has none."""
        rows = self.rows.get(arm)
        if rows is None:
            same = [a for a in self.rows if (a.context, a.mode) == (arm.context, arm.mode)]
            pool = same or list(self.rows)
            rows = self.rows[min(pool, key=lambda a: (abs(a.op - arm.op), a.op, a.key))]
        return rows[int(self.rng.integers(len(rows)))]

    def observe(
        self, infos: Sequence[Mapping[str, Any]], scores: Sequence[Mapping[str, Any]]
    ) -> dict[str, float]:
        """Feed the curriculum one scored batch: a row's ``extra_info`` and its scores per reply.

        Replies to the same row (``extra_info.index``) form one group.
        """
        groups: dict[tuple[Arm, int], list[SampleOutcome]] = {}
        for info, s in zip(infos, scores, strict=True):
            arm = _arm(info)
            sample = SampleOutcome(
                verified=bool(s["verified"]),
                outcome=bool(s["outcome"]),
                score=float(s["score"]),
                process=float(s["process"]),
            )
            groups.setdefault((arm, int(info["index"])), []).append(sample)
        results = [
            GroupResult(arm=arm, samples=tuple(v), index=i) for (arm, i), v in groups.items()
        ]
        return self.curriculum.observe(results)

    def update(self, batch: Any) -> dict[str, float]:
        """verl's hook: the scored ``DataProto`` of a step (``reward_extra_info`` columns)."""
        extra = batch.non_tensor_batch
        keys = ("score", "outcome", "process", "verified")
        missing = [k for k in ("extra_info", *keys) if k not in extra]
        if missing:
            raise ValueError(
                f"the batch lacks {missing}: score it with edgegym.agents.verl.compute_score"
            )
        scores = [{k: extra[k][i] for k in keys} for i in range(len(extra["extra_info"]))]
        return self.observe(list(extra["extra_info"]), scores)

    def state_dict(self) -> dict[str, Any]:
        """The curriculum's state (save it with verl's checkpoints to resume)."""
        return {"curriculum": self.curriculum.state_dict(), "rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Resume from :meth:`state_dict`."""
        from edgegym.curricula import from_state

        self.curriculum = from_state(dict(state["curriculum"]))
        self.rng.bit_generator.state = dict(state["rng"])
