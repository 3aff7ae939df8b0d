"""Properties O1-O6, P1-P8 and C1-C4 of issue 3, over generated problems.

Problems: op 2..20, every context, both modes, and forward problems with a modulus; half of
them study-shaped (``DagConfig.study()``), with compound relations.
Each property draws problems with hypothesis; budgets keep the file under ~30 s.
"""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from edgegym.rewards import MODES, Reward, gold_of, score
from edgegym.rewards.combined import score_parsed
from edgegym.tasks import CONTEXTS, DagConfig, Problem, TaskSpec, generate
from edgegym.tasks.mutate import (
    Trace,
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

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MODERATE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def problems(draw: st.DrawFn, min_op: int = 2, max_op: int = 20) -> Problem:
    mode = draw(st.sampled_from(("forward", "reverse")))
    modulus = None if mode == "reverse" else draw(st.sampled_from((None, None, None, 7, 10, 23)))
    # Half the problems are study-shaped, with compound relations (every one, or some).
    compound = draw(st.sampled_from((None, None, 0.4, 1.0)))
    config = (
        DagConfig(modulus=modulus)
        if compound is None
        else DagConfig.study(modulus=modulus, compound=compound)
    )
    spec = TaskSpec(
        context=draw(st.sampled_from(CONTEXTS)),
        mode=mode,
        op=draw(st.integers(min_op, max_op)),
        seed=draw(st.integers(0, 2**20)),
        index=draw(st.integers(0, 10_000)),
        config=config,
    )
    return generate(spec)


def strict(problem: Problem, response: str) -> float:
    return score(problem, response, mode="strict").score


def gated(problem: Problem, response: str) -> float:
    return score(problem, response, mode="gated").score


def step_index(problem: Problem, name: str) -> int:
    """Index of the gold step defining ``name`` in the gold completion."""
    steps = split_response(problem.completion).steps
    return next(i for i, s in enumerate(steps) if s.startswith(f"Define {name} as "))


def other_value(problem: Problem, index: int) -> str:
    """A stated value different from the gold one at step ``index``."""
    node = problem.nodes[index]
    if node.coef is not None:
        a, b = node.coef
        return f"{a}*x + {b + 1}" if a else str(b + 1)
    return str(node.value + 1)


# --- O: outcome ---------------------------------------------------------------------------


@FAST
@given(problems())
def test_o1_gold_response_is_perfect(problem: Problem) -> None:
    for mode in MODES:
        result = score(problem, problem.completion, mode=mode)
        assert (result.score, result.outcome, result.process, result.verified) == (1, 1, 1, True)
        assert result.first_error is None


@FAST
@given(problems(), st.sampled_from(["both", "two_tags", "trace_answer", "list"]))
def test_o2_two_answers_score_zero(problem: Problem, shape: str) -> None:
    gold, other = str(problem.answer), str(problem.answer + 1)
    response = {
        "both": problem.completion + f" <answer> {gold} </answer>",
        "two_tags": problem.completion.replace(
            "</answer>", f"</answer> <answer> {other} </answer>"
        ),
        "trace_answer": problem.completion.replace(
            " </solution>", f" Answer: {other}. </solution>"
        ),
        "list": with_answer(problem.completion, f"{gold}, {other}"),
    }[shape]
    for mode in ("outcome", "gated", "strict"):
        assert score(problem, response, mode=mode).score == 0.0


@FAST
@given(problems(), st.data())
def test_o3_truncation_without_closing_tag_scores_zero(
    problem: Problem, data: st.DataObject
) -> None:
    text = problem.completion
    cut = data.draw(st.integers(0, text.index("</answer>") + len("</answer>") - 1))
    result = score(problem, text[:cut], mode="gated")
    assert result.outcome == 0.0 and result.score == 0.0
    assert score(problem, text[:cut], mode="strict").score == 0.0


@FAST
@given(problems(), st.sampled_from(["outside", "nested", "empty", "no_close_tag", "stray", "key"]))
def test_o4_malformed_answers_score_zero(problem: Problem, shape: str) -> None:
    gold = str(problem.answer)
    body = problem.completion.split(" </solution>")[0]
    response = {
        "outside": f"{body} </solution> {gold} <answer> {gold} </answer>",
        "nested": f"{body} </solution> <answer> <answer> {gold} </answer> </answer>",
        "empty": f"{body} </solution> <answer> </answer>",
        "no_close_tag": f"{body} <answer> {gold} </answer>",
        "stray": f"<solution>{body} </solution> <answer> {gold} </answer>",
        "key": f"{body} Answer: {gold}.",
    }[shape]
    assert score(problem, response, mode="outcome").score == 0.0
    for key in (":", "Answer:", "Let's solve this step by step.", "", " ", "</answer>"):
        assert score(problem, key, mode="outcome").score == 0.0


ACCEPTED = ["{n}", " {n} ", "\n{n}\t", "{n}.", "0{n}", "00{n}", "{n}.0", "{n}.000", " {n}. "]
REJECTED = ["+{n}", "{n}e0", "{n}/1", "{n}+0", "{n} owls", "x = {n}", "{n},0", "{n}..", "({n})"]


@FAST
@given(problems())
def test_o5_numeric_forms(problem: Problem) -> None:
    n = problem.answer
    for form in ACCEPTED:
        response = with_answer(problem.completion, "").replace(
            "<answer>  </answer>", f"<answer>{form.format(n=n)}</answer>"
        )
        assert score(problem, response, mode="strict").score == 1.0, form
    for form in REJECTED:
        response = with_answer(problem.completion, form.format(n=n))
        assert score(problem, response, mode="outcome").score == 0.0, form
    arabic = str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert score(problem, with_answer(problem.completion, arabic), mode="outcome").score == 0.0


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=3000), problems(max_op=6))
def test_o6_fuzzed_text_is_total(text: str, problem: Problem) -> None:
    for response in (text, problem.completion[: len(text)] + text, text + problem.completion):
        for mode in MODES:
            result = score(problem, response, mode=mode)
            assert 0.0 <= result.score <= 1.0 and 0.0 <= result.process <= 1.0


# --- P: process ---------------------------------------------------------------------------


@FAST
@given(problems(), st.data())
def test_p1_missing_step_or_wrong_value(problem: Problem, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    steps = split_response(problem.completion).steps
    variants = [drop_step(problem.completion, i)]
    if problem.nodes[i].op != "unknown":
        variants.append(restate_value(problem.completion, i, other_value(problem, i)))
    for response in variants:
        assert strict(problem, response) == 0.0
        assert gated(problem, response) < gated(problem, problem.completion)
    assert len(steps) == len(problem.nodes)


@FAST
@given(problems(), st.data())
def test_p2_extra_or_repeated_steps_never_help(problem: Problem, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    fresh = next(c for c in string.ascii_letters if c not in letters_of(problem.completion) | {"x"})
    extra = f"Define number of unicorns in Nowhere as {fresh}; so {fresh} = 5."
    trace = split_response(problem.completion)
    padded = Trace(trace.pre, (*trace.steps, extra), trace.tail, trace.answer).render()
    for response in (duplicate_step(problem.completion, i), padded):
        for mode in MODES:
            assert (
                score(problem, response, mode=mode).score
                <= score(problem, problem.completion, mode=mode).score
            )
        assert score(problem, response).process < 1.0


@FAST
@given(problems(), st.data())
def test_p3_redefined_step_is_flagged_and_wrong(problem: Problem, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    assume(problem.nodes[i].op != "unknown")
    response = duplicate_step(problem.completion, i, value=other_value(problem, i))
    result = score(problem, response)
    assert "step_duplicate" in result.flags
    assert result.right <= result.total - 1 and not result.verified


def loses_parents(problem: Problem, i: int) -> bool:
    """Whether ``literal_expression`` at node i changes its parents (a reverse-mode literal
    such as ``x + 2`` still refers to the unknown)."""
    node = problem.nodes[i]
    unknown = {n.name for n in problem.nodes if n.op == "unknown"}
    literal = unknown if node.coef is not None and node.coef[0] else set()
    return node.op not in ("const", "unknown") and set(node.parents) != literal


@FAST
@given(problems(), st.data())
def test_p4_right_value_wrong_parents(problem: Problem, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    assume(loses_parents(problem, i))
    result = score(problem, literal_expression(problem.completion, i))
    assert "wrong_parents" in result.flags and result.right == result.total - 1
    assert not result.verified


@FAST
@given(problems(), st.data())
def test_p5_stated_value_its_expression_does_not_give(
    problem: Problem, data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    assume(problem.nodes[i].op != "unknown")
    result = score(problem, restate_value(problem.completion, i, other_value(problem, i)))
    assert "inconsistent" in result.flags and not result.verified
    assert result.first_error == i


@FAST
@given(problems(min_op=3), st.data())
def test_p6_use_before_definition(problem: Problem, data: st.DataObject) -> None:
    candidates = [i for i, n in enumerate(problem.nodes) if n.parents]
    assume(candidates)
    i = data.draw(st.sampled_from(candidates))
    parent = min(step_index(problem, p) for p in problem.nodes[i].parents)
    response = move_step(problem.completion, i, parent)
    result = score(problem, response)
    assert "use_before_definition" in result.flags and not result.verified
    assert result.first_error == parent


@MODERATE
@given(problems(min_op=4), st.data())
def test_p7_corrupting_m_nodes_bounds_process(problem: Problem, data: st.DataObject) -> None:
    candidates = [i for i, n in enumerate(problem.nodes) if n.op != "unknown"]
    chosen = data.draw(st.lists(st.sampled_from(candidates), min_size=1, unique=True))
    response = problem.completion
    for i in chosen:
        kinds = ["value", "parents"] if loses_parents(problem, i) else ["value"]
        kind = data.draw(st.sampled_from(kinds))
        if kind == "value":
            response = restate_value(response, i, other_value(problem, i))
        else:
            response = literal_expression(response, i)
    total = len(problem.nodes)
    assert score(problem, response).process <= 1 - len(chosen) / total + 1e-12


def _random_renaming(response: str, rng: random.Random, reverse: bool) -> dict[str, str]:
    used = sorted(letters_of(response) - ({"x"} if reverse else set()))
    pool = [c for c in string.ascii_letters if not (reverse and c == "x")]
    return dict(zip(used, rng.sample(pool, len(used)), strict=True))


@MODERATE
@given(
    problems(), st.integers(0, 2**32), st.sampled_from(["gold", "value", "drop", "move", "literal"])
)
def test_p8_renaming_letters_changes_nothing(problem: Problem, seed: int, variant: str) -> None:
    rng = random.Random(seed)
    i = rng.randrange(len(problem.nodes))
    response = problem.completion
    if variant == "value" and problem.nodes[i].op != "unknown":
        response = restate_value(response, i, other_value(problem, i))
    elif variant == "drop":
        response = drop_step(response, i)
    elif variant == "move":
        response = move_step(response, i, 0)
    elif variant == "literal" and problem.nodes[i].parents:
        response = literal_expression(response, i)
    reverse = problem.spec.mode == "reverse"
    renamed = rename_letters(response, _random_renaming(response, rng, reverse))
    gold = gold_of(problem)
    for mode in MODES:
        assert score_parsed(renamed, gold, mode=mode) == score_parsed(response, gold, mode=mode)


@MODERATE
@given(problems(), st.integers(0, 2**32), st.booleans())
def test_fast_path_agrees_with_full_check(problem: Problem, seed: int, collapse: bool) -> None:
    """The template fast path (after a verified response) returns what the full check does."""
    rng = random.Random(seed)
    reverse = problem.spec.mode == "reverse"
    reward = Reward(mode="gated")
    reward(problem, problem.completion)  # verified: becomes a pending template
    mapping = _random_renaming(problem.completion, rng, reverse)
    if collapse and len(mapping) > 1:  # not injective: must not take the fast path's answer
        first, second = sorted(mapping)[:2]
        mapping[second] = mapping[first]
    renamed = rename_letters(problem.completion, mapping)
    gold = gold_of(problem)
    for response in (
        renamed,
        problem.completion,
        renamed + " trailing",
        renamed + "<answer> 1 </answer>",
    ):
        assert reward.result(problem, response) == score_parsed(response, gold, mode="gated")


# --- C: combined --------------------------------------------------------------------------


@FAST
@given(problems())
def test_c1_wrong_answer_scores_zero_despite_perfect_trace(problem: Problem) -> None:
    response = with_answer(problem.completion, str(problem.answer + 1))
    assert gated(problem, response) == 0.0 and strict(problem, response) == 0.0
    assert score(problem, response).process == 1.0


def test_c2_random_guesser_gets_no_strict_reward() -> None:
    rng = random.Random(0)
    total = 0.0
    for i in range(300):
        problem = generate(TaskSpec(context=CONTEXTS[i % len(CONTEXTS)], op=2 + i % 19, index=i))
        guess = f" </solution> <answer> {rng.randrange(0, 30)} </answer>"
        total += strict(problem, guess)
    assert total == 0.0


@settings(max_examples=60, deadline=None)
@given(problems(), st.data())
def test_c3_strict_le_gated_le_outcome(problem: Problem, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(problem.nodes) - 1))
    edit = data.draw(st.sampled_from(["none", "drop", "dup", "move", "answer", "cut", "literal"]))
    response = problem.completion
    if edit == "drop":
        response = drop_step(response, i)
    elif edit == "dup":
        response = duplicate_step(response, i)
    elif edit == "move":
        response = move_step(response, i, 0)
    elif edit == "answer":
        response = with_answer(response, str(problem.answer - 1))
    elif edit == "cut":
        response = response[: data.draw(st.integers(0, len(response)))]
    elif edit == "literal" and problem.nodes[i].parents:
        response = literal_expression(response, i)
    s, g, o = (score(problem, response, mode=m).score for m in ("strict", "gated", "outcome"))
    assert s <= g <= o
    assert g <= score(problem, problem.completion, mode="gated").score


@FAST
@given(problems(), st.text(alphabet=st.characters(blacklist_characters="<"), max_size=200))
def test_c4_text_after_closing_tag_changes_nothing(problem: Problem, trailing: str) -> None:
    base = problem.completion.replace(
        f"{problem.answer} </answer>", f"{problem.answer + 1} </answer>"
    )
    for response in (problem.completion, base, drop_step(problem.completion, 0)):
        for extra in (" ", "\n\n", trailing, "</solution> whatever"):
            for mode in MODES:
                assert score(problem, response + extra, mode=mode) == score(
                    problem, response, mode=mode
                )


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_every_context_and_mode_op_2_to_20_verifies(context: str, mode: str) -> None:
    for op in range(2, 21):
        problem = generate(TaskSpec(context=context, mode=mode, op=op, index=op))
        assert score(problem, problem.completion, mode="strict").score == 1.0
        assert score(problem.to_record(), problem.completion, mode="strict").score == 1.0


def test_mutate_round_trip() -> None:
    for mode in ("forward", "reverse"):
        problem = generate(TaskSpec(mode=mode, op=12))
        assert split_response(problem.completion).render() == problem.completion


def _variant(problem: Problem, rng: random.Random) -> str:
    """A response as a sampler might write it: gold or one corruption, letters redrawn,
    sometimes two letters collapsed into one, sometimes cut short."""
    text = problem.completion
    i = rng.randrange(len(problem.nodes))
    kind = rng.choice(["gold", "gold", "value", "drop", "dup", "move", "literal", "answer"])
    if kind == "value" and problem.nodes[i].op != "unknown":
        text = restate_value(text, i, other_value(problem, i))
    elif kind == "drop":
        text = drop_step(text, i)
    elif kind == "dup":
        text = duplicate_step(text, i)
    elif kind == "move":
        text = move_step(text, i, rng.randrange(len(problem.nodes)))
    elif kind == "literal" and problem.nodes[i].parents:
        text = literal_expression(text, i)
    elif kind == "answer":
        text = with_answer(text, str(problem.answer + 1))
    reverse = problem.spec.mode == "reverse"
    mapping = _random_renaming(text, rng, reverse)
    if rng.random() < 0.2 and len(mapping) > 1:
        a, b = rng.sample(sorted(mapping), 2)
        mapping[a] = mapping[b]
    text = rename_letters(text, mapping)
    if rng.random() < 0.15:  # unusual whitespace next to a letter or an operator
        spaces = [i for i, c in enumerate(text) if c == " "]
        i = rng.choice(spaces)
        text = text[:i] + rng.choice(["\n", "\t", "  ", " \n "]) + text[i + 1 :]
    if rng.random() < 0.1:
        text = text[: rng.randrange(len(text))]
    return text


@MODERATE
@given(problems(), st.integers(0, 2**32))
def test_memoized_scoring_equals_the_full_check(problem: Problem, seed: int) -> None:
    """Step memo and templates (one Reward over many responses) change no result."""
    rng = random.Random(seed)
    gold = gold_of(problem)
    reward = Reward(mode="gated")
    for _ in range(12):
        response = _variant(problem, rng)
        assert reward.result(problem, response) == score_parsed(response, gold, mode="gated")


@pytest.mark.parametrize("space", ["\n", "\t", "  "])
def test_template_slots_cover_letters_next_to_any_whitespace(space: str) -> None:
    """A verified template whose letter sits next to unusual whitespace: renaming the
    definition but not that reference must not inherit the template's verdict."""
    problem = generate(TaskSpec(context="zoo", op=6, index=2))
    steps = split_response(problem.completion).steps
    last = steps[-1]
    head, _, expr = last.partition("so ")
    letter = expr.split(" = ")[1].split(" ")[0]  # first letter of the last expression
    spaced = problem.completion.replace(
        last, f"{head}so {expr.replace(f' = {letter}', f' ={space}{letter}', 1)}"
    )
    reward = Reward(mode="strict")
    gold = gold_of(problem)
    assert reward.result(problem, spaced) == score_parsed(spaced, gold, mode="strict")
    assert reward.result(problem, spaced).verified
    defining = next(s for s in steps if s.split(";")[0].endswith(f" as {letter}"))
    fresh = next(c for c in string.ascii_letters if c not in letters_of(problem.completion))
    renamed_def = spaced.replace(
        defining,
        rename_letters(f" {defining}{TAGS_TAIL}", {letter: fresh}).split(TAGS_TAIL)[0].strip(),
    )
    for response in (spaced, renamed_def):
        assert reward.result(problem, response) == score_parsed(response, gold, mode="strict")


TAGS_TAIL = " </solution> <answer> 0 </answer>"
