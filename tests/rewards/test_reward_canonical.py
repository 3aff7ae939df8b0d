"""The scorer's one shortcut (``rewards.steps.canonical_step``) decides exactly as evaluating.

A step written as the trace writer writes its gold node, under the response's letters,
is accepted without evaluating its clauses. These tests parse varied responses (gold,
renamed, merged letters, reordered, corrupted, truncated, edited, junk) with and without
the gold nodes and require the same parse, step for step, apart from the assignments
an accepted step does not carry; and they check that the shortcut is taken, and refused
when the gold graph itself is not what its trace computes.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

import pytest

from edgegym.rewards import Gold, gold_of, parse
from edgegym.rewards.parse import ParsedResponse, Solve
from edgegym.rewards.process import equivalent
from edgegym.tasks import CONTEXTS, DagConfig, TaskSpec, generate
from edgegym.tasks.mutate import varied_responses


def _spec(k: int, seed: int) -> TaskSpec:
    """Every third problem is study-shaped with every relation it can have compound and
    every depth-3 total a product (steps the shortcut must refuse), at depth 3 where the
    context has one."""
    mode = ("forward", "reverse")[k % 2]
    modulus = None if mode == "reverse" else (None, 7, 10, None)[k // 2 % 4]
    context = CONTEXTS[k % len(CONTEXTS)]
    config = DagConfig(modulus=modulus)
    if k % 3 == 2:
        depth = None if context == "symbolic" else 3
        config = DagConfig.study(compound=1.0, products=1.0, modulus=modulus, depth=depth)
    return TaskSpec(context=context, mode=mode, op=2 + k % 19, seed=seed, index=k, config=config)


def _fields(parsed: ParsedResponse) -> tuple[Any, ...]:
    steps = tuple(
        (s.name, s.letter, s.parents, s.value, s.stated, s.error, s.unknown) for s in parsed.steps
    )
    return (parsed.answer, parsed.answer_text, steps, parsed.junk, parsed.flags)


def _same_solve(fast: Solve | None, plain: Solve | None, gold: Gold) -> bool:
    """An accepted solving part (no equations) decides as the evaluated one: no error, the
    same solution, every evaluated equation equivalent to the gold one; others are equal.
    True when the shortcut accepted it."""
    if fast is None or fast.equations or fast.error is not None:
        assert fast == plain
        return False
    assert plain is not None and plain.error is None and plain.solution == fast.solution
    assert gold.equation is not None and plain.equations
    assert all(equivalent(eq, gold.equation) for eq in plain.equations)
    return True


def _accepted(parsed: ParsedResponse) -> int:
    return sum(1 for s in parsed.steps if not s.assignments and not s.unknown and s.error is None)


def _compare(response: Any, gold: Gold) -> tuple[int, int, bool]:
    plain = parse(response, mode=gold.mode, modulus=gold.modulus)
    fast = parse(response, mode=gold.mode, modulus=gold.modulus, gold=gold)
    assert _fields(fast) == _fields(plain), response
    solved = _same_solve(fast.solve, plain.solve, gold)
    assert fast.work == plain.work
    for a, b in zip(fast.steps, plain.steps, strict=True):
        assert a.assignments in ((), b.assignments)
    return _accepted(fast), len(plain.steps), solved


@pytest.mark.parametrize("seed", [1, 2])
def test_same_parse_with_and_without_the_shortcut(seed: int) -> None:
    rng = random.Random(seed)
    accepted = steps = solves = 0
    for k in range(76):
        problem = generate(_spec(k, seed))
        gold = gold_of(problem)
        for response in varied_responses(problem, rng):
            a, n, solved = _compare(response, gold)
            accepted += a
            steps += n
            solves += solved
    assert accepted > steps // 2  # the shortcut is taken for most steps
    assert solves > 100  # and for the solving parts of reverse-mode gold traces


def test_shortcut_refused_where_the_gold_graph_is_not_its_trace() -> None:
    """A gold graph edited by hand (a value, a constant, a parent) is still scored by
    evaluating: the gold trace then parses exactly as without the shortcut."""
    rng = random.Random(3)
    refused = 0
    for k in range(40):
        problem = generate(_spec(k, 3))
        gold = gold_of(problem)
        nodes = list(gold.nodes)
        i = rng.randrange(len(nodes))
        node = nodes[i]
        a, b = node.value
        edits = [node._replace(value=(a, b + 1))]
        if node.k is not None:
            edits.append(node._replace(k=node.k + 1))
        if node.parents:
            edits.append(node._replace(parents=node.parents[::-1] + node.parents[:1]))
        for edited in edits:
            index = {**gold.index, node.name: edited}
            edited_gold = replace(gold, nodes=tuple(index.values()))
            accepted, _, _ = _compare(problem.completion, edited_gold)
            plain, _, _ = _compare(problem.completion, gold)
            refused += plain - accepted
    assert refused >= 40
