"""The parser and the bounded evaluator: exact values, totality, linear work."""

from __future__ import annotations

import builtins
import functools
import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgegym.rewards import gold_of, parse, parse_answer, parse_number, score
from edgegym.rewards.answer import answer_value
from edgegym.rewards.arith import MAX_DEPTH, EvalError, Lin, evaluate
from edgegym.tasks import CONTEXTS, TaskSpec, generate

MB = 1 << 20


def _x_only(letter: str) -> Lin:
    if letter == "x":
        return (1, 0)
    raise EvalError("undefined_letter")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("18", (0, 18)),
        ("9 * 18", (0, 162)),
        ("(2*x + 24) - (x + 3)", (1, 21)),
        ("3 * (x + 2)", (3, 6)),
        ("-x + 69", (-1, 69)),
        ("-5 / -1", (0, 5)),
        ("777 / 37", (0, 21)),
        ("x / 2", (Fraction(1, 2), 0)),
        ("--4", (0, 4)),
        ("2 + 3 * 4 - 6 / 3", (0, 12)),
        ("((((x))))", (1, 0)),
        ("0 - x - x", (-2, 0)),
    ],
)
def test_evaluate_exact(text: str, value: Lin) -> None:
    assert evaluate(text, _x_only) == value


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("x * x", "nonlinear"),
        ("(x + 1) * (x - 1)", "nonlinear"),
        ("1 / 0", "bad_division"),
        ("3 / x", "bad_division"),
        ("1" * 31, "too_large"),
        ("99999999999999999999 * 99999999999999999999 * 99999", "too_large"),
        ("(" * (MAX_DEPTH + 2) + "1" + ")" * (MAX_DEPTH + 2), "too_deep"),
        ("-" * (MAX_DEPTH + 2) + "1", "too_deep"),
        ("1 +", "syntax"),
        ("", "syntax"),
        ("2 ** 3", "syntax"),
        ("xx", "syntax"),
        ("1.5", "syntax"),
        ("__import__('os')", "syntax"),
        ("١٢", "syntax"),
        ("y", "undefined_letter"),
        ("1 + " * 200 + "1", "too_long"),
    ],
)
def test_evaluate_rejects(text: str, error: str) -> None:
    with pytest.raises(EvalError) as info:
        evaluate(text, _x_only)
    assert info.value.args[0] == error


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> tuple[str, Lin]:
    """An expression text and its value, computed on the tree (an independent oracle)."""
    if depth >= 4 or draw(st.booleans()):
        if draw(st.booleans()):
            return "x", (1, 0)
        k = draw(st.integers(0, 999))
        return str(k), (0, k)
    op = draw(st.sampled_from("+-*"))
    (lt, (la, lb)), (rt, (ra, rb)) = draw(expressions(depth + 1)), draw(expressions(depth + 1))
    if op == "*" and la and ra:
        op = "+"
    value = {
        "+": (la + ra, lb + rb),
        "-": (la - ra, lb - rb),
        "*": (la * rb + ra * lb, lb * rb),
    }[op]
    return f"({lt}) {op} ({rt})", value


@settings(max_examples=300, deadline=None)
@given(expressions())
def test_evaluate_matches_tree_oracle(case: tuple[str, Lin]) -> None:
    text, value = case
    if len(text) <= 512:
        assert evaluate(text, _x_only) == value


NUMBERS = [
    ("162", 162),
    (" 162\n", 162),
    ("162.", 162),
    ("0162", 162),
    ("162.0", 162),
    ("-5", -5),
    ("162.5", Fraction(325, 2)),
    ("+162", None),
    ("1,620", None),
    ("324/2", None),
    ("1.62e2", None),
    ("162 owls", None),
    ("١٦٢", None),
    ("162\u00a0", None),
    ("", None),
    ("-", None),
    (".5", None),
    ("1" * 65, None),
]


@pytest.mark.parametrize(("text", "value"), NUMBERS)
def test_parse_number_table(text: str, value: int | Fraction | None) -> None:
    assert parse_number(text) == value


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_parse_reads_the_gold_graph(context: str, mode: str) -> None:
    problem = generate(TaskSpec(context=context, mode=mode, op=14, index=3))
    parsed = parse(problem.completion, mode=mode)
    assert parsed.answer == problem.answer and not parsed.junk
    assert [s.name for s in parsed.steps] == [n.name for n in problem.nodes]
    for step, node in zip(parsed.steps, problem.nodes, strict=True):
        assert set(step.parents) == set(node.parents) and step.error is None
        assert step.value == (node.coef if node.coef is not None else (0, node.value))
        assert step.letter == problem.letters[node.name]
    assert (parsed.solve is not None) == (mode == "reverse")


@functools.lru_cache(maxsize=4)
def _pathological(n: int) -> dict[str, str]:
    rng = random.Random(n)
    alphabet = [chr(c) for c in range(0x20, 0x2FFF)] + list("Define as ;=.<>()x+-*/0123456789")
    unicode_soup = "".join(rng.choices(alphabet, k=n))
    return {
        "defines": "Define " * (n // 7),
        "headers_no_period": "Define a as b; " * (n // 15),
        "deep_parens": "Define a as b; so b = " + "(" * (n // 2) + "1" + ")" * (n // 2) + ".",
        "long_sum": "Define a as b; so b = " + "1 + " * (n // 4) + "1.",
        "long_chain": "Define a as b; so b = " + "a = " * (n // 4) + "1.",
        "many_temps": "Define a as b; " + "t = 1; " * (n // 7) + "so b = t.",
        "equals": "=" * n,
        "semicolons": ";" * n,
        "periods": "." * n,
        "answer_opens": "<answer>" * (n // 8),
        "answer_closes": "</answer>" * (n // 9),
        "trace_answers": "Answer: " * (n // 8),
        "huge_answer": " </solution> <answer> " + "9" * n + " </answer>",
        "valid_steps": "Define q as b; so b = 1. " * (n // 25)
        + " </solution> <answer> 1 </answer>",
        "solve_heads": "Define a as b; so b = 1. " + "We know " * (n // 8),
        "unicode_soup": unicode_soup,
    }


def _check_linear(shape: str, mode: str, size: int) -> None:
    text = _pathological(size)[shape]
    parsed = parse(text, mode=mode)  # type: ignore[arg-type]
    assert parsed.work <= 2 * len(text) + 16
    small = parse(_pathological(size // 16)[shape], mode=mode)  # type: ignore[arg-type]
    assert parsed.work <= 17 * small.work + 64  # 16x the input, at most ~16x the work


@pytest.mark.parametrize("shape", sorted(_pathological(100)))
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_pathological_inputs_take_linear_work(shape: str, mode: str) -> None:
    _check_linear(shape, mode, MB // 4)


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(_pathological(100)))
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_one_megabyte_pathological_inputs_take_linear_work(shape: str, mode: str) -> None:
    _check_linear(shape, mode, MB)


def test_one_megabyte_inputs_score_in_range_without_running_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("eval/exec/compile called")

    problem = generate(TaskSpec(op=6))
    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    for text in _pathological(MB).values():
        result = score(problem, text)
        assert 0.0 <= result.score <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=5000), st.sampled_from(["forward", "reverse"]), st.sampled_from([None, 10]))
def test_parse_is_total_on_any_text(text: str, mode: str, modulus: int | None) -> None:
    parsed = parse(text, mode=mode, modulus=modulus)  # type: ignore[arg-type]
    assert parsed.work <= 2 * len(text) + 16
    parse(text + " </solution> <answer> 1 </answer>", mode=mode)  # type: ignore[arg-type]


def test_non_text_is_flagged_not_raised() -> None:
    problem = generate(TaskSpec(op=4))
    for thing in (None, 12, b"bytes", ["list"]):
        result = score(problem, thing)  # type: ignore[arg-type]
        assert result.score == 0.0 and "not_text" in result.flags


def test_modulus_requires_reduced_residues() -> None:
    record = {
        "mode": "forward",
        "answer": 2,
        "config": {"modulus": 10},
        "solution": "s",
        "graph": [
            {"name": "a", "op": "const", "parents": [], "value": 7},
            {"name": "b", "op": "const", "parents": [], "value": 5},
            {"name": "c", "op": "sum", "parents": ["a", "b"], "value": 2},
        ],
    }
    steps = (
        "Define a as A; so A = 7. Define b as B; so B = 5. "
        "Define c as C; so C = A + B = 7 + 5 = {v}."
    )
    tags = " </solution> <answer> 2 </answer>"
    assert score(record, " " + steps.format(v=2) + tags, mode="strict").score == 1.0
    unreduced = score(record, " " + steps.format(v=12) + tags)
    assert "inconsistent" in unreduced.flags and not unreduced.verified
    assert gold_of(record).modulus == 10


PIECES = [
    "<answer>",
    "</answer>",
    "</solution>",
    "<solution>",
    "<question>",
    " 5 ",
    "5",
    "Answer: 5.",
    "Answer",
    ":",
    "Answer: 6",
    " ",
    "<",
    "x",
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=12))
def test_fast_answer_path_agrees_with_full_scan(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert answer_value(text) == parse_answer(text)[0]
    assert (
        answer_value(" Define a as b; so b = 5. </solution> <answer>" + text)
        == (parse_answer(" Define a as b; so b = 5. </solution> <answer>" + text)[0])
    )
