"""edgegym's problems, rewards and curricula in TRL's ``GRPOTrainer`` conventions.

TRL calls every reward function as ``f(prompts=..., completions=..., completion_ids=...,
trainer_state=..., log_metric=..., log_extra=..., **columns)``, where ``columns`` are the
dataset's other columns (one value per completion), and expects one float per completion.
Two ways to feed it problems::

    from trl import GRPOConfig, GRPOTrainer
    from edgegym.agents.trl import TRLReward, problem_set

    reward = TRLReward(mode="strict", tokenizer=tokenizer)
    trainer = GRPOTrainer(model=model, reward_funcs=reward, processing_class=tokenizer,
                          train_dataset=problem_set(ops=(2, 3, 4), per_op=64),
                          args=GRPOConfig(...))

or, with an edge-of-competence curriculum choosing each step's problems::

    curriculum = make_curriculum("frontier", CurriculumConfig(op_min=2, op_max=8))
    dataset = curriculum_dataset(curriculum, prompts_per_step=8)   # an IterableDataset
    reward = CurriculumReward(curriculum, mode="strict", tokenizer=tokenizer)
    # GRPOConfig(..., max_steps=N, shuffle_dataset=False): the curriculum is the order

``CurriculumReward`` scores each generation batch, folds its groups into the curriculum
with :meth:`~edgegym.curricula.Curriculum.observe` and logs the curriculum's metrics
through TRL's ``log_metric``; the dataset asks the curriculum for new problems as TRL
reads it, so every step draws from the latest competence estimates.

Trap this module closes: TRL decodes completions with ``skip_special_tokens=True``, and
edgegym's tokenizers make the six tags special tokens, so the text TRL passes lacks
``</solution> <answer> ... </answer>`` and every response would score 0 with no error.
Given the tokenizer, the rewards decode ``completion_ids`` themselves with special
tokens kept (and check at construction that the tokenizer keeps the tags); called by
TRL without one, they raise instead of scoring stripped text. TRL is never imported
here; ``datasets`` only by the dataset helpers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from edgegym.agents.tokenizer import require
from edgegym.curricula import GroupResult
from edgegym.rewards import MODES, Reward, RewardResult
from edgegym.tasks import Problem, generate
from edgegym.tasks.checks import check_int
from edgegym.tasks.trace import FINAL_TAGS, response_end

if TYPE_CHECKING:
    from edgegym.agents.train.config import TaskSetup
    from edgegym.curricula import Curriculum

__all__ = [
    "TAGS",
    "CurriculumReward",
    "PromptFn",
    "TRLReward",
    "check_tokenizer",
    "curriculum_dataset",
    "dataset_rows",
    "problem_set",
]

PromptFn = Callable[[Problem], Any]
"""A problem's prompt for the policy: a string, or a list of chat messages."""

TAGS = FINAL_TAGS
"""The tags a response writes; a decode that drops them makes every reward 0."""


def _raw_prompt(problem: Problem) -> str:
    return problem.prompt


def dataset_rows(
    problems: Sequence[Problem], prompt: PromptFn | None = None
) -> list[dict[str, Any]]:
    """TRL dataset rows: the prompt and the problem's JSON record (the reward's gold).

    Args:
        problems: the problems, in order.
        prompt: the prompt of a problem (default: the raw model text, ``Problem.prompt``).
    """
    render = prompt or _raw_prompt
    return [
        {"prompt": render(p), "record": json.dumps(p.to_record(), sort_keys=True)} for p in problems
    ]


def problem_set(
    ops: Sequence[int] = (2, 3, 4),
    per_op: int = 16,
    *,
    task: TaskSetup | None = None,
    split: str = "train",
    seed: int = 0,
    prompt: PromptFn | None = None,
) -> Any:
    """A ``datasets.Dataset`` of problems for TRL: columns ``prompt`` and ``record``.

    Problems ``0..per_op-1`` of each op of ``task`` (default: the compact symbolic
    setting), the same bytes in every run for the same arguments.

    Raises:
        ValueError: ``per_op`` below 1 or an invalid op/split.
    """
    from edgegym.agents.train.config import TaskSetup
    from edgegym.agents.train.data import suite

    check_int("per_op", per_op, 1)
    datasets = require("datasets", "trl")
    problems = suite(task or TaskSetup(), ops, per_op, split=split, seed=seed)
    return datasets.Dataset.from_list(dataset_rows(problems, prompt))


def curriculum_dataset(
    curriculum: Curriculum[Any],
    *,
    prompts_per_step: int,
    prompt: PromptFn | None = None,
    max_ahead: int | None = None,
) -> Any:
    """An endless ``datasets.IterableDataset`` of problems the curriculum proposes.

    Rows are proposed ``prompts_per_step`` at a time as TRL reads them. Use it with
    ``GRPOConfig(max_steps=..., shuffle_dataset=False)``: shuffling an iterable dataset
    reads 1,000 rows ahead, which would freeze the curriculum's choices.

    Args:
        curriculum: proposes the problems; observe it with :class:`CurriculumReward`.
        prompts_per_step: problems per proposal, best ``generation_batch_size //
            num_generations``.
        prompt: the prompt of a problem (default: the raw model text).
        max_ahead: how many proposed problems may await observation before reading
            stops with an error (default ``4 * prompts_per_step``); None-observing
            setups (no :class:`CurriculumReward`) should pass a large number.
    """
    check_int("prompts_per_step", prompts_per_step, 1)
    datasets = require("datasets", "trl")
    limit = 4 * prompts_per_step if max_ahead is None else max_ahead
    render = prompt or _raw_prompt

    def rows() -> Iterator[dict[str, Any]]:
        while True:
            _check_ahead(curriculum, limit)
            yield from dataset_rows(
                [generate(s) for s in curriculum.propose(prompts_per_step)], render
            )

    return datasets.IterableDataset.from_generator(rows)


def _check_ahead(curriculum: Curriculum[Any], limit: int) -> None:
    """Raise if more than ``limit`` proposed problems have not been observed yet."""
    issued = sum(curriculum.proposed_counts().values())
    observed = int(curriculum.state_dict()["observed_groups"])
    if issued - observed > limit:
        raise RuntimeError(
            f"the curriculum dataset was read {issued - observed} problems ahead of the "
            f"observed groups (limit {limit}): set GRPOConfig(shuffle_dataset=False) "
            "(shuffling buffers 1,000 rows) and score with CurriculumReward"
        )


def _text(completion: Any) -> str:
    """A completion as text: a string, or the last message of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], Mapping):
        return str(completion[-1].get("content", ""))
    raise ValueError(f"a completion must be a string or a list of messages, got {completion!r}")


def _decode(tokenizer: Any, ids: Sequence[Any]) -> str:
    """``ids`` as text with special tokens kept, trailing EOS and padding dropped."""
    tokens = [int(i) for i in ids]
    ends = {tokenizer.eos_token_id, tokenizer.pad_token_id} - {None}
    while tokens and tokens[-1] in ends:
        tokens.pop()
    text = tokenizer.decode(tokens, skip_special_tokens=False, clean_up_tokenization_spaces=False)
    return str(text)


def check_tokenizer(tokenizer: Any) -> None:
    """Raise ``ValueError`` if decoding with ``tokenizer`` loses edgegym's tags.

    Encodes a gold-shaped response and decodes it as the rewards do; a tokenizer (or a
    processing class) whose decode drops special tokens regardless, or that cannot
    spell a tag, would make every reward 0.
    """
    probe = f" a = 1 + 2 = 3. {response_end(3)}"
    ids = tokenizer(probe, add_special_tokens=False)["input_ids"]
    text = _decode(tokenizer, ids)
    missing = [tag for tag in TAGS if tag not in text]
    if missing:
        raise ValueError(
            f"{type(tokenizer).__name__} loses the tags {missing} when decoding "
            f"({probe!r} came back as {text!r}); every edgegym reward would be 0. Pass a "
            "tokenizer whose decode(..., skip_special_tokens=False) keeps them"
        )


class TRLReward:
    """A TRL reward function scoring completions with :class:`edgegym.rewards.Reward`.

    Args:
        mode: ``strict`` (1 iff the trace is verified), ``gated``, ``outcome`` or ``linear``.
        alpha: outcome weight of ``gated`` and ``linear``.
        tokenizer: the policy's tokenizer (TRL's ``processing_class``); completions are
            then decoded from ``completion_ids`` with special tokens kept. Checked with
            :func:`check_tokenizer`.
        column: dataset column holding each problem's record (a JSON string or dict).
        score_text: score the text TRL passes even without a tokenizer; only right when
            the tags are not special tokens of the policy's tokenizer.
        lenient: read chat-style replies (a leading ``<solution>``, ``<think>`` blocks;
            :mod:`edgegym.rewards.lenient`): for chat prompts
            (``prompt=lambda p: prompt_of(p, "chat")``, :mod:`edgegym.tasks.chat`).

    Raises:
        ValueError: (on a call) TRL passed ``completion_ids`` but no tokenizer was given
            and ``score_text`` is off: the tags may have been stripped.
    """

    def __init__(
        self,
        *,
        mode: str = "strict",
        alpha: float = 0.5,
        tokenizer: Any = None,
        column: str = "record",
        score_text: bool = False,
        lenient: bool = False,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
        if tokenizer is not None:
            check_tokenizer(tokenizer)
        self.reward = Reward(mode=mode, alpha=alpha, lenient=lenient)  # type: ignore[arg-type]
        self.tokenizer = tokenizer
        self.column = column
        self.score_text = score_text
        # TRL names each reward function's logged metrics after ``__name__``.
        self.__name__ = f"edgegym_{mode}"

    def texts(self, completions: Sequence[Any], completion_ids: Sequence[Any] | None) -> list[str]:
        """The response texts to score."""
        if self.tokenizer is not None and completion_ids is not None:
            return [_decode(self.tokenizer, ids) for ids in completion_ids]
        if completion_ids is not None and not self.score_text:
            raise ValueError(
                "TRLReward got completion_ids but no tokenizer: TRL decodes completions "
                "with skip_special_tokens=True, which strips edgegym's tags when they are "
                "special tokens (edgegym's tokenizers), and every reward would be 0. Pass "
                "tokenizer=<the trainer's processing_class>, or score_text=True if the "
                "tags are plain text for your tokenizer"
            )
        return [_text(c) for c in completions]

    def records(self, columns: Mapping[str, Any], n: int) -> list[Any]:
        """Each completion's problem record, parsed."""
        records = columns.get(self.column)
        if records is None:
            raise ValueError(
                f"the dataset needs a {self.column!r} column with each problem's record "
                f"(see edgegym.agents.trl.problem_set); got columns {sorted(columns)}"
            )
        if len(records) != n:
            raise ValueError(f"{n} completions but {len(records)} records")
        return [json.loads(r) if isinstance(r, str) else r for r in records]

    def results(
        self,
        completions: Sequence[Any],
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[tuple[Any, RewardResult]]:
        """(record, full diagnosis) of every completion."""
        texts = self.texts(completions, completion_ids)
        records = self.records(columns, len(texts))
        return [(r, self.reward.result(r, t)) for r, t in zip(records, texts, strict=True)]

    def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[float]:
        """One reward in [0, 1] per completion.

        Raises:
            ValueError: the record column is missing or its length differs, or the tags
                may have been stripped (see the class docstring).
        """
        return [res.score for _, res in self.results(completions, completion_ids, **columns)]


def _groups(scored: Sequence[tuple[Any, RewardResult]]) -> list[GroupResult]:
    """The GRPO groups of a batch: the results of each problem, in order of appearance."""
    by_id: dict[str, tuple[Any, list[RewardResult]]] = {}
    for record, result in scored:
        by_id.setdefault(str(record["id"]), (record, []))[1].append(result)
    return [
        GroupResult.of(Problem.from_record(record).spec, results)
        for record, results in by_id.values()
    ]


class CurriculumReward(TRLReward):
    """A :class:`TRLReward` that feeds every scored batch to a curriculum.

    Each call groups the completions by problem, calls ``curriculum.observe`` with the
    groups and logs its metrics through TRL's ``log_metric``. ``history`` keeps
    ``(trainer step, metrics)`` of every call, the step read from TRL's
    ``trainer_state``, and ``scores`` the rewards it returned. The other arguments are
    :class:`TRLReward`'s.
    """

    def __init__(self, curriculum: Curriculum[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.curriculum = curriculum
        self.history: list[tuple[int | None, dict[str, float]]] = []
        self.scores: list[list[float]] = []

    def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[float]:
        """One reward per completion; the curriculum observes the batch's groups."""
        state = columns.pop("trainer_state", None)
        log_metric = columns.pop("log_metric", None)
        scored = self.results(completions, completion_ids, **columns)
        metrics = self.curriculum.observe(_groups(scored))
        if callable(log_metric):
            for name, value in metrics.items():
                log_metric(name, value)
        self.history.append((getattr(state, "global_step", None), metrics))
        self.scores.append([res.score for _, res in scored])
        return self.scores[-1]
