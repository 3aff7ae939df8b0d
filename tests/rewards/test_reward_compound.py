"""Compound relations ("equals 8 times the difference between A and B") under the one scorer.

Every gold trace and every valid variant (renamed letters, another topological order, the
constant written after the temporary) scores 1 in strict mode; every corruption of a
compound step (its value, its constant, its parents, the order of a difference, the step
dropped) scores 0.
"""

from __future__ import annotations

import itertools
import random
import re
import string

import pytest

from edgegym.rewards import score
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.mutate import (
    drop_step,
    letters_of,
    literal_expression,
    rename_letters,
    reorder_steps,
    restate_value,
    split_response,
)
from edgegym.tasks.node import COMPOUND_OPS

CONFIGS = (DagConfig.study(compound=1.0), DagConfig.study(compound=1.0, modulus=10))
# The compound clause: "so L = k * t = k * v = r" (times) or "so L = k + t = ..." (plus).
FINAL = re.compile(r"so (\w) = (\d+) ([*+]) (\w) = \2 \3 (.+?) = ([^=]+)\.$")


def compound_problems(context: str, mode: str) -> list[Problem]:
    out = []
    for op, index in itertools.product((4, 9, 15, 25), (0, 1)):
        for config in CONFIGS if mode == "forward" else CONFIGS[:1]:
            spec = TaskSpec(context=context, mode=mode, op=op, index=index, config=config)
            p = generate(spec)
            if any(n.op in COMPOUND_OPS for n in p.nodes):
                out.append(p)
    return out


def strict(problem: Problem, response: str) -> float:
    return score(problem, response, mode="strict").score


def edit_step(problem: Problem, i: int, old: str, new: str) -> str:
    trace = split_response(problem.completion)
    steps = list(trace.steps)
    assert old in steps[i], (old, steps[i])
    steps[i] = steps[i].replace(old, new)
    return problem.completion.replace(trace.steps[i], steps[i])


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_gold_and_valid_variants_score_one(context: str, mode: str) -> None:
    problems = compound_problems(context, mode)
    assert len(problems) >= 3
    rng = random.Random(0)
    reverse = mode == "reverse"
    for p in problems:
        assert strict(p, p.completion) == 1.0
        assert score(p.to_record(), p.completion, mode="strict").score == 1.0
        used = sorted(letters_of(p.completion) - ({"x"} if reverse else set()))
        pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
        renamed = rename_letters(
            p.completion, dict(zip(used, rng.sample(pool, len(used)), strict=True))
        )
        assert strict(p, renamed) == 1.0
        assert strict(p, reorder_steps(p, rng)) == 1.0
        for i, node in enumerate(p.nodes):
            if node.op in COMPOUND_OPS:
                step = split_response(p.completion).steps[i]
                m = FINAL.search(step)
                assert m, step
                lt, k, sign, t, value, result = m.groups()
                swapped = f"so {lt} = {t} {sign} {k} = {value} {sign} {k} = {result}."
                assert strict(p, edit_step(p, i, m.group(0), swapped)) == 1.0


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_corrupted_compound_steps_score_zero(context: str, mode: str) -> None:
    checked = 0
    for p in compound_problems(context, mode):
        steps = split_response(p.completion).steps
        for i, node in enumerate(p.nodes):
            if node.op not in COMPOUND_OPS:
                continue
            checked += 1
            m = FINAL.search(steps[i])
            assert m, steps[i]
            lt, k, sign, t, value, result = m.groups()
            wrong_value = str(node.value + 1) if node.coef is None else f"{result} + 1"
            other_k = str(int(k) + 1)
            bad = [
                restate_value(p.completion, i, wrong_value),
                literal_expression(p.completion, i),
                drop_step(p.completion, i),
            ]
            # The scorer checks parents and values, not operations: a corruption that gives
            # the same value (modulo m) states the same quantity, so only others count.
            if value.strip("()") != "0":  # the constant changed, the stated numbers kept
                changed = f"so {lt} = {other_k} {sign} {t} = {other_k} {sign} {value} = {result}."
                bad.append(edit_step(p, i, m.group(0), changed))
            if value.strip("()") != result:  # the constant dropped
                bad.append(edit_step(p, i, m.group(0), f"so {lt} = {t} = {result}."))
            first = steps[i].split("; ")[1]  # the temporary's clause: "t = A - B = ..."
            if node.op.endswith("diff"):  # the difference's order swapped
                a, b = first.split(" = ")[1].split(" - ")
                bad.append(edit_step(p, i, f"= {a} - {b} =", f"= {b} - {a} ="))
            for response in bad:
                assert strict(p, response) == 0.0, response
    assert checked >= 3


@pytest.mark.parametrize("context", [c for c in CONTEXTS if c != "symbolic"])
def test_product_totals_score_one_and_their_corruptions_zero(context: str) -> None:
    """Depth-3 count x average totals: gold and renamed 1; a product's value, its
    literal, the step dropped, or one factor replaced by another quantity: 0."""
    rng = random.Random(1)
    checked = 0
    for op, index, modulus in itertools.product((5, 9, 14, 20), range(4), (None, 10)):
        cfg = DagConfig.study(depth=3, products=1.0, modulus=modulus)
        p = generate(TaskSpec(context=context, op=op, index=index, config=cfg))
        assert strict(p, p.completion) == 1.0
        assert score(p.to_record(), p.completion, mode="strict").score == 1.0
        assert strict(p, reorder_steps(p, rng)) == 1.0
        steps = split_response(p.completion).steps
        for i, node in enumerate(p.nodes):
            if node.op != "product":
                continue
            checked += 1
            letters = p.letters
            count, average = letters[node.parents[0]], letters[node.parents[1]]
            value = {n.name: n.value for n in p.nodes}
            others = [  # quantities defined before it, whose value differs from the average's
                letters[n.name]
                for n in p.nodes[:i]
                if n.name not in node.parents and n.value != value[node.parents[1]]
            ]
            bad = [
                restate_value(p.completion, i, str(node.value + 1)),
                literal_expression(p.completion, i),
                drop_step(p.completion, i),
            ]
            if others:  # a factor replaced by another quantity, the numbers kept
                head = f" = {count} * {average} = "
                bad.append(edit_step(p, i, head, f" = {count} * {others[0]} = "))
            for response in bad:
                assert strict(p, response) == 0.0, (response, steps[i])
    assert checked >= 4
