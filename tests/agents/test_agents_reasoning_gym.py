"""The reasoning-gym adapter, through reasoning-gym's own registry and ``create_dataset``."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

reasoning_gym = pytest.importorskip("reasoning_gym", reason="pip install 'edgegym[reasoning-gym]'")

from edgegym.agents import reasoning_gym as adapter  # noqa: E402  (after the skip)
from edgegym.tasks.chat import chat_messages  # noqa: E402
from edgegym.tasks.mutate import drop_step, with_answer  # noqa: E402

COMPACT = {"modulus": 10, "distractors": 0}


def _data(**kwargs: Any) -> Any:
    return reasoning_gym.create_dataset(
        "edgegym", op_min=2, op_max=5, size=8, seed=3, dag=COMPACT, **kwargs
    )


def test_create_dataset_gives_plain_json_entries_the_same_every_time() -> None:
    data = _data()
    entries = list(data)
    assert len(entries) == 8 and entries == list(_data())
    json.dumps(entries)  # plain JSON: entries travel to any consumer
    assert [e["metadata"]["difficulty"]["op"] for e in entries] == [2, 3, 4, 5, 2, 3, 4, 5]
    problem = data.problem(0)
    system, user = (m["content"] for m in chat_messages(problem))
    assert entries[0]["question"] == f"{system}\n\n{user}"  # the chat format by default
    assert entries[0]["answer"] == "<solution>" + problem.completion
    raw = _data(prompt_format="raw")[0]
    assert (raw["question"], raw["answer"]) == (problem.prompt, problem.completion)
    assert entries[0]["metadata"]["final_answer"] == problem.answer
    assert entries[0]["metadata"]["source_dataset"] == "edgegym"


@pytest.mark.parametrize("prompt_format", ["chat", "raw"])
def test_gold_scores_one_and_corruptions_zero_with_the_process_kept(prompt_format: str) -> None:
    strict = _data(prompt_format=prompt_format)
    gated = _data(reward="gated", prompt_format=prompt_format)
    opening = "<solution>" if prompt_format == "chat" else ""  # a chat reply opens the tag
    for index, entry in enumerate(strict):
        gold = entry["answer"]
        raw = strict.problem(index).completion
        assert gold == opening + raw
        assert strict.score_answer(gold, entry) == 1.0
        if prompt_format == "chat":
            assert reasoning_gym.get_score_answer_fn("edgegym")(gold, entry) == 1.0
            assert strict.score_answer(f"<think>hmm</think> {gold}", entry) == 1.0
        missing_step = opening + drop_step(raw, 0)  # right answer, a step short
        wrong = opening + with_answer(raw, str(entry["metadata"]["final_answer"] + 1))
        answer_only = f" </solution> <answer> {entry['metadata']['final_answer']} </answer>"
        for bad in (missing_step, wrong, answer_only, "", None):
            assert strict.score_answer(bad, entry) == 0.0
        # The whole response reaches the scorer: the process part of the reward is kept.
        result = gated.score_result(missing_step, entry)
        assert result.outcome == 1.0 and result.process < 1.0 and not result.verified
        assert gated.score_answer(missing_step, entry) == pytest.approx(0.5 + 0.5 * result.process)
        assert gated.score_result(answer_only, entry).process == 0.0
        assert gated.score_answer(wrong, entry) == 0.0


def test_bad_configs_are_refused_and_registration_is_idempotent() -> None:
    with pytest.raises(ValueError, match="op_min <= op_max"):
        reasoning_gym.create_dataset("edgegym", op_min=5, op_max=2)
    with pytest.raises(ValueError, match="prompt_format must be"):
        reasoning_gym.create_dataset("edgegym", prompt_format="xml")
    with pytest.raises(ValueError, match="reward must be one of"):
        reasoning_gym.create_dataset("edgegym", reward="partial")
    with pytest.raises(IndexError):
        _data()[8]
    importlib.reload(adapter)  # registering again is a no-op, not an error
    assert reasoning_gym.create_dataset("edgegym", size=1, seed=0)[0]["answer"]
