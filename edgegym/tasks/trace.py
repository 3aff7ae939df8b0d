"""The trace grammar, in the study's form: its tags, sentences and clauses, and the writer.

This module owns the grammar's text: the generator writes traces with it and the
rewards parser (:mod:`edgegym.rewards.parse`) reads them with its constants; no other
module spells a tag or a fixed phrase of the grammar.

A prompt is ``<question> {problem} {question} </question> <solution>``; a response (and
a problem's ``completion``) is ``{body} </solution> <answer> {N} </answer>``. The body
has one step per node, in topological order::

    Define <name> as <L>; [<t> = <expr> = <numbers> = <value>; ]*
        so <L> = <expr> = <numbers> = <value>.

Sums of three or more parents chain pairwise through fresh temporaries; ``k times``
and ``k plus`` first copy the parent into a temporary. Reverse mode carries the
unknown ``x`` through linear forms and ends by solving one linear equation. The
exact grammar, with examples, is in the rewards parser's docstring, which reads it.

The readers and writers outside this module (the prompt and completion of
:mod:`edgegym.tasks.record`, the envs, the policies, the adapters, the tokenizer's
special tokens) import these constants; ``tests/tasks/test_grammar_owner.py`` fails
when a module spells one again. The steps themselves are written inline by
:mod:`edgegym.tasks.generate` (one pass over the DAG writes nodes, sentences and steps)
with this module's pieces.
"""

from __future__ import annotations

import string
from typing import Final

__all__ = [
    "ANSWER_CLOSE",
    "ANSWER_OPEN",
    "FINAL_TAGS",
    "LETTERS",
    "LETTERS_REVERSE",
    "QUESTION_CLOSE",
    "QUESTION_OPEN",
    "REVERSE_OPENING",
    "SOLUTION_CLOSE",
    "SOLUTION_OPEN",
    "SOLVE_HEAD",
    "SOLVE_SO_WE_HAVE",
    "SOLVE_WE_SOLVE",
    "STEP_HEAD",
    "TAGS",
    "TRACE_ANSWER",
    "UNKNOWN_CLAUSE",
    "UNKNOWN_STEP",
    "fmt_linear",
    "num",
    "operand",
    "response_end",
    "solve_steps",
    "trace_body",
]

QUESTION_OPEN: Final = "<question>"
QUESTION_CLOSE: Final = "</question>"
SOLUTION_OPEN: Final = "<solution>"
SOLUTION_CLOSE: Final = "</solution>"
ANSWER_OPEN: Final = "<answer>"
ANSWER_CLOSE: Final = "</answer>"
TRACE_ANSWER: Final = "Answer:"
"""A gold trace (a problem's ``solution``) ends ``Answer: N.``; a response answers in tags."""
STEP_HEAD: Final = "Define "
"""Every step starts ``Define <name> as <L>;``."""
REVERSE_OPENING: Final = "The question is difficult, so we use equations to solve it."
UNKNOWN_CLAUSE: Final = "we don't know its value yet but will find it out later"
UNKNOWN_STEP: Final = UNKNOWN_CLAUSE + "."
SOLVE_HEAD: Final = "We know "
SOLVE_SO_WE_HAVE: Final = ", so we have "
SOLVE_WE_SOLVE: Final = " and we solve it through the following steps: "


# The text of the numbers a problem writes most (some 50 per problem, most below 1000),
# made once: formatting an int allocates a new string each time.
_SMALL: Final[tuple[str, ...]] = tuple(str(i) for i in range(1024))


def num(value: int) -> str:
    """``str(value)``: the shared text for 0 <= value < 1024."""
    return _SMALL[value] if 0 <= value < 1024 else str(value)


def fmt_linear(a: int, b: int) -> str:
    """``a*x + b`` written the study's way: ``4*x + 48``, ``x - 3``, ``-x``, ``12``."""
    if not a:
        return num(b)
    term = "x" if a == 1 else "-x" if a == -1 else f"{num(a)}*x"
    if b > 0:
        return f"{term} + {num(b)}"
    if b < 0:
        return f"{term} - {num(-b)}"
    return term


def operand(text: str) -> str:
    """An operand in the numbers segment: compound or negative forms get parentheses."""
    return f"({text})" if (" " in text or text.startswith("-")) else text


def solve_steps(letter: str, a: int, b: int, given: int, x: int) -> str:
    """The closing linear-equation steps of a reverse-mode trace."""
    lhs = fmt_linear(a, b)
    value, rhs, coef = num(given), num(given - b), num(a)
    return (
        f"{SOLVE_HEAD}{letter} = {value}{SOLVE_SO_WE_HAVE}{lhs} = {value}{SOLVE_WE_SOLVE}"
        f"Simplifying the equation: {lhs} = {value}. "
        f"Move all terms to one side: {fmt_linear(a, b - given)} = 0. "
        f"Isolate the term with x: {fmt_linear(a, 0)} = {rhs}. "
        f"Divide both sides by {coef}: x = {rhs} / {coef}. Solution: x = {num(x)}."
    )


# Final: the compiled generator reads these as constants, not module dict entries.
LETTERS: Final = tuple(string.ascii_uppercase + string.ascii_lowercase)
LETTERS_REVERSE: Final = tuple(c for c in LETTERS if c not in "xX")


TAGS: Final = (
    QUESTION_OPEN,
    QUESTION_CLOSE,
    SOLUTION_OPEN,
    SOLUTION_CLOSE,
    ANSWER_OPEN,
    ANSWER_CLOSE,
)
"""Every tag of the grammar, in the order a model text opens and closes them."""
FINAL_TAGS: Final = (SOLUTION_CLOSE, ANSWER_OPEN, ANSWER_CLOSE)
"""A response containing any of these has closed its solution (it is complete)."""


def response_end(answer: int | str) -> str:
    """How a response closes: ``</solution> <answer> N </answer>``."""
    return f"{SOLUTION_CLOSE} {ANSWER_OPEN} {answer} {ANSWER_CLOSE}"


def trace_body(solution: str) -> str:
    """A gold trace's steps: the ``solution`` without its final ``Answer: N.``."""
    return solution.rsplit(TRACE_ANSWER, 1)[0].strip()
