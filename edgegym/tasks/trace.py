"""The gold step-by-step trace, in the study's grammar.

One step per node, in topological order::

    Define <name> as <L>; [<t> = <expr> = <numbers> = <value>; ]* so <L> = <expr> = <numbers> = <value>.

Sums of three or more parents chain pairwise through fresh temporaries; ``k times``
and ``k plus`` first copy the parent into a temporary. Reverse mode carries the
unknown ``x`` through linear forms and ends by solving one linear equation. The
exact grammar, with examples, is in the rewards parser's docstring, which reads it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["fmt_linear", "operand", "solve_steps", "trace_step"]


def fmt_linear(a: int, b: int) -> str:
    """``a*x + b`` written the study's way: ``4*x + 48``, ``x - 3``, ``-x``, ``12``."""
    if a == 0:
        return str(b)
    term = "x" if a == 1 else "-x" if a == -1 else f"{a}*x"
    if b > 0:
        return f"{term} + {b}"
    if b < 0:
        return f"{term} - {-b}"
    return term


def operand(text: str) -> str:
    """An operand in the numbers segment: compound or negative forms get parentheses."""
    return f"({text})" if (" " in text or text.startswith("-")) else text


def trace_step(
    name: str,
    letter: str,
    op: str,
    parent_letters: Sequence[str],
    parent_values: Sequence[str],
    k: int | None,
    value: str,
    temps: Callable[[], str],
    partials: Sequence[str] = (),
) -> str:
    """One ``Define ...`` step.

    Args:
        name: quantity name.
        letter: the node's letter.
        op: the node's operation (``unknown`` is written by the caller).
        parent_letters / parent_values: in expression order, values already written.
        k: the constant of const / times / plus.
        value: the node's value, written.
        temps: draws a fresh temporary letter.
        partials: for a sum of m >= 3 parents, the written running sums of the first
            2, 3, ..., m-1 parents (the temporaries' values).
    """
    head = f"Define {name} as {letter};"
    if op == "const":
        return f"{head} so {letter} = {k}."
    if op == "copy":
        return f"{head} so {letter} = {parent_letters[0]} = {parent_values[0]}."
    if op in ("times", "plus"):
        t = temps()
        sign = "*" if op == "times" else "+"
        return (
            f"{head} {t} = {parent_letters[0]} = {parent_values[0]}; "
            f"so {letter} = {k} {sign} {t} = {k} {sign} {operand(parent_values[0])} = {value}."
        )
    if op == "diff":
        (l1, l2), (v1, v2) = parent_letters, parent_values
        return f"{head} so {letter} = {l1} - {l2} = {operand(v1)} - {operand(v2)} = {value}."
    # sum / total: pairwise chain through temporaries
    parts = [head]
    acc_letter, acc_value = parent_letters[0], parent_values[0]
    last = len(parent_letters) - 1
    for i in range(1, last + 1):
        expr = f"{acc_letter} + {parent_letters[i]}"
        numbers = f"{operand(acc_value)} + {operand(parent_values[i])}"
        if i == last:
            parts.append(f"so {letter} = {expr} = {numbers} = {value}.")
        else:
            t = temps()
            acc_value = partials[i - 1]
            parts.append(f"{t} = {expr} = {numbers} = {acc_value};")
            acc_letter = t
    return " ".join(parts)


def solve_steps(letter: str, a: int, b: int, given: int, x: int) -> str:
    """The closing linear-equation steps of a reverse-mode trace."""
    lhs = fmt_linear(a, b)
    return (
        f"We know {letter} = {given}, so we have {lhs} = {given} and we solve it through "
        f"the following steps: Simplifying the equation: {lhs} = {given}. "
        f"Move all terms to one side: {fmt_linear(a, b - given)} = 0. "
        f"Isolate the term with x: {fmt_linear(a, 0)} = {given - b}. "
        f"Divide both sides by {a}: x = {given - b} / {a}. Solution: x = {x}."
    )
