"""The fast path (``edgegym.rewards.fastscore``) gives exactly the general path's result.

The general path is ``parse`` + ``check_process`` + ``outcome`` (``combined._result``);
the fast path must agree on every field of every ``RewardResult`` for every response,
or decline (return None). Responses: gold, renamed (injective or not), corrupted with
``mutate`` (wrong values, dropped, repeated, moved, literal steps, wrong answers),
truncated, hedged, junk and random edits, over generated problems (op 2..20, every
context, both modes, forward with a modulus), with gold graphs built from problems,
from records and from GoldNodes.
"""

from __future__ import annotations

import dataclasses
import pickle
import random
import re
import string
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from edgegym.rewards import MODES, Gold, Reward, gold_of, score
from edgegym.rewards.arith import format_lin
from edgegym.rewards.combined import RewardResult, _result, score_parsed
from edgegym.rewards.fastscore import fast_check, solve_template
from edgegym.rewards.gold import gold_from_problem, gold_from_record
from edgegym.rewards.mutate import (
    drop_step,
    duplicate_step,
    letters_of,
    literal_expression,
    move_step,
    rename_letters,
    restate_value,
    split_response,
    with_answer,
)
from edgegym.rewards.parse import _solve, parse
from edgegym.rewards.segments import Env, compiled
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.trace import fmt_linear

AGREE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn, min_op: int = 2, max_op: int = 20) -> Problem:
    mode = draw(st.sampled_from(("forward", "reverse")))
    modulus = None if mode == "reverse" else draw(st.sampled_from((None, None, 7, 10, 23)))
    spec = TaskSpec(
        context=draw(st.sampled_from(CONTEXTS)),
        mode=mode,
        op=draw(st.integers(min_op, max_op)),
        seed=draw(st.integers(0, 2**20)),
        index=draw(st.integers(0, 10_000)),
        config=DagConfig(modulus=modulus),
    )
    return generate(spec)


def general(response: str, gold: Gold, mode: str = "gated", alpha: float = 0.5) -> RewardResult:
    """The general path, without the fast one."""
    return _result(parse(response, mode=gold.mode, modulus=gold.modulus), gold, mode, alpha)


def assert_agrees(response: str, gold: Gold) -> bool:
    """The fast path agrees with the general one (or declines); True if it did not decline."""
    full = general(response, gold, "strict")
    checked = fast_check(response, gold)
    if checked is not None:
        got = (*checked,)
        want = (
            full.outcome,
            full.process,
            full.verified,
            full.first_error,
            full.flags,
            full.right,
            full.total,
        )
        assert got == want, (response, got, want)
    for mode in MODES:
        assert score_parsed(response, gold, mode=mode, alpha=0.3) == general(
            response, gold, mode, 0.3
        )
    return checked is not None


def _fresh_map(letters: set[str], rng: random.Random, reverse: bool, injective: bool) -> dict:
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    used = sorted(letters - ({"x"} if reverse else set()))
    if injective:
        return dict(zip(used, rng.sample(pool, len(used)), strict=True))
    return {u: rng.choice(pool[:6]) for u in used}  # letters collide: reuse everywhere


_JUNK = [" ", ".", ";", " = ", "=", "so ", "Define ", "x", "t", "(", ")", "-", "7", "\n", "é", "<"]


def _edit(text: str, rng: random.Random) -> str:
    """One random character-level edit inside the body."""
    end = max(1, text.find(" </solution>"))
    at = rng.randrange(end)
    kind = rng.randrange(4)
    if kind == 0:
        return text[:at] + text[at + 1 :]
    if kind == 1:
        return text[:at] + rng.choice(_JUNK) + text[at:]
    if kind == 2:
        return text[:at] + rng.choice(string.ascii_letters + string.digits) + text[at + 1 :]
    digits = [i for i, c in enumerate(text[:end]) if c.isdigit()]
    if not digits:
        return text
    i = rng.choice(digits)
    return text[:i] + str((int(text[i]) + rng.randrange(1, 10)) % 10) + text[i + 1 :]


def variants(problem: Problem, rng: random.Random) -> list[str]:
    """Gold, renamed, corrupted, truncated, hedged and junk responses to a problem."""
    gold = problem.completion
    reverse = problem.spec.mode == "reverse"
    letters = letters_of(gold)
    n = len(problem.nodes)
    out = [gold]
    for injective in (True, True, False):
        out.append(rename_letters(gold, _fresh_map(letters, rng, reverse, injective)))
    corruptions: list[Callable[[str], str]] = [
        lambda t: restate_value(t, rng.randrange(n), str(rng.randrange(-3, 200))),
        lambda t: drop_step(t, rng.randrange(n)),
        lambda t: duplicate_step(t, rng.randrange(n)),
        lambda t: duplicate_step(t, rng.randrange(n), value=str(rng.randrange(50))),
        lambda t: move_step(t, rng.randrange(n), rng.randrange(n)),
        lambda t: with_answer(t, str(problem.answer + rng.choice((1, -1)))),
        lambda t: t.replace(" </solution>", f" Answer: {problem.answer}. </solution>"),
        lambda t: t + f" <answer> {problem.answer} </answer>",
        lambda t: t.replace("; so", ";so", 1),
        lambda t: t.replace(". Define", ". junk Define", 1),
        lambda t: t.replace(" </solution>", " trailing words </solution>"),
    ]
    for _ in range(3):
        i = rng.randrange(n)
        if problem.nodes[i].parents:
            corruptions.append(lambda t, i=i: literal_expression(t, i))
    for corrupt in corruptions:
        text = gold
        for _ in range(rng.choice((1, 1, 2))):
            try:
                text = corrupt(text)
            except (ValueError, IndexError):
                break
        if rng.random() < 0.5:
            text = rename_letters(
                text, _fresh_map(letters, rng, reverse, injective=rng.random() < 0.8)
            )
        out.append(text)
    for _ in range(3):
        out.append(gold[: rng.randrange(len(gold))])
    for _ in range(6):
        text = gold
        for _ in range(rng.randrange(1, 4)):
            text = _edit(text, rng)
        out.append(text)
    return out


@AGREE
@given(problems(), st.integers(0, 2**32 - 1))
def test_fast_path_agrees_with_general_path(problem: Problem, seed: int) -> None:
    rng = random.Random(seed)
    gold = gold_of(problem)
    for response in variants(problem, rng):
        assert_agrees(response, gold)


@AGREE
@given(problems(), st.integers(0, 2**32 - 1))
def test_fast_path_agrees_for_record_and_node_golds(problem: Problem, seed: int) -> None:
    rng = random.Random(seed)
    lazy = gold_from_problem(problem)
    from_record = gold_from_record(problem.to_record())
    from_nodes = Gold(
        mode=lazy.mode,
        modulus=lazy.modulus,
        answer=lazy.answer,
        nodes=lazy.nodes,
        equation=lazy.equation,
    )
    assert lazy == from_record == from_nodes
    for response in variants(problem, rng)[:12]:
        for gold in (from_record, from_nodes):
            assert_agrees(response, gold)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_fast_path_takes_gold_and_renamed_responses(problem: Problem) -> None:
    gold = gold_of(problem)
    rng = random.Random(0)
    renamed = rename_letters(
        problem.completion,
        _fresh_map(letters_of(problem.completion), rng, problem.spec.mode == "reverse", True),
    )
    for response in (problem.completion, renamed):
        checked = fast_check(response, gold)
        assert checked is not None and checked.verified and not checked.flags


@settings(max_examples=40, deadline=None)
@given(problems(), st.integers(0, 2**32 - 1))
def test_fast_path_takes_common_corruptions(problem: Problem, seed: int) -> None:
    """Wrong values, dropped, repeated and moved steps stay on the fast path."""
    rng = random.Random(seed)
    gold = gold_of(problem)
    n = len(problem.nodes)
    text = problem.completion
    for response in (
        drop_step(text, rng.randrange(n)),
        duplicate_step(text, rng.randrange(n)),
        move_step(text, rng.randrange(n), 0),
        with_answer(text, str(problem.answer + 1)),
    ):
        assert assert_agrees(response, gold), response


def _temps_as(step: str, letter: str) -> str:
    """Rename the temporaries of one ``Define`` step to ``letter``."""
    head, _, rest = step.partition("; ")
    for clause in rest.rstrip(".").split("; "):
        if not clause.startswith("so ") and " = " in clause:
            temp = clause.split(" = ")[0]
            rest = re.sub(rf"(?<![A-Za-z0-9']){temp}(?![A-Za-z0-9'])", letter, rest)
    return f"{head}; {rest}"


@pytest.mark.parametrize("seed", range(16))
def test_steps_reusing_one_temporary_letter(seed: int) -> None:
    """A model that writes every temporary as ``t`` (legal: a temporary ends with its step)."""
    mode = ("forward", "reverse")[seed % 2]
    problem = generate(TaskSpec(op=10 + seed % 11, mode=mode, seed=seed))
    gold = gold_of(problem)
    rng = random.Random(seed)
    letters = letters_of(problem.completion) - ({"x"} if mode == "reverse" else set())
    pool = [c for c in string.ascii_letters if c not in "tx"]
    text = rename_letters(
        problem.completion, dict(zip(sorted(letters), rng.sample(pool, len(letters)), strict=True))
    )
    trace = split_response(text)
    steps = tuple(_temps_as(step, "t") for step in trace.steps)
    for response in (
        dataclasses.replace(trace, steps=steps).render(),
        dataclasses.replace(trace, steps=steps[::-1]).render(),
    ):
        assert_agrees(response, gold)
    assert fast_check(dataclasses.replace(trace, steps=steps).render(), gold) is not None


def test_solve_template_matches_the_general_parser() -> None:
    for seed in range(40):
        problem = generate(TaskSpec(op=2 + seed % 19, mode="reverse", seed=seed))
        gold = gold_of(problem)
        template = solve_template(gold)
        assert template is not None and template.verdict is None
        tail = split_response(problem.completion).tail
        assert tail == "We know " + tail[8] + template.suffix
        env = Env(True, None)
        env.values[tail[8]] = template.value
        from edgegym.rewards.process import _solve_ok

        assert _solve_ok(_solve(tail, env), gold) == template.verdict


def test_gold_is_immutable_comparable_and_picklable() -> None:
    problem = generate(TaskSpec(op=8, mode="reverse", seed=3))
    lazy = gold_from_problem(problem)
    eager = gold_from_record(problem.to_record())
    assert lazy == eager and hash(lazy) == hash(eager)
    assert pickle.loads(pickle.dumps(lazy)) == lazy
    assert "Gold(mode='reverse'" in repr(lazy)
    with pytest.raises(AttributeError):
        lazy.answer = 3  # type: ignore[misc]
    assert lazy.index == eager.index and lazy.nodes == eager.nodes
    assert Reward()(problem, problem.completion) == 1.0


def test_gold_from_problem_validates_like_before() -> None:
    problem = generate(TaskSpec(op=5, mode="reverse", seed=1))
    node = problem.nodes[0]
    no_coef = node.replace(coef=None)
    with pytest.raises(ValueError, match="has no coef"):
        gold_from_problem(dataclasses.replace(problem, nodes=(no_coef,)))
    with pytest.raises(ValueError, match="unique"):
        gold_from_problem(dataclasses.replace(problem, nodes=(node, node)))
    with pytest.raises(ValueError, match="empty"):
        gold_from_problem(dataclasses.replace(problem, nodes=()))


@pytest.mark.parametrize("segment", ["( + a", "= + a", "a + (", "a + " + "1" * 40, "5 * = "])
def test_binary_shaped_segments_with_bad_operands_do_not_raise(segment: str) -> None:
    compiled(segment)  # used to raise EvalError out of the compiler
    problem = generate(TaskSpec(op=3, seed=0))
    for text in (f"so b = {segment} = 5", f"so b = 5 = {segment}"):
        response = f" Define q as b; {text}. </solution> <answer> 5 </answer>"
        assert parse(response).steps[0].error is not None
        assert 0.0 <= score(problem, response).score <= 1.0


@settings(max_examples=30, deadline=None)
@given(problems(max_op=14), st.integers(0, 2**32 - 1))
def test_fast_path_agrees_for_study_records(problem: Problem, seed: int) -> None:
    """The study's records: no operations known, so every step is read clause by clause."""
    record = {
        "problem": problem.problem,
        "question": problem.question,
        "solution": problem.solution,
        "mode": "forwardreverse" if problem.spec.mode == "reverse" else "normalforward",
    }
    assume(problem.spec.config.modulus is None)
    gold = gold_of(record)
    rng = random.Random(seed)
    for response in variants(problem, rng)[:14]:
        assert_agrees(response, gold)
        assert score(record, response) == general(response, gold)


def test_names_that_change_the_split_are_never_guessed() -> None:
    """A name with ``;`` or ``Define`` splits the text differently: checked clause by clause."""
    for seed, bad in enumerate(("a; b", "Define x", "redefined;", " ")):
        problem = generate(TaskSpec(op=6, seed=seed))
        record = problem.to_record()
        old = record["graph"][0]["name"]
        record["graph"][0]["name"] = bad
        for node in record["graph"]:
            node["parents"] = [bad if p == old else p for p in node["parents"]]
        gold = gold_from_record(record)
        assert not gold.names_ok
        response = problem.completion.replace(f"Define {old} as", f"Define {bad} as")
        assert_agrees(response, gold)
        assert_agrees(problem.completion, gold)


def test_declines_what_it_does_not_model() -> None:
    problem = generate(TaskSpec(op=6, mode="reverse", seed=2))
    gold = gold_of(problem)
    with_modulus = Gold(
        mode="reverse", modulus=7, answer=gold.answer, nodes=gold.nodes, equation=gold.equation
    )
    assert fast_check(problem.completion, with_modulus) is None
    assert fast_check(3, gold) is None  # type: ignore[arg-type]
    huge = "9" * 35
    text = problem.completion.replace(
        " </solution>", f" Define big as B; so B = {huge}. </solution>"
    )
    assert_agrees(text, gold)
    forward = generate(TaskSpec(op=6, seed=4))
    fgold = gold_of(forward)
    first = split_response(forward.completion).steps[0]
    letter = first.split(" as ")[1][0]
    times = f"Define big as B; so B = {letter} * {'9' * 30}. "
    assert_agrees(forward.completion.replace(" </solution>", f" {times}</solution>"), fgold)


def test_record_classes_are_recognised_after_abc_registration() -> None:
    from collections.abc import Mapping

    from edgegym.rewards.gold import is_record

    class Late:
        def __getitem__(self, key: str) -> object:
            raise KeyError(key)

    late = Late()
    assert not is_record(late)
    Mapping.register(Late)
    assert is_record(late)


@given(st.integers(-(10**40), 10**40), st.integers(-(10**40), 10**40))
def test_forms_of_ints_are_written_as_format_lin_writes_them(a: int, b: int) -> None:
    for pair in ((a, b), (a % 3 - 1, b), (a, 0), (0, b)):
        assert fmt_linear(*pair) == format_lin(pair)
