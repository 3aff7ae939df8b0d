"""Scoring records in the study's released JSONL shape: the gold graph rebuilt from the solution."""

from __future__ import annotations

from typing import Any

import pytest

from edgegym.rewards import gold_from_problem, gold_from_study_record, outcome_reward, score
from edgegym.tasks import CONTEXTS, TaskSpec, generate
from edgegym.tasks.mutate import restate_value

# The study's forward trace, verbatim (its released data, arXiv 2512.07783).
STUDY_FORWARD = {
    "problem": "(statements)",
    "question": "What is the average number of newborn children per adult deer in Bundle Ranch?",
    "solution": (
        "Define average number of newborn children per adult wolf in Bundle Ranch as O; so O = 18. "
        "Define adult wolf in Bundle Ranch as m; so m = O = 18. "
        "Define adult deer in Bundle Ranch as g; o = m = 18; so g = 9 * o = 9 * 18 = 162. "
        "Define total number of adult animals in Bundle Ranch as R; so R = g + m = 162 + 18 = 180. "
        "Define average number of newborn children per adult deer in Bundle Ranch as C; "
        "so C = R - O = 180 - 18 = 162. Answer: 162."
    ),
    "op": 8,
    "id": 3,
    "template": "crazy_zootopia",
    "mode": "normalforward",
    "length": "zero_context",
    "d": 3,
}

# A reverse trace in the study generator's own formatting: "(3) * (x + 12)", "(12)".
STUDY_REVERSE = {
    "problem": "(statements)",
    "question": "How many calm road movie does Golden Banana Movie Festival have?",
    "solution": (
        "The question is difficult, so we use equations to solve it. "
        "Define upbeat metropolis comedy in Golden Banana Movie Festival as z; so z = 12. "
        "Define calm road movie in Golden Banana Movie Festival as x; "
        "we don't know its value yet but will find it out later. "
        "Define total number of movies in Golden Banana Movie Festival as L; "
        "so L = x + z = x + 12 = x + 12. "
        "Define intense detective thriller in West Sahara Movie Festival as q; so q = L = x + 12. "
        "Define futuristic sci-fi movie in West Sahara Movie Festival as d; r = q = x + 12; "
        "so d = 3 * r = (3) * (x + 12) = 3*x + 36. "
        "Define solemn period drama in West Sahara Movie Festival as G; "
        "so G = d - z = (3*x + 36) - (12) = 3*x + 24. "
        "We know G = 84, so we have 3*x + 24 = 84 and we solve it through the following steps: "
        "Simplifying the equation: 3*x + 24 = 84. Move all terms to one side: 3*x - 60 = 0. "
        "Isolate the term with x: 3*x = 60. Divide both sides by 3: x = 60 / 3. "
        "Solution: x = 20. Answer: 20."
    ),
    "op": 9,
    "id": 7,
    "template": "movie_festival_awards",
    "mode": "forwardreverse",
    "length": "zero_context",
    "d": 2,
}


def response_of(record: dict[str, Any]) -> str:
    body, _, answer = record["solution"].rpartition("Answer:")
    return f" {body.strip()} </solution> <answer> {answer.strip().rstrip('.')} </answer>"


def test_forward_gold_graph_is_rebuilt() -> None:
    gold = gold_from_study_record(STUDY_FORWARD)
    assert gold.mode == "forward" and gold.answer == 162
    by_name = {n.name: n for n in gold.nodes}
    deer = by_name["adult deer in Bundle Ranch"]
    assert deer.parents == ("adult wolf in Bundle Ranch",) and deer.value == (0, 162)
    last = gold.nodes[-1]
    assert last.ordered and last.parents == (
        "total number of adult animals in Bundle Ranch",
        "average number of newborn children per adult wolf in Bundle Ranch",
    )


def test_reverse_gold_graph_is_rebuilt() -> None:
    gold = gold_from_study_record(STUDY_REVERSE)
    assert gold.mode == "reverse" and gold.answer == 20
    assert gold.nodes[-1].value == (3, 24) and gold.equation == (3, -60)
    assert gold.nodes[1].name == "calm road movie in Golden Banana Movie Festival"


@pytest.mark.parametrize("record", [STUDY_FORWARD, STUDY_REVERSE], ids=["forward", "reverse"])
def test_study_gold_response_verifies_and_corruption_does_not(record: dict[str, Any]) -> None:
    response = response_of(record)
    assert score(record, response, mode="strict").score == 1.0
    assert outcome_reward(record, response) == 1.0
    corrupted = restate_value(response, 2, "x + 13" if record["mode"] == "forwardreverse" else "19")
    result = score(record, corrupted)
    assert result.outcome == 1.0 and not result.verified


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_rebuilt_gold_equals_the_generator_graph(context: str, mode: str) -> None:
    for op in (2, 7, 13, 20):
        problem = generate(TaskSpec(context=context, mode=mode, op=op, index=op))
        study = {
            "problem": problem.problem,
            "question": problem.question,
            "solution": problem.solution,
            "op": problem.op,
            "template": context,
            "mode": "normalforward" if mode == "forward" else "forwardreverse",
        }
        rebuilt, truth = gold_from_study_record(study), gold_from_problem(problem)
        assert rebuilt.answer == truth.answer and rebuilt.equation == truth.equation
        for a, b in zip(rebuilt.nodes, truth.nodes, strict=True):
            assert (a.name, set(a.parents), a.value, a.ordered) == (
                b.name,
                set(b.parents),
                b.value,
                b.ordered,
            )
        assert score(study, problem.completion, mode="strict").score == 1.0


@pytest.mark.parametrize(
    "record",
    [
        {"solution": "Define a as b; so b = 1. Answer: 1."},  # no mode
        {"mode": "normalforward"},  # no solution
        {"mode": "normalforward", "solution": "Define a as b; so b = 1."},  # no answer
        {"mode": "sideways", "solution": "Answer: 1."},  # unknown mode
        {"mode": "normalforward", "solution": "Define a as b; so b = c. Answer: 1."},  # broken
        {
            "mode": "forwardreverse",
            "solution": "Define a as b; so b = 1. Answer: 1.",
        },  # no equation
    ],
)
def test_bad_study_records_raise_value_error(record: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        gold_from_study_record(record)
    with pytest.raises(ValueError):
        score(record, " </solution> <answer> 1 </answer>")
