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

from collections.abc import Mapping
from fractions import Fraction
from typing import ClassVar, Protocol

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
    "Step",
    "GoldStep",
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


class GoldStep(Protocol):
    """What :func:`canonical_step` reads of a gold node (:class:`edgegym.rewards.GoldNode`)."""

    @property
    def parents(self) -> tuple[str, ...]: ...
    @property
    def value(self) -> Lin: ...
    @property
    def op(self) -> str: ...
    @property
    def k(self) -> int | None: ...


_BOUND = 10 ** (MAX_DIGITS - 2)
"""Values the shortcut renders: their digits stay within ``MAX_DIGITS`` (sums of < 100 too)."""


def _ints(value: Lin) -> tuple[int, int] | None:
    """``value`` if both its parts are ints within the bound, else None."""
    a, b = value
    if isinstance(a, int) and isinstance(b, int) and -_BOUND < a < _BOUND and -_BOUND < b < _BOUND:
        return a, b
    return None


def _temps(text: str, count: int, env: Env, letter: str) -> list[str] | None:
    """The temporaries' letters a canonical step binds (each clause's first character), if
    each is a letter not bound yet, not the step's and not repeated (else None)."""
    temps: list[str] = []
    at = 1
    for _ in range(count):
        t = text[at : at + 1]
        if not is_letter(t) or t in env.values or t == letter or t in temps:
            return None
        if t == "x" and env.reverse:
            return None
        temps.append(t)
        at = text.find("; ", at) + 2
        if at == 1:
            return None
    return temps


def _recompute(node: GoldStep, values: list[tuple[int, int]], sign: str, modulus: int | None) -> Lin:
    """The value a canonical step's clauses compute from its parents' values, reduced."""
    n, k = len(values), node.k
    if n == 0 or (n == 1 and k is not None):
        if k is None or (n == 1 and sign not in ("*", "+")):
            raise EvalError("syntax")
        value: Lin = (0, k) if n == 0 else apply_op(sign, (0, k), values[0])
    else:
        if (n == 2 and sign not in ("+", "-")) or (n > 2 and sign != "+"):
            raise EvalError("syntax")
        value = values[0]
        for v in values[1:]:
            value = apply_op(sign, value, v)
            if modulus is not None:
                value = (0, value[1] % modulus)
    if modulus is not None:
        value = (0, value[1] % modulus)
    return value


def canonical_step(
    name: str,
    letter: str,
    text: str,
    env: Env,
    node: GoldStep,
    gold: Mapping[str, GoldStep],
    letters: Mapping[str, str],
) -> Step | None:
    """:func:`run_step`'s Step (without its assignments) for a step whose ``text`` is the
    trace writer's rendering of its gold ``node`` under the response's letters
    (``letters``: name -> the letter its step bound), or None (then run it).

    Accepted only where evaluating it cannot differ: the letters it binds are all new,
    each parent's letter holds that parent's name and its gold value (reduced), the
    numbers it writes stay within the bounds, and its clauses' values agree.
    """
    modulus, reverse = env.modulus, env.reverse
    if node.op in ("", "unknown") or letter in env.values or (reverse and letter == "x"):
        return None
    if reverse and modulus is not None:
        return None
    parents = node.parents
    if len(parents) >= 100 or len(set(parents)) != len(parents):
        return None
    parent_letters: list[str] = []
    values: list[tuple[int, int]] = []
    for p in parents:
        lt, parent = letters.get(p, ""), gold.get(p)
        known = env.values.get(lt)
        value = None if known is None or parent is None or known != parent.value else _ints(known)
        if value is None or env.deps[lt] != (p,):
            return None
        if modulus is not None and value[1] % modulus != value[1]:
            return None
        parent_letters.append(lt)
        values.append(value)
    sign = STEP_SIGNS.get(node.op, "")
    try:
        value = _ints(_recompute(node, values, sign, modulus))
    except EvalError:
        return None
    k = node.k
    stated = (0, k) if not parents and k is not None else node.value
    if value is None or stated != value or (k is not None and not -_BOUND < k < _BOUND):
        return None
    temps = _temps(text, 1 if len(parents) == 1 and k is not None else len(parents) - 2, env, letter)
    if temps is None:
        return None
    texts = [value_text(v, reverse) for v in values]
    expected = step_clauses(
        letter,
        sign,
        "" if k is None or len(parents) > 1 else num(k),
        parent_letters,
        ([t[0] for t in texts], [t[1] for t in texts]),
        temps,
        chain_partials(values, modulus, reverse) if len(parents) > 2 else ([], []),
        value_text(value, reverse)[0],
    )
    if len(text) != len(expected) + 1 or text[0] != " " or not text.endswith(expected):
        return None
    env.values[letter] = value
    env.deps[letter] = (name,)
    return Step(name, letter, parents, value, value, None, (), False)
