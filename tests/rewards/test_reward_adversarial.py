"""Hand-written adversarial responses, one per row, each naming the trick it tries.

Two small problems written out by hand (a forward one from the study's example and a
reverse one); every row gives the response and what must come out: the outcome, whether
it is verified, and a flag that must be raised.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest

from edgegym.rewards import MODES, score

FORWARD: dict[str, Any] = {
    "mode": "forward",
    "answer": 162,
    "solution": "unused: the graph below is the gold",
    "graph": [
        {"name": "adult wolf in Bundle Ranch", "op": "const", "parents": [], "value": 18},
        {
            "name": "adult deer in Bundle Ranch",
            "op": "times",
            "parents": ["adult wolf in Bundle Ranch"],
            "value": 162,
        },
        {
            "name": "total number of adult animals in Bundle Ranch",
            "op": "total",
            "parents": ["adult deer in Bundle Ranch", "adult wolf in Bundle Ranch"],
            "value": 180,
        },
        {
            "name": "adult owl in Hamilton Farm",
            "op": "diff",
            "parents": [
                "total number of adult animals in Bundle Ranch",
                "adult wolf in Bundle Ranch",
            ],
            "value": 162,
        },
    ],
}
W = "Define adult wolf in Bundle Ranch as O; so O = 18."
D = "Define adult deer in Bundle Ranch as g; o = O = 18; so g = 9 * o = 9 * 18 = 162."
T = "Define total number of adult animals in Bundle Ranch as R; so R = g + O = 162 + 18 = 180."
H = "Define adult owl in Hamilton Farm as C; so C = R - O = 180 - 18 = 162."
TAGS = " </solution> <answer> 162 </answer>"
GOLD_F = f" {W} {D} {T} {H}{TAGS}"

REVERSE: dict[str, Any] = {
    "mode": "reverse",
    "answer": 14,
    "solution": "unused: the graph below is the gold",
    "graph": [
        {
            "name": "adult owl in South Zoo",
            "op": "unknown",
            "parents": [],
            "value": 14,
            "coef": [1, 0],
        },
        {
            "name": "adult fox in South Zoo",
            "op": "const",
            "parents": [],
            "value": 20,
            "coef": [0, 20],
        },
        {
            "name": "total number of adult animals in South Zoo",
            "op": "total",
            "parents": ["adult fox in South Zoo", "adult owl in South Zoo"],
            "value": 34,
            "coef": [1, 20],
        },
        {
            "name": "adult bear in Pine Ridge",
            "op": "times",
            "parents": ["total number of adult animals in South Zoo"],
            "value": 102,
            "coef": [3, 60],
        },
    ],
}
PRE = "The question is difficult, so we use equations to solve it."
U = "Define adult owl in South Zoo as x; we don't know its value yet but will find it out later."
F = "Define adult fox in South Zoo as A; so A = 20."
K = "Define total number of adult animals in South Zoo as k; so k = A + x = 20 + x = x + 20."
M = "Define adult bear in Pine Ridge as M; L = k = x + 20; so M = 3 * L = 3 * (x + 20) = 3*x + 60."
HEAD = "We know M = 102, so we have 3*x + 60 = 102 and we solve it through the following steps:"
SIMPLIFY = "Simplifying the equation: 3*x + 60 = 102."
MOVE = "Move all terms to one side: 3*x - 42 = 0."
REST = "Isolate the term with x: 3*x = 42. Divide both sides by 3: x = 42 / 3. Solution: x = 14."
SOLVE = f"{HEAD} {SIMPLIFY} {MOVE} {REST}"
RTAGS = " </solution> <answer> 14 </answer>"
GOLD_R = f" {PRE} {U} {F} {K} {M} {SOLVE}{RTAGS}"

PWNED = Path("/tmp/edgegym_rewards_pwned")
INJECTION = f"= __import__('os').system('touch {PWNED}')"

# (id, problem, response, outcome, verified, a flag that must be raised or None)
ROWS: list[tuple[str, dict[str, Any], str, int, bool, str | None]] = [
    # the gold response: the reference point
    ("gold_forward", FORWARD, GOLD_F, 1, True, None),
    # the right number with no work at all
    ("answer_only", FORWARD, TAGS, 1, False, "missing_step"),
    # master key: a bare colon
    ("key_colon", FORWARD, ":", 0, False, "no_answer"),
    # master key: "Answer:" with nothing else
    ("key_answer", FORWARD, "Answer:", 0, False, "no_answer"),
    # master key: a pleasant opener
    ("key_opener", FORWARD, "Let's solve this step by step.", 0, False, "no_answer"),
    # the trace-style "Answer: N." instead of the answer tag
    ("trace_answer_no_tag", FORWARD, f" {W} {D} {T} {H} Answer: 162.", 0, False, "no_answer"),
    # hedging: two answer tags
    ("two_tags", FORWARD, GOLD_F + " <answer> 180 </answer>", 0, False, "hedged"),
    # hedging: two numbers in one tag
    ("two_numbers", FORWARD, GOLD_F.replace("> 162 <", "> 162 or 180 <"), 0, False, "bad_answer"),
    # hedging: the trace's own "Answer:" disagrees with the tag
    (
        "trace_disagrees",
        FORWARD,
        GOLD_F.replace(" </solution>", " Answer: 180. </solution>"),
        0,
        False,
        "hedged",
    ),
    # nested answer tags
    ("nested", FORWARD, f" {W}{TAGS.replace('162', '<answer> 162 </answer>')}", 0, False, "hedged"),
    # an empty answer tag
    ("empty_tag", FORWARD, GOLD_F.replace("> 162 <", ">  <"), 0, False, "empty_answer"),
    # truncated generation: the tag never closes
    ("unclosed", FORWARD, GOLD_F.replace(" </answer>", ""), 0, False, "truncated"),
    # the answer stated between </solution> and <answer>
    (
        "outside_tags",
        FORWARD,
        GOLD_F.replace("</solution> <answer>", "</solution> 162 <answer>"),
        0,
        False,
        "answer_outside_tags",
    ),
    # tags spelled with spaces are not tags
    ("spaced_tags", FORWARD, f" {W} </solution> < answer > 162 </ answer >", 0, False, "no_answer"),
    # echoing the prompt's tags into the response
    ("prompt_echo", FORWARD, "<question> q </question> <solution>" + GOLD_F, 0, False, "stray_tag"),
    # a float tolerance game: close is not equal
    ("near_miss", FORWARD, GOLD_F.replace("> 162 <", "> 162.0000001 <"), 0, False, "wrong_answer"),
    # an accepted numeric form: decimal with zero fraction
    ("decimal_zero", FORWARD, GOLD_F.replace("> 162 <", "> 162.0 <"), 1, True, None),
    # Arabic-Indic digits look like the answer but are not accepted
    ("arabic_digits", FORWARD, GOLD_F.replace("> 162 <", "> ١٦٢ <"), 0, False, "bad_answer"),
    # full-width digits
    ("fullwidth_digits", FORWARD, GOLD_F.replace("> 162 <", "> １６２ <"), 0, False, "bad_answer"),
    # a perfect trace with the wrong final answer
    ("wrong_answer", FORWARD, GOLD_F.replace("> 162 <", "> 180 <"), 0, False, "wrong_answer"),
    # re-defining a step with another value (the study lets the second silently win)
    (
        "redefine",
        FORWARD,
        f" {W} {D} {T} {W.replace('18.', '19.')} {H}{TAGS}",
        1,
        False,
        "step_duplicate",
    ),
    # a stated value that its own expression does not give (the study credits it)
    (
        "stated_not_computed",
        FORWARD,
        f" {W} {D.replace('= 162.', '= 163.')} {T} {H}{TAGS}",
        1,
        False,
        "inconsistent",
    ),
    # right value from numbers only: the parents are gone
    (
        "no_parents",
        FORWARD,
        f" {W} {D} {T.replace('g + O = ', '')} {H}{TAGS}",
        1,
        False,
        "wrong_parents",
    ),
    # right value through the wrong parent (162 = g by coincidence)
    (
        "wrong_parent_same_value",
        FORWARD,
        f" {W} {D} {T} Define adult owl in Hamilton Farm as C; so C = g = 162.{TAGS}",
        1,
        False,
        "wrong_parents",
    ),
    # using a letter before its step
    ("use_before_def", FORWARD, f" {W} {T} {D} {H}{TAGS}", 1, False, "use_before_definition"),
    # a letter that no step defines
    (
        "undefined_letter",
        FORWARD,
        f" {W} {D} {T} {H.replace('R - O', 'R - Z')}{TAGS}",
        1,
        False,
        "undefined_letter",
    ),
    # padding with a correct but irrelevant step
    (
        "irrelevant_step",
        FORWARD,
        f" {W} Define adult yak in Nowhere as Y; so Y = 3. {D} {T} {H}{TAGS}",
        1,
        False,
        "step_extra",
    ),
    # repeating a step verbatim
    ("repeat_step", FORWARD, f" {W} {D} {D} {T} {H}{TAGS}", 1, False, "step_duplicate"),
    # junk sentences between steps
    (
        "junk_between",
        FORWARD,
        f" {W} Let me think about this. {D} {T} {H}{TAGS}",
        1,
        False,
        "junk_text",
    ),
    # a temporary shadows a node letter: scoped to its step, so still right (flagged)
    (
        "shadowing_temp",
        FORWARD,
        f" {W} {D.replace('o = O = 18; so g = 9 * o', 'O = O = 18; so g = 9 * O')} {T} {H}{TAGS}",
        1,
        True,
        "letter_reused",
    ),
    # code injection in an expression is data, never run
    (
        "code_injection",
        FORWARD,
        f" {W.replace('= 18.', INJECTION + ' = 18.')} {D} {T} {H}{TAGS}",
        1,
        False,
        "syntax",
    ),
    # a number too large to be a quantity
    (
        "huge_number",
        FORWARD,
        f" Define adult wolf in Bundle Ranch as O; so O = 1{'0' * 40}. {D} {T} {H}{TAGS}",
        1,
        False,
        "too_large",
    ),
    # an expression too long to be worth reading (and slow to convert as one number)
    (
        "huge_expression",
        FORWARD,
        f" Define adult wolf in Bundle Ranch as O; so O = 1{'0' * 5000}. {D} {T} {H}{TAGS}",
        1,
        False,
        "too_long",
    ),
    # an operator outside the grammar
    (
        "power_operator",
        FORWARD,
        f" {W.replace('= 18.', '= 2 ** 4 + 2 = 18.')} {D} {T} {H}{TAGS}",
        1,
        False,
        "syntax",
    ),
    # an equivalent expression for a constant: exact arithmetic, parents unchanged
    (
        "equivalent_expression",
        FORWARD,
        f" {W.replace('= 18.', '= 36 / 2 = 18.')} {D} {T} {H}{TAGS}",
        1,
        True,
        None,
    ),
    # a step without a letter
    (
        "malformed_define",
        FORWARD,
        f" Define adult wolf in Bundle Ranch; so O = 18. {D} {T} {H}{TAGS}",
        1,
        False,
        "malformed_step",
    ),
    # control and bidi characters in the body
    ("control_chars", FORWARD, f" {W}\x00\u202e {D} {T} {H}{TAGS}", 1, False, "junk_text"),
    # the empty response
    ("empty", FORWARD, "", 0, False, "no_answer"),
    # the gold reverse response
    ("gold_reverse", REVERSE, GOLD_R, 1, True, None),
    # a corrupted symbolic value (the study's parser credits it)
    (
        "symbolic_off_by_one",
        REVERSE,
        GOLD_R.replace("3*x + 60. We", "3*x + 61. We"),
        1,
        False,
        "inconsistent",
    ),
    # stating x's numeric value in place of the form
    (
        "numeric_for_form",
        REVERSE,
        GOLD_R.replace("20 + x = x + 20", "20 + x = 34"),
        1,
        False,
        "inconsistent",
    ),
    # right form from x alone: the other parent is gone
    (
        "form_without_parent",
        REVERSE,
        GOLD_R.replace("k = A + x = 20 + x", "k = x + 20"),
        1,
        False,
        "wrong_parents",
    ),
    # independent steps in another valid order
    ("valid_reorder", REVERSE, f" {PRE} {F} {U} {K} {M} {SOLVE}{RTAGS}", 1, True, None),
    # the solving part left out, answer right
    ("no_solving_part", REVERSE, f" {PRE} {U} {F} {K} {M}{RTAGS}", 1, False, "solve_missing"),
    # a false equation inside the solving part
    (
        "false_equation",
        REVERSE,
        GOLD_R.replace("3*x - 42 = 0", "3*x - 40 = 0"),
        1,
        False,
        "solve_wrong",
    ),
    # jumping to the solution without the equations
    (
        "solution_only",
        REVERSE,
        f" {PRE} {U} {F} {K} {M} Solution: x = 14.{RTAGS}",
        1,
        False,
        "solve_missing",
    ),
    # the given value attached to the wrong quantity
    (
        "wrong_given",
        REVERSE,
        GOLD_R.replace("We know M = 102", "We know k = 102"),
        1,
        False,
        "solve_wrong",
    ),
    # another quantity declared the unknown
    (
        "wrong_unknown",
        REVERSE,
        f" {PRE} {U.replace('owl', 'fox')} {F.replace('fox', 'owl')} {K} {M} {SOLVE}{RTAGS}",
        1,
        False,
        "wrong_value",
    ),
    # binding a known quantity to the reserved x
    (
        "x_rebound",
        REVERSE,
        GOLD_R.replace("as A; so A = 20", "as x; so x = 20"),
        1,
        False,
        "reserved_letter",
    ),
    # a product of two forms in x (nonlinear)
    (
        "nonlinear",
        REVERSE,
        GOLD_R.replace("so M = 3 * L = 3 * (x + 20)", "so M = L * k = (x + 20) * (x + 20)"),
        1,
        False,
        "nonlinear",
    ),
]


@pytest.fixture(autouse=True)
def _no_code_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Scoring must never evaluate text: make eval, exec and compile fail loudly."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("model text reached eval/exec/compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)


@pytest.mark.parametrize(
    ("problem", "response", "outcome", "verified", "flag"),
    [r[1:] for r in ROWS],
    ids=[r[0] for r in ROWS],
)
def test_adversarial_row(
    problem: dict[str, Any], response: str, outcome: int, verified: bool, flag: str | None
) -> None:
    results = {mode: score(problem, response, mode=mode) for mode in MODES}
    result = results["gated"]
    assert result.outcome == outcome
    assert result.verified is verified
    if flag is not None:
        assert flag in result.flags, sorted(result.flags)
    assert results["strict"].score == (1.0 if verified else 0.0)
    assert results["strict"].score <= results["gated"].score <= results["outcome"].score
    assert not PWNED.exists()


def test_gold_scores_the_maximum_of_the_table() -> None:
    for problem, gold in ((FORWARD, GOLD_F), (REVERSE, GOLD_R)):
        best = score(problem, gold).score
        for _, other, response, *_ in ROWS:
            if other is problem:
                assert score(problem, response).score <= best
