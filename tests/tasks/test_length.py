"""Length control: a fixed statement budget (``DagConfig(statements=N)``).

Distractors fill each problem up to the budget, so the prompt length hardly changes
with op among the ops whose necessary statements fit: the ratio of the longest to the
shortest mean prompt stays at most 1.3 in every context and mode.
"""

from __future__ import annotations

import statistics
from typing import Any

import pytest

from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate

BUDGET = 30


def statements(p: Problem) -> int:
    """Statements of the problem text: necessary (totals are implied), given, distractors."""
    stated = sum(1 for n in p.nodes if n.op not in ("total", "product"))
    return stated + (1 if p.spec.mode == "reverse" else 0) + len(p.distractors)


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_prompt_length_is_flat_across_ops_that_fit(context: str, mode: str) -> None:
    cfg = DagConfig(statements=BUDGET)
    means: dict[int, float] = {}
    for op in range(2, 41):
        problems = [
            generate(TaskSpec(context=context, mode=mode, op=op, index=i, config=cfg))
            for i in range(12)
        ]
        if any(statements(p) > BUDGET for p in problems):
            continue  # the necessary statements alone exceed the budget
        assert all(statements(p) == BUDGET for p in problems)
        means[op] = statistics.mean(len(p.prompt) for p in problems)
    assert len(means) >= 30, sorted(means)
    ratio = max(means.values()) / min(means.values())
    assert ratio <= 1.3, (ratio, means)


def test_budget_below_the_necessary_statements_gives_no_distractors() -> None:
    p = generate(TaskSpec(op=30, config=DagConfig(statements=3)))
    assert p.distractors == ()
    assert statements(p) > 3


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_budget_problems_are_solvable_from_text(mode: str, solver: Any) -> None:
    for context in CONTEXTS:
        for op in range(2, 41, 2):
            for index in range(3):
                cfg = DagConfig(statements=40, depth=2)
                spec = TaskSpec(context=context, mode=mode, op=op, index=index, config=cfg)
                p = generate(spec)
                assert solver(context, p.problem, p.question) == p.answer, p.to_json()


def test_statements_field_is_left_out_of_older_configs_keys() -> None:
    """Configs without a budget keep their key, and with it their problems' bytes."""
    assert "statements" not in DagConfig().to_dict()
    cfg = DagConfig(statements=25)
    assert cfg.to_dict()["statements"] == 25
    assert DagConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ValueError, match="statements"):
        DagConfig(statements=0)
