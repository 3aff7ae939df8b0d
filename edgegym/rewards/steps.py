"""Evaluating the clauses of trace steps over the letters established so far.

A clause ``L = s1 = s2 = ... = sn`` is checked here: ``s1`` is the expression (its
letters are the references), ``sn`` the stated value, and all segments must have
one value (modulo ``modulus`` when set, with ``sn`` the reduced residue). Segments
come compiled from :mod:`edgegym.rewards.segments`, so the common shapes (``18``,
``m``, ``g + m``, ``9 * o``, ``9 * 18``, ``(2*x + 24) - (x + 3)``) cost a dictionary
lookup and one arithmetic operation.

Scoping: a clause assigning the step's letter defines the node; any other clause
binds a temporary that is visible until the end of its step only. A letter refers
to its most recent binding; binding a letter again is allowed and flagged
``letter_reused``. A node's letter holds its recomputed value for later steps (its
stated value if the expression does not evaluate), so one wrong step does not by
itself make the steps after it wrong.
"""

from __future__ import annotations

from fractions import Fraction
from typing import ClassVar, NamedTuple

from edgegym.rewards.arith import MAX_DIGITS, EvalError, Lin, apply_op, is_letter
from edgegym.rewards.segments import Env, X, compiled, eval_segment, number_value
from edgegym.tasks.trace import (
    STEP_SIGNS,
    UNKNOWN_CLAUSE,
    chain_partials,
    num,
    step_clauses,
    value_text,
)

__all__ = [
    "Assignment",
    "Env",
    "GoldNode",
    "Step",
    "X",
    "canonical_step",
    "eval_segment",
    "number_value",
    "run_step",
]


class _Record:
    """Equality, hash and repr over ``FIELDS``, as a NamedTuple has them: the parse
    records are plain classes because a NamedTuple is built by an interpreted
    ``__new__``, which was a tenth of a parse's time in the compiled build."""

    __slots__ = ()
    FIELDS: ClassVar[tuple[str, ...]] = ()

    def values(self) -> tuple[object, ...]:
        """The fields' values, in ``FIELDS`` order."""
        return tuple([getattr(self, name) for name in self.FIELDS])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, _Record) or type(other) is not type(self):
            return NotImplemented
        return self.values() == other.values()

    def __hash__(self) -> int:
        return hash(self.values())

    def __repr__(self) -> str:
        fields = ", ".join([f"{name}={getattr(self, name)!r}" for name in self.FIELDS])
        return f"{type(self).__name__}({fields})"


class Assignment(_Record):
    """One clause ``L = s1 = ... = sn`` of a step.

    Attributes:
        target: the assigned letter.
        segments: the segments after ``L =``, stripped: first the expression, last the
            stated value.
        parents: quantity names the expression refers to (temporaries expanded), in
            order of first use.
        value: recomputed value of the expression (reduced modulo ``modulus``), or None
            if it fails.
        stated: value of the last segment, or None if it fails to evaluate.
        error: ``undefined_letter``, ``inconsistent``, ``syntax``, ``too_large``, ... or None.
    """

    __slots__ = ("error", "parents", "segments", "stated", "target", "value")
    FIELDS: ClassVar[tuple[str, ...]] = (
        "target",
        "segments",
        "parents",
        "value",
        "stated",
        "error",
    )

    def __init__(
        self,
        target: str,
        segments: tuple[str, ...],
        parents: tuple[str, ...],
        value: Lin | None,
        stated: Lin | None,
        error: str | None,
    ) -> None:
        self.target = target
        self.segments = segments
        self.parents = parents
        self.value = value
        self.stated = stated
        self.error = error


class Step(_Record):
    """One ``Define NAME as L; ...`` step.

    Attributes:
        name: the quantity name as written ('' for a malformed step).
        letter: the step's letter.
        parents: parents of the node's final assignment (names, in order of first use).
        value: recomputed value of the node, or None.
        stated: stated value of the node, or None.
        error: first error in any clause of the step (``malformed`` if the step does
            not parse).
        assignments: all clauses, temporaries included, in order.
        unknown: True for reverse mode's ``we don't know its value yet`` step.
    """

    __slots__ = ("assignments", "error", "letter", "name", "parents", "stated", "unknown", "value")
    FIELDS: ClassVar[tuple[str, ...]] = (
        "name",
        "letter",
        "parents",
        "value",
        "stated",
        "error",
        "assignments",
        "unknown",
    )

    def __init__(
        self,
        name: str,
        letter: str,
        parents: tuple[str, ...],
        value: Lin | None,
        stated: Lin | None,
        error: str | None,
        assignments: tuple[Assignment, ...],
        unknown: bool = False,
    ) -> None:
        self.name = name
        self.letter = letter
        self.parents = parents
        self.value = value
        self.stated = stated
        self.error = error
        self.assignments = assignments
        self.unknown = unknown


def _parents(letters: tuple[str, ...], deps: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The quantity names behind ``letters`` (temporaries expanded), in order of first use."""
    if len(letters) == 1:
        return deps.get(letters[0], ())
    out: list[str] = []
    for letter in letters:
        for name in deps.get(letter, ()):
            if name not in out:
                out.append(name)
    return tuple(out)


def _pieces(text: str) -> tuple[str, tuple[str, ...]] | None:
    """``[so] L = s1 = ... = sn`` -> (L, stripped segments), or None if it is not one."""
    if text[:3] == "so ":
        text = text[3:]
    parts = text.split("=")
    target = parts[0].strip()
    segments = tuple([p.strip() for p in parts[1:]])
    if not segments or not is_letter(target):
        return None
    return target, segments


def _expression(first: str, env: Env) -> tuple[Lin | None, Lin | None, str | None]:
    """(value as written, value reduced modulo ``modulus``, error) of a clause's expression."""
    try:
        raw = eval_segment(first, env, True)
    except EvalError as err:
        return None, None, str(err.args[0])
    modulus = env.modulus
    if modulus is None:
        return raw, raw, None
    if raw[0] or isinstance(raw[1], Fraction):
        return raw, raw, "not_modular"
    return raw, (0, raw[1] % modulus), None


def _same(stated: Lin, value: Lin, modulus: int | None) -> bool:
    """A number segment agrees with the expression: equal, or the same residue."""
    if stated == value:
        return True
    return modulus is not None and not stated[0] and (stated[1] - value[1]) % modulus == 0


def _clause(text: str, env: Env) -> Assignment | None:
    """Parse and evaluate one clause; None if it is not ``[so] L = seg (= seg)*``."""
    pieces = _pieces(text)
    if pieces is None:
        return None
    target, segments = pieces
    parents = _parents(compiled(segments[0]).letters, env.deps)
    stated, value, error = _expression(segments[0], env)
    for segment in segments[1:]:
        try:
            stated = number_value(segment, env)
        except EvalError as err:
            error = error or str(err.args[0])
            stated = None
            continue
        if error is None and not _same(stated, value, env.modulus):  # type: ignore[arg-type]
            error = "inconsistent"
    if error is None and stated != value:
        error = "inconsistent"  # with a modulus: the stated residue is not reduced
    return Assignment(target, segments, parents, value, stated, error)


def _unknown_step(name: str, letter: str, env: Env, flags: set[str]) -> Step:
    """Reverse mode's ``Define NAME as x; we don't know its value yet ...`` step."""
    value = X if env.reverse and letter == "x" else None
    if letter in env.values:
        flags.add("letter_reused")
    env.values[letter] = value
    env.deps[letter] = (name,)
    return Step(name, letter, (), value, value, None if value else "bad_unknown", (), True)


class _Temporaries:
    """Letters a step binds besides its own: restored to their outer bindings at its end."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.shadowed: dict[str, tuple[Lin | None, tuple[str, ...]] | None] = {}

    def bind(self, assignment: Assignment) -> bool:
        """Bind a temporary; True if its letter was bound already (``letter_reused``)."""
        values, deps, target = self.env.values, self.env.deps, assignment.target
        reused = target in values or target in self.shadowed
        if target not in self.shadowed:
            self.shadowed[target] = (values[target], deps[target]) if target in values else None
        value = assignment.value
        values[target] = value if value is not None else assignment.stated
        deps[target] = assignment.parents
        return reused

    def restore(self) -> None:
        values, deps = self.env.values, self.env.deps
        for target, old in self.shadowed.items():
            if old is None:
                del values[target], deps[target]
            else:
                values[target], deps[target] = old


def run_step(name: str, letter: str, text: str, env: Env, flags: set[str]) -> Step:
    """Evaluate the clauses of one step, then bind its letter (temporaries are dropped)."""
    if UNKNOWN_CLAUSE in text and text.strip() == UNKNOWN_CLAUSE:
        return _unknown_step(name, letter, env, flags)
    reused = letter in env.values
    assignments: list[Assignment] = []
    node: Assignment | None = None
    error: str | None = None
    temporaries = _Temporaries(env)
    for raw in text.split(";"):
        assignment = _clause(raw.strip(), env)
        if assignment is None:
            error = error or "syntax"
            continue
        assignments.append(assignment)
        error = error or assignment.error
        if assignment.target == letter:
            reused = reused or node is not None or letter in temporaries.shadowed
            node = assignment
        else:
            reused = temporaries.bind(assignment) or reused
        if assignment.target == "x" and env.reverse and error is None:
            error = "reserved_letter"
    temporaries.restore()
    if reused:
        flags.add("letter_reused")
    env.deps[letter] = (name,)
    if node is None:
        env.values[letter] = None
        return Step(name, letter, (), None, None, error or "no_value", tuple(assignments))
    env.values[letter] = node.value if node.value is not None else node.stated
    return Step(
        name, letter, node.parents, node.value, node.stated, error, tuple(assignments), False
    )


class GoldNode(NamedTuple):
    """One quantity of the necessary DAG, as the process reward needs it."""

    name: str
    parents: tuple[str, ...]
    """Parent names in expression order."""
    value: Lin
    """``(0, v)`` in forward mode; ``(a, b)`` for ``a*x + b`` in reverse mode."""
    ordered: bool
    """True when parent order matters (a difference)."""
    parent_set: frozenset[str]
    """``frozenset(parents)``."""
    op: str = ""
    """The generator's operation (``const``, ``times``, ...), or '' if unknown (study data)."""
    k: int | None = None
    """The constant of ``const``, ``times`` and ``plus``."""


_DIGITS = MAX_DIGITS - 2
"""The longest value text the shortcut writes: then every number it writes (a chain's
running sums of fewer than 100 such values too) fits ``MAX_DIGITS``."""
_POSITIONS = tuple(tuple(range(n)) for n in range(100))  # the writer's ``par`` for n parents


def _computed(node: GoldNode, values: list[tuple[int, int]], modulus: int | None) -> Lin:
    """The value the writer's clauses for ``node`` compute from its parents' ``values``
    (reduced); EvalError if the writer has no step of that shape or a bound is passed."""
    n, k, sign = len(values), node.k, STEP_SIGNS.get(node.op, "")
    if n == 0 or (n == 1 and k is not None):
        if k is None or (n == 1 and sign not in ("*", "+")):
            raise EvalError("syntax")
        value = (0, k) if n == 0 else apply_op(sign, (0, k), values[0])
    elif (n == 2 and sign not in ("+", "-")) or (n > 2 and sign != "+") or len(node.parent_set) < n:
        raise EvalError("syntax")
    else:
        value = values[0]
        for v in values[1:]:
            value = apply_op(sign, value, v)
            value = value if modulus is None else (0, value[1] % modulus)
    return value if modulus is None else (0, value[1] % modulus)


def _temps(text: str, count: int, env: Env, letter: str) -> list[str] | None:
    """The letters of a canonical step's temporaries (each clause's first character) if
    each is a letter not bound yet, not the step's and not repeated, else None."""
    temps: list[str] = []
    at = 1
    for _ in range(count):
        t = text[at : at + 1]
        if not is_letter(t) or t in env.values or t in temps or t == letter:
            return None
        temps.append(t)
        at = text.find("; ", at) + 2
    return None if env.reverse and "x" in temps else temps


def canonical_step(
    name: str, letter: str, text: str, env: Env, gold: dict[str, GoldNode], letters: dict[str, str]
) -> Step | None:
    """:func:`run_step`'s Step (less its assignments) for a step whose ``text`` is the
    trace writer's rendering of its gold node under the response's letters (``letters``:
    name -> the letter its step bound), else None (then run it). Accepted only where
    evaluating cannot differ: every letter it binds is new, each parent's letter holds
    that parent's gold value (ints, reduced), its numbers fit ``_DIGITS``, and its
    stated value is the one its clauses compute."""
    node, modulus, reverse = gold.get(name), env.modulus, env.reverse
    if node is None or node.op in ("", "unknown") or letter in env.values:
        return None
    if reverse and (modulus is not None or letter == "x"):
        return None
    parent_letters: list[str] = []
    values: list[tuple[int, int]] = []
    written: list[str] = []
    opers: list[str] = []
    for p in node.parents:  # between steps every bound letter's deps is its step's name
        lt = letters.get(p, "")
        known, parent = env.values.get(lt), gold.get(p)
        if known is None or parent is None or known != parent.value or env.deps[lt] != (p,):
            return None
        a, b = known
        if not isinstance(a, int) or not isinstance(b, int) or (modulus and b % modulus != b):
            return None
        text_of, oper = value_text(a, b, reverse)
        if len(text_of) > _DIGITS:
            return None
        parent_letters.append(lt)
        values.append((a, b))
        written.append(text_of)
        opers.append(oper)
    try:
        value = _computed(node, values, modulus)
    except EvalError:
        return None
    n, k = len(values), node.k
    if value != ((0, k) if n == 0 else node.value):  # a constant states its k
        return None
    a, b = value
    temps = _temps(text, 1 if n == 1 and k is not None else n - 2, env, letter)
    if temps is None or not isinstance(a, int) or not isinstance(b, int):
        return None
    k_text, value_of = "" if k is None or n > 1 else num(k), value_text(a, b, reverse)[0]
    if len(k_text) > _DIGITS or len(value_of) > _DIGITS or n >= len(_POSITIONS):
        return None
    expected = step_clauses(
        letter,
        STEP_SIGNS.get(node.op, ""),
        k_text,
        _POSITIONS[n],
        parent_letters,
        written,
        opers,
        temps,
        chain_partials(values, modulus, reverse) if n > 2 else None,
        value_of,
    )
    if len(text) != len(expected) + 1 or not text.endswith(expected) or text[0] != " ":
        return None
    env.values[letter] = value
    env.deps[letter] = (name,)
    return Step(name, letter, node.parents, value, value, None, (), False)
