"""Gold graphs: one frozen value, the same from a Problem, its record and its nodes."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from edgegym.rewards import Gold, gold_from_problem, gold_from_record, gold_of
from edgegym.tasks import DagConfig, TaskSpec, generate


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_gold_is_the_same_from_problem_record_and_nodes(mode: str) -> None:
    problem = generate(TaskSpec(context="zoo", mode=mode, op=9, seed=3, index=1))
    gold = gold_from_problem(problem)
    assert gold == gold_from_record(problem.to_record()) == gold_of(problem)
    rebuilt = Gold(
        mode=gold.mode,
        modulus=gold.modulus,
        answer=gold.answer,
        nodes=gold.nodes,
        equation=gold.equation,
    )
    assert rebuilt == gold and hash(rebuilt) == hash(gold)
    assert pickle.loads(pickle.dumps(gold)) == gold
    assert gold.index == {node.name: node for node in gold.nodes}
    assert [node.name for node in gold.nodes] == [node.name for node in problem.nodes]


def test_gold_is_frozen_and_validated() -> None:
    problem = generate(TaskSpec(context="teacher", mode="forward", op=5, seed=1, index=2))
    gold = gold_of(problem)
    with pytest.raises(dataclasses.FrozenInstanceError):
        gold.answer = 3  # type: ignore[misc]
    with pytest.raises(ValueError, match="unique"):
        Gold(mode="forward", modulus=None, answer=1, nodes=(gold.nodes[0], gold.nodes[0]))
    with pytest.raises(ValueError, match="empty"):
        Gold(mode="forward", modulus=None, answer=1, nodes=())
    with pytest.raises(ValueError, match="final equation"):
        Gold(mode="reverse", modulus=None, answer=1, nodes=gold.nodes)
    with pytest.raises(ValueError, match="mode"):
        Gold(mode="sideways", modulus=None, answer=1, nodes=gold.nodes)  # type: ignore[arg-type]


def test_gold_validates_a_problem_like_a_record() -> None:
    problem = generate(TaskSpec(context="zoo", mode="reverse", op=4, seed=2, index=0))
    no_coef = problem.nodes[0].replace(coef=None)
    with pytest.raises(ValueError, match="has no coef"):
        gold_from_problem(dataclasses.replace(problem, nodes=(no_coef,)))
    with pytest.raises(ValueError, match="unique"):
        gold_from_problem(dataclasses.replace(problem, nodes=problem.nodes[:1] * 2))
    with pytest.raises(ValueError, match="empty"):
        gold_from_problem(dataclasses.replace(problem, nodes=()))
    record = problem.to_record()
    del record["graph"][0]["coef"]
    with pytest.raises(ValueError, match="has no coef"):
        gold_from_record(record)


def test_modulus_comes_from_the_spec_and_the_record() -> None:
    problem = generate(
        TaskSpec(
            context="movie", mode="forward", op=6, seed=4, index=3, config=DagConfig(modulus=7)
        )
    )
    assert gold_of(problem).modulus == 7 == gold_of(problem.to_record()).modulus
