"""edgegym's rewards in TRL's calling convention, for users of ``trl.GRPOTrainer``.

TRL calls every reward function as ``f(prompts=..., completions=..., **columns)``,
where ``columns`` are the dataset's other columns (one value per completion) plus
``completion_ids`` and trainer state, and expects one float per completion::

    from trl import GRPOConfig, GRPOTrainer
    from edgegym.agents.trl import TRLReward, dataset_rows

    rows = dataset_rows(problems)                      # {"prompt", "record"} per problem
    reward = TRLReward(mode="strict", tokenizer=tokenizer)
    trainer = GRPOTrainer(model=model, reward_funcs=reward, processing_class=tokenizer,
                          train_dataset=datasets.Dataset.from_list(rows), args=GRPOConfig(...))

Trap this module avoids: TRL decodes completions with ``skip_special_tokens=True``,
and edgegym's tokenizers make the six tags special tokens, so the text TRL passes
lacks ``</solution> <answer> ... </answer>`` and every response would score 0 with no
error. Given the tokenizer, :class:`TRLReward` decodes ``completion_ids`` itself with
special tokens kept. TRL itself is never imported here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from edgegym.rewards import MODES, Reward
from edgegym.tasks import Problem

__all__ = ["TRLReward", "dataset_rows"]


def dataset_rows(problems: Sequence[Problem]) -> list[dict[str, str]]:
    """TRL dataset rows: the prompt and the problem's JSON record (the reward's gold)."""
    return [
        {"prompt": p.prompt, "record": json.dumps(p.to_record(), sort_keys=True)} for p in problems
    ]


def _text(completion: Any) -> str:
    """A completion as text: a string, or the last message of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion and isinstance(completion[-1], Mapping):
        return str(completion[-1].get("content", ""))
    raise ValueError(f"a completion must be a string or a list of messages, got {completion!r}")


class TRLReward:
    """A TRL reward function scoring completions with :func:`edgegym.rewards.score`.

    Args:
        mode: ``strict`` (1 iff the trace is verified), ``gated``, ``outcome`` or ``linear``.
        alpha: outcome weight of ``gated`` and ``linear``.
        tokenizer: the policy's tokenizer; when given, completions are decoded from
            ``completion_ids`` with special tokens kept (see the module docstring).
        column: dataset column holding each problem's record (a JSON string or dict).
    """

    def __init__(
        self,
        *,
        mode: str = "strict",
        alpha: float = 0.5,
        tokenizer: Any = None,
        column: str = "record",
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {list(MODES)}, got {mode!r}")
        self.reward = Reward(mode=mode, alpha=alpha)  # type: ignore[arg-type]
        self.tokenizer = tokenizer
        self.column = column
        # TRL names each reward function's logged metrics after ``__name__``.
        self.__name__ = f"edgegym_{mode}"

    def texts(self, completions: Sequence[Any], completion_ids: Sequence[Any] | None) -> list[str]:
        """The response texts to score."""
        if self.tokenizer is None or completion_ids is None:
            return [_text(c) for c in completions]
        eos = self.tokenizer.eos_token_id
        out = []
        for ids in completion_ids:
            ids = [int(i) for i in ids]
            while ids and ids[-1] in (eos, self.tokenizer.pad_token_id):
                ids.pop()
            out.append(
                self.tokenizer.decode(
                    ids, skip_special_tokens=False, clean_up_tokenization_spaces=False
                )
            )
        return out

    def __call__(
        self,
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[float]:
        """One reward in [0, 1] per completion.

        Raises:
            ValueError: the record column is missing or its length differs.
        """
        records = columns.get(self.column)
        if records is None:
            raise ValueError(
                f"the dataset needs a {self.column!r} column with each problem's record "
                f"(see edgegym.agents.trl.dataset_rows); got columns {sorted(columns)}"
            )
        texts = self.texts(completions, completion_ids)
        if len(records) != len(texts):
            raise ValueError(f"{len(texts)} completions but {len(records)} records")
        return [
            self.reward(json.loads(r) if isinstance(r, str) else r, text)
            for r, text in zip(records, texts, strict=True)
        ]
