"""Scoring records in the study's released JSONL shape: the gold graph rebuilt from the solution."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from edgegym.rewards import gold_from_problem, gold_from_study_record, outcome_reward, score
from edgegym.tasks import CONTEXTS, DagConfig, TaskSpec, generate
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


# Compound relations and a count x average product total in the study's own generator's
# gold traces (forward_generator.drawAll, crazy_zootopia, d=3, op_max 15,
# zero_context; random.seed(2) and np.random.seed(2)): "equals 4 plus the sum of ...",
# "equals 15 plus the difference between ...", and the total newborn children of a location.
STUDY_COMPOUND = {
    "problem": "(statements)",
    "question": (
        "What is the average number of newborn children per adult racoon in Oakridge Riverside?"
    ),
    "solution": (
        "Define average number of newborn children per adult deer in Cedar Valley as Q; so Q = 5. "
        "Define average number of newborn children per adult wolf in Beverly Forest as C; "
        "E = Q = 5; so C = 3 * E = 3 * 5 = 15. "
        "Define average number of newborn children per adult wolf in Cedar Valley as b; "
        "j = C + Q = 15 + 5 = 20; so b = 4 + j = 4 + 20 = 24. "
        "Define average number of newborn children per adult racoon in Oakridge Riverside as l; "
        "J = b - C = 24 - 15 = 9; so l = 15 + J = 15 + 9 = 24. "
        "Answer: 24."
    ),
    "op": 9,
    "template": "crazy_zootopia",
    "mode": "normalforward",
    "length": "zero_context",
    "d": 3,
}
STUDY_PRODUCT = {
    "problem": "(statements)",
    "question": "What is the total number of newborn animal children in Bundle Ranch?",
    "solution": (
        "Define average number of newborn children per adult fox in Jefferson Circus as A; "
        "so A = 1. "
        "Define average number of newborn children per adult deer in Bundle Ranch as T; "
        "so T = A = 1. "
        "Define adult deer in Bundle Ranch as n; so n = A = 1. "
        "Define adult wolf in Bundle Ranch as L; so L = T = 1. "
        "Define average number of newborn children per adult wolf in Bundle Ranch as D; x = A = 1; "
        "so D = 11 + x = 11 + 1 = 12. "
        "Define total number of newborn animal children in Bundle Ranch as H; "
        "c = n * T = 1 * 1 = 1; a = L * D = 1 * 12 = 12; H = c + a = 1 + 12 = 13. "
        "Answer: 13."
    ),
    "op": 10,
    "template": "crazy_zootopia",
    "mode": "normalforward",
    "length": "zero_context",
    "d": 3,
}


def test_compound_and_product_gold_graphs_are_rebuilt() -> None:
    gold = gold_from_study_record(STUDY_COMPOUND)
    scaled_sum, scaled_diff = gold.nodes[2], gold.nodes[3]
    assert len(scaled_sum.parents) == 2 and not scaled_sum.ordered
    assert scaled_diff.ordered and scaled_diff.value == (0, 24)
    response = response_of(STUDY_COMPOUND)
    assert score(STUDY_COMPOUND, response, mode="strict").score == 1.0
    swapped = response.replace("J = b - C = 24 - 15 = 9", "J = C - b = 15 - 24 = -9")
    assert score(STUDY_COMPOUND, swapped, mode="strict").score == 0.0
    no_constant = response.replace("so l = 15 + J = 15 + 9 = 24", "so l = J = 9")
    assert score(STUDY_COMPOUND, no_constant, mode="strict").score == 0.0
    product = gold_from_study_record(STUDY_PRODUCT).nodes[-1]
    assert product.value == (0, 13) and len(product.parents) == 4
    response = response_of(STUDY_PRODUCT)
    assert score(STUDY_PRODUCT, response, mode="strict").score == 1.0
    other_factor = response.replace("a = L * D = 1 * 12", "a = L * A = 1 * 12")
    assert score(STUDY_PRODUCT, other_factor, mode="strict").score == 0.0
    assert score(STUDY_PRODUCT, restate_value(response, 5, "14"), mode="strict").score == 0.0


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
    configs = (DagConfig(), DagConfig.study(compound=1.0))
    for op, config in itertools.product((2, 7, 13, 20), configs):
        problem = generate(TaskSpec(context=context, mode=mode, op=op, index=op, config=config))
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
