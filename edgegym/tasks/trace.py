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
when a module spells one again.

:func:`step_clauses` writes one step's clauses: the generator calls it with its own
letters and values, and the rewards scorer with a response's letters and the gold
values, to accept a step written exactly so without evaluating it. A compound relation
is that writer's difference or sum into a temporary and :func:`scaled_clause`; a
count x average total is :func:`product_clauses`.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
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
    "STEP_SIGNS",
    "TAGS",
    "TRACE_ANSWER",
    "UNKNOWN_CLAUSE",
    "UNKNOWN_STEP",
    "chain_partials",
    "fmt_linear",
    "num",
    "operand",
    "product_clauses",
    "response_end",
    "scaled_clause",
    "solve_steps",
    "step_clauses",
    "trace_body",
    "value_text",
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


STEP_SIGNS: Final[dict[str, str]] = {
    "times": "*",
    "plus": "+",
    "diff": "-",
    "sum": "+",
    "total": "+",
}
"""The operator a step of each operation is written with (a constant or a copy has none)."""


def value_text(a: int, b: int, reverse: bool) -> tuple[str, str]:
    """The value ``a*x + b`` as written and as an operand: forward mode (``a == 0``) writes
    ``b`` both ways; reverse mode the linear form (:func:`fmt_linear`, parenthesized as an
    operand)."""
    if not reverse:
        text = num(b)
        return text, text
    text = fmt_linear(a, b)
    return text, operand(text)


def chain_partials(
    values: Sequence[tuple[int, int]], modulus: int | None, reverse: bool
) -> tuple[list[str], list[str]]:
    """A sum chain's running sums after its 2nd, ..., next-to-last parents, as written and
    as operands (forward sums reduced modulo ``modulus`` when set)."""
    a, b = values[0]
    written: list[str] = []
    opers: list[str] = []
    for qa, qb in values[1:-1]:
        a, b = a + qa, b + qb
        if modulus is not None and not reverse:
            b %= modulus
        text, oper = value_text(a, b, reverse)
        written.append(text)
        opers.append(oper)
    return written, opers


def step_clauses(
    letter: str,
    sign: str,
    k: str,
    par: tuple[int, ...],
    letters: list[str],
    written: list[str],
    oper: list[str],
    temps: list[str],
    partials: tuple[list[str], list[str]] | None,
    value: str,
    *,
    head: str = "so ",
) -> str:
    """The clauses of one step, the text between ``Define <name> as <L>; `` and its period.

    ``par`` indexes the parents in ``letters``, ``written`` and ``oper`` (values as written
    and as operands); ``k`` is the constant of ``const``, ``times`` and ``plus`` (else ''),
    ``temps`` the temporaries' letters (one for ``times``/``plus``, n - 2 for a sum of
    n >= 3 parents), ``partials`` a chain's running sums (:func:`chain_partials`),
    ``value`` the node's value as written, ``head`` what opens the clause that binds
    ``letter`` when it has two or more parents (a compound relation's inner difference or
    sum binds a temporary with no ``so``).
    """
    n = len(par)
    if n == 0:
        return f"so {letter} = {k}"
    p = par[0]
    if n == 1 and not k:
        return f"so {letter} = {letters[p]} = {written[p]}"
    if n == 1:
        t = temps[0]
        scaled = scaled_clause(letter, sign, k, t, oper[p], value)
        return f"{t} = {letters[p]} = {written[p]}; {scaled}"
    q = par[-1]
    if n == 2:
        return (
            f"{head}{letter} = {letters[p]} {sign} {letters[q]} = "
            f"{oper[p]} {sign} {oper[q]} = {value}"
        )
    acc_letter, acc_oper = letters[p], oper[p]
    parts: list[str] = []
    for j in range(1, n - 1):
        t, r = temps[j - 1], par[j]
        partial = "" if partials is None else partials[0][j - 1]
        parts.append(f"{t} = {acc_letter} + {letters[r]} = {acc_oper} + {oper[r]} = {partial};")
        acc_letter, acc_oper = t, "" if partials is None else partials[1][j - 1]
    parts.append(f"{head}{letter} = {acc_letter} + {letters[q]} = {acc_oper} + {oper[q]} = {value}")
    return " ".join(parts)


def scaled_clause(letter: str, sign: str, k: str, t: str, inner: str, value: str) -> str:
    """``so L = k * t = k * v = value``: a constant times (``sign`` ``*``) or plus
    (``+``) a temporary ``t`` that holds ``inner`` (as an operand)."""
    return f"so {letter} = {k} {sign} {t} = {k} {sign} {inner} = {value}"


def product_clauses(
    letter: str,
    factors: Sequence[tuple[str, str, str, str]],
    products: Sequence[int],
    temps: Sequence[str],
    modulus: int | None,
) -> str:
    """A count x average total, the study's way: each count times its average into a
    temporary (``letter`` itself when there is one pair), then the products added
    pairwise through temporaries, the last clause binding ``letter``.

    ``factors`` holds (count letter, average letter, count as written, average as
    written) per pair, ``products`` each pair's product (reduced), ``temps`` the
    temporaries in the order they are drawn: one per pair when there are two or more,
    then one per running sum but the last.
    """
    m = len(factors)
    heads = [letter] if m == 1 else list(temps[:m])
    clauses = [
        f"{t} = {c} * {a} = {cw} * {aw} = {num(v)}"
        for t, (c, a, cw, aw), v in zip(heads, factors, products, strict=True)
    ]
    acc_letter, acc = heads[0], products[0]
    sums = [*temps[m:], letter]
    for j in range(1, m):
        t, v = sums[j - 1], products[j]
        total = acc + v if modulus is None else (acc + v) % modulus
        clauses.append(f"{t} = {acc_letter} + {heads[j]} = {num(acc)} + {num(v)} = {num(total)}")
        acc_letter, acc = t, total
    clauses[-1] = "so " + clauses[-1]
    return "; ".join(clauses)


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
