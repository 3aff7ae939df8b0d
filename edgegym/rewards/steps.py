"""Evaluating the clauses of trace steps over the letters established so far.

A clause ``L = s1 = s2 = ... = sn`` is checked here: ``s1`` is the expression (its
letters are the references), ``sn`` the stated value, and all segments must have
one value (modulo ``modulus`` when set, with ``sn`` the reduced residue). Segments
come compiled from :mod:`edgegym.rewards.segments`, so the common shapes (``18``,
``m``, ``g + m``, ``9 * o``, ``9 * 18``, ``(2*x + 24) - (x + 3)``) cost a dictionary
lookup and one arithmetic operation. ``_clause`` and ``run_step`` are longer than
this package's usual functions on purpose: they are the hot loop, and splitting them
would add a Python call per clause.

Scoping: a clause assigning the step's letter defines the node; any other clause
binds a temporary that is visible until the end of its step only. A letter refers
to its most recent binding; binding a letter again is allowed and flagged
``letter_reused``. A node's letter holds its recomputed value for later steps (its
stated value if the expression does not evaluate), so one wrong step does not by
itself make the steps after it wrong.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, NamedTuple

from edgegym.rewards.arith import EvalError, Lin, apply_op
from edgegym.rewards.segments import (
    BINARY,
    CACHE,
    CONST,
    LETTER,
    Env,
    Seg,
    X,
    compiled,
    eval_segment,
    number_value,
)

__all__ = [
    "UNKNOWN_CLAUSE",
    "Assignment",
    "Env",
    "Step",
    "X",
    "eval_segment",
    "number_value",
    "run_step",
]

UNKNOWN_CLAUSE = "we don't know its value yet but will find it out later"


class Assignment(NamedTuple):
    """One clause ``L = s1 = ... = sn`` of a step."""

    target: str
    """The assigned letter."""
    segments: tuple[str, ...]
    """The segments after ``L =``, stripped: first the expression, last the stated value."""
    parents: tuple[str, ...]
    """Quantity names the expression refers to (temporaries expanded), in order of first use."""
    value: Lin | None
    """Recomputed value of the expression (reduced modulo ``modulus``), or None if it fails."""
    stated: Lin | None
    """Value of the last segment, or None if it fails to evaluate."""
    error: str | None
    """``undefined_letter``, ``inconsistent``, ``syntax``, ``too_large``, ... or None."""


class Step(NamedTuple):
    """One ``Define NAME as L; ...`` step."""

    name: str
    """The quantity name as written ('' for a malformed step)."""
    letter: str
    """The step's letter."""
    parents: tuple[str, ...]
    """Parents of the node's final assignment (names, in order of first use)."""
    value: Lin | None
    """Recomputed value of the node, or None."""
    stated: Lin | None
    """Stated value of the node, or None."""
    error: str | None
    """First error in any clause of the step (``malformed`` if the step does not parse)."""
    assignments: tuple[Assignment, ...]
    """All clauses, temporaries included, in order."""
    unknown: bool = False
    """True for reverse mode's ``we don't know its value yet`` step."""


_new = tuple.__new__  # NamedTuple construction without its Python-level __new__


def _parents(letters: tuple[str, ...], deps: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    if len(letters) == 1:
        return deps.get(letters[0], ())
    out: list[str] = []
    for letter in letters:
        for name in deps.get(letter, ()):
            if name not in out:
                out.append(name)
    return tuple(out)


def _first(seg: Seg, first: str, env: Env) -> Lin:
    """Value of a clause's expression. The common kinds inline what ``eval_segment`` does
    (letters resolve left to right: unbound -> ``undefined_letter``, None -> ``invalid_operand``).

    Raises:
        KeyError: an unbound letter (the caller reports ``undefined_letter``).
        EvalError: anything else.
    """
    kind = seg.kind
    if kind == CONST:
        return seg.const  # type: ignore[return-value]
    values = env.values
    if kind == LETTER:
        value = values[seg.left]  # type: ignore[index]
        if value is None:
            raise EvalError("invalid_operand")
        return value
    if kind != BINARY:
        return eval_segment(first, env, True)
    left: Any = seg.left
    right: Any = seg.right
    if left.__class__ is str:
        left = values[left]
        if left is None:
            raise EvalError("invalid_operand")
    if right.__class__ is str:
        right = values[right]
        if right is None:
            raise EvalError("invalid_operand")
    return apply_op(seg.op, left, right)


def _clause(text: str, env: Env) -> Assignment | None:
    """Parse and evaluate one clause; None if it is not ``[so] L = seg (= seg)*``."""
    if text[:3] == "so ":
        text = text[3:]
    if text.count("=") == text.count(" = "):  # the gold spacing: pieces come out stripped
        parts = text.split(" = ")
        segments = tuple(parts[1:])
    else:
        parts = text.split("=")
        segments = tuple([p.strip() for p in parts[1:]])
    target = parts[0].strip()
    if not segments or len(target) != 1 or not ("a" <= target <= "z" or "A" <= target <= "Z"):
        return None
    modulus = env.modulus
    error: str | None = None
    value: Lin | None = None
    stated: Lin | None = None
    first = segments[0]
    seg = CACHE.get(first) or compiled(first)
    letters = seg.letters
    if not letters:
        parents: tuple[str, ...] = ()
    elif len(letters) == 1:
        parents = env.deps.get(letters[0], ())
    else:
        parents = _parents(letters, env.deps)
    try:
        stated = value = _first(seg, first, env)
        if modulus is not None:
            if value[0] or value[1].__class__ is Fraction:
                raise EvalError("not_modular")
            value = (0, value[1] % modulus)
    except KeyError:
        error = "undefined_letter"
    except EvalError as err:
        error = str(err.args[0])
    reverse = env.reverse
    for segment in segments[1:]:
        seg = CACHE.get(segment) or compiled(segment)
        if seg.kind == CONST:
            stated = seg.const
        elif reverse and seg.xconst is not None:
            stated = seg.xconst
        else:
            try:
                stated = eval_segment(segment, env, False)
            except EvalError as err:
                error = error or str(err.args[0])
                stated = None
                continue
        if (
            error is None
            and stated != value
            and (modulus is None or stated[0] or (stated[1] - value[1]) % modulus)  # type: ignore[index]
        ):
            error = "inconsistent"
    if error is None and stated != value:
        error = "inconsistent"  # with a modulus: the stated residue is not reduced
    return _new(Assignment, (target, segments, parents, value, stated, error))  # type: ignore[no-any-return]


def run_step(name: str, letter: str, text: str, env: Env, flags: set[str]) -> Step:
    """Evaluate the clauses of one step, then bind its letter (temporaries are dropped)."""
    values, deps = env.values, env.deps
    reused = letter in values
    if UNKNOWN_CLAUSE in text and text.strip() == UNKNOWN_CLAUSE:
        value = X if env.reverse and letter == "x" else None
        if reused:
            flags.add("letter_reused")
        values[letter] = value
        deps[letter] = (name,)
        return Step(name, letter, (), value, value, None if value else "bad_unknown", (), True)
    assignments: list[Assignment] = []
    node: Assignment | None = None
    error: str | None = None
    shadowed: dict[str, tuple[Lin | None, tuple[str, ...]] | None] = {}
    for raw in text.split(";"):
        assignment = _clause(raw.strip(), env)
        if assignment is None:
            error = error or "syntax"
            continue
        assignments.append(assignment)
        if error is None:
            error = assignment.error
        target = assignment.target
        if target == letter:
            reused = reused or node is not None or letter in shadowed
            node = assignment
        else:
            if target in values or target in shadowed:
                reused = True
            if target not in shadowed:
                shadowed[target] = (values[target], deps[target]) if target in values else None
            value = assignment.value
            values[target] = value if value is not None else assignment.stated
            deps[target] = assignment.parents
        if target == "x" and env.reverse and error is None:
            error = "reserved_letter"
    for target, old in shadowed.items():  # temporaries end with their step
        if old is None:
            del values[target], deps[target]
        else:
            values[target], deps[target] = old
    if reused:
        flags.add("letter_reused")
    deps[letter] = (name,)
    if node is None:
        values[letter] = None
        return Step(name, letter, (), None, None, error or "no_value", tuple(assignments))
    values[letter] = node[3] if node[3] is not None else node[4]  # value, else stated
    step = (name, letter, node[2], node[3], node[4], error, tuple(assignments), False)
    return _new(Step, step)  # type: ignore[no-any-return]
