"""The combined reward: exact formulas, validation, the trainer callable."""

from __future__ import annotations

import pickle

import pytest

from edgegym.rewards import Reward, RewardResult, gold_of, outcome_reward, score
from edgegym.tasks import TaskSpec, generate
from edgegym.tasks.mutate import drop_step, duplicate_step, restate_value, with_answer

PROBLEM = generate(TaskSpec(context="zoo", mode="forward", op=10, index=5))
N = len(PROBLEM.nodes)
# a node with an expression: restating its value leaves the values downstream intact
STEP = next(i for i, n in enumerate(PROBLEM.nodes) if n.op != "const")


def test_process_formula_is_right_over_nodes_plus_penalties() -> None:
    # one node wrong (value), no penalty
    assert score(PROBLEM, restate_value(PROBLEM.completion, STEP, "999")).process == (N - 1) / N
    # one step repeated: that node is wrong and one penalty
    assert score(PROBLEM, duplicate_step(PROBLEM.completion, 0)).process == (N - 1) / (N + 1)
    # one step missing
    assert score(PROBLEM, drop_step(PROBLEM.completion, N - 1)).process == (N - 1) / N


@pytest.mark.parametrize("alpha", [0.0, 0.2, 0.5, 1.0])
def test_mode_formulas(alpha: float) -> None:
    response = restate_value(PROBLEM.completion, STEP, "999")
    p = (N - 1) / N
    assert score(PROBLEM, response, mode="gated", alpha=alpha).score == pytest.approx(
        alpha + (1 - alpha) * p
    )
    assert score(PROBLEM, response, mode="linear", alpha=alpha).score == pytest.approx(
        alpha + (1 - alpha) * p
    )
    assert score(PROBLEM, response, mode="outcome", alpha=alpha).score == 1.0
    assert score(PROBLEM, response, mode="strict", alpha=alpha).score == 0.0
    wrong = with_answer(response, str(PROBLEM.answer + 1))
    assert score(PROBLEM, wrong, mode="gated", alpha=alpha).score == 0.0
    assert score(PROBLEM, wrong, mode="linear", alpha=alpha).score == pytest.approx((1 - alpha) * p)


def test_first_error_points_at_the_first_wrong_step() -> None:
    assert score(PROBLEM, restate_value(PROBLEM.completion, STEP, "999")).first_error == STEP
    assert score(PROBLEM, drop_step(PROBLEM.completion, N - 1)).first_error == N - 1
    assert score(PROBLEM, PROBLEM.completion).first_error is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"mode": "partial"}, "mode"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": -0.1}, "alpha"),
        ({"alpha": True}, "alpha"),
        ({"cache_size": 0}, "cache_size"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Reward(**kwargs)  # type: ignore[arg-type]
    if field != "cache_size":
        with pytest.raises(ValueError, match=field):
            score(PROBLEM, PROBLEM.completion, **kwargs)  # type: ignore[arg-type]


def test_reward_is_picklable_and_agrees_with_score() -> None:
    reward = Reward(mode="strict", alpha=0.2)
    reward(PROBLEM, PROBLEM.completion)
    clone = pickle.loads(pickle.dumps(reward))
    assert (clone.mode, clone.alpha) == ("strict", 0.2)
    for response in (PROBLEM.completion, drop_step(PROBLEM.completion, 1), "junk"):
        for r in (reward, clone):
            assert r(PROBLEM, response) == score(PROBLEM, response, mode="strict", alpha=0.2).score
            assert isinstance(r.result(PROBLEM, response), RewardResult)


def test_problem_and_record_score_the_same() -> None:
    record = PROBLEM.to_record()
    for response in (PROBLEM.completion, drop_step(PROBLEM.completion, 2)):
        assert score(PROBLEM, response) == score(record, response)
    assert (
        outcome_reward(PROBLEM, PROBLEM.completion)
        == outcome_reward(record, PROBLEM.completion)
        == 1.0
    )
    assert gold_of(record) == gold_of(PROBLEM)


def test_batch_and_cache() -> None:
    reward = Reward(cache_size=2)
    problems = [generate(TaskSpec(op=4, index=i)) for i in range(5)]
    scores = reward.batch(problems, [p.completion for p in problems])
    assert scores == [1.0] * 5 and len(reward._cache.entries) <= 2
    with pytest.raises(ValueError, match="length"):
        reward.batch(problems, [])


def test_not_a_problem_raises_value_error() -> None:
    for thing in (42, "text", {"mode": "forward"}):
        with pytest.raises(ValueError):
            score(thing, "x")  # type: ignore[arg-type]


def test_non_text_is_scored_after_verified_responses_too() -> None:
    """Once a verified response made a template, non-text still gets the parser's result."""
    reward = Reward()
    for _ in range(3):  # the second call makes the template, the third matches it
        assert reward(PROBLEM, PROBLEM.completion) == 1.0
    for thing in (None, 42, b"bytes"):
        assert reward.result(PROBLEM, thing) == score(PROBLEM, thing)  # type: ignore[arg-type]
