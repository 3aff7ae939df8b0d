"""Fast path of the full check: parse, recompute and compare in one pass, exactly.

:func:`fast_check` computes what :func:`edgegym.rewards.parse.parse` followed by
:func:`edgegym.rewards.process.check_process` and the outcome compute (outcome,
process, verified, first_error, flags, right, total: every field of a ``RewardResult``
but the score, which ``combined`` derives), in one loop over the steps and without
building ``Step``/``Assignment``/``ParsedResponse`` objects. It returns None for any
response outside the narrow grammar below, and the caller then runs the general
parser from scratch, so results are always the general code's.

How a step is read, cheapest first:

1. **Rendered.** The step is guessed to be the gold node after the one the previous
   step defined, as in every gold-like response. The text ``edgegym.tasks.trace``
   writes for that node, ``Define NAME as L; ... . ``, is rendered from the values
   established so far (:func:`_render`), with the letter L and any temporaries read
   from the response at their places, and compared with the text in place. When it
   matches, the general code would read the text as consistent clauses whose
   recomputed value is the rendered one, whose parents are the node's gold parents
   (the distinct names behind the letters bound to them) and whose temporaries end
   with the step: every number in it is written by ``str`` (forms in x as
   ``format_lin`` writes them, parenthesised as operands), so the parser reads back
   exactly the values written. No clause is parsed.
2. **Rendered by name.** Otherwise the step is split off at the next ``Define `` and
   its header read as ``parse._body`` does; the node it names is rendered the same way,
   now also when its letter is bound already (``letter_reused``), when the node was
   defined before (a duplicate), and when only the stated value, the last piece,
   differs (``inconsistent``, unless that piece denotes the same value).
3. **Clause by clause.** Otherwise the clauses are evaluated one by one as
   ``steps.run_step`` and ``steps._clause`` do, within this narrow grammar: clauses
   ``[so ]T = E[ = N1 = ... = Nk]`` separated by ``"; "`` with ``" = "`` between pieces
   and no piece with ``=``, ``;`` or outer whitespace (so the pieces are the general
   parser's, which strips them); the target T one ASCII letter (not ``x`` in reverse
   mode); the expression E an integer, a letter, ``A op B`` (op ``+ - *``, letters and
   integers) or, in reverse mode, a form in x alone, compiled by the general code's
   :func:`edgegym.rewards.segments.compiled`; its value within the arithmetic bounds;
   every Ni an integer constant (or a form in x alone in reverse mode); a step that
   binds its letter, to a value; reverse mode without a modulus.

Malformed steps (truncation), extra, repeated, moved and re-defined steps, wrong values
and parents, use before definition, reused letters, junk and every answer-tag problem
are within it. Forward-mode values are ints ``b`` (the general code's ``(0, b)``:
nothing has an x term in forward mode), reverse-mode values ``(a, b)`` pairs of ints.
Reverse mode's solving part is compared as text with the canonical one rendered from
the gold numbers (:func:`solve_template`); any other goes through the general
``_solve``. ``tests/rewards/test_reward_fastscore.py`` checks the agreement with the
general path field by field over generated problems and many kinds of responses.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Final, NamedTuple, TypeAlias

from edgegym.rewards.answer import _common_shape, parse_number, scan_answer
from edgegym.rewards.arith import MAX_ABS, EvalError, Lin, Rat
from edgegym.rewards.gold import GoldNode
from edgegym.rewards.parse import PREAMBLE, _solve
from edgegym.rewards.process import _solve_ok
from edgegym.rewards.segments import BINARY, CONST, LETTER, Env, X, compiled
from edgegym.rewards.steps import UNKNOWN_CLAUSE
from edgegym.tasks.trace import fmt_linear

if TYPE_CHECKING:
    from edgegym.rewards.gold import Gold

__all__ = [
    "Checked",
    "SolveTemplate",
    "clear_caches",
    "fast_check",
    "names_ok",
    "problem_data",
    "solve_template",
]

# Final: the compiled build reads these as constants, not from the module's namespace
_LETTERS: Final = frozenset(string.ascii_letters)
_TARGETS_REVERSE: Final = _LETTERS - {"x"}
_SOLVE_HEAD: Final = "We know "
_UNKNOWN_STEP: Final = "; " + UNKNOWN_CLAUSE + "."
_BOUND: Final = 10**15  # gold numbers in the canonical solving part stay far below limits
_CACHE_MAX: Final = 1 << 16
_NEG: Final = -MAX_ABS
_SMALL: Final = 1 << 61  # an int below this in size is a small int of the compiled build
_new: Final = tuple.__new__  # NamedTuple construction without its Python-level __new__

# Compiled expressions: (code, left, right, fn). code 0: the constant ``left``; 1: the
# letter ``left``; 2: letter op letter; 3: letter op constant; 4: constant op letter;
# 5 (reverse mode): the form ``left`` in x alone; -1: outside the narrow grammar.
# ``fn`` is the operation on values.
Expr: TypeAlias = tuple[int, Any, Any, Any]
# Compiled number pieces ``N1 = ... = Nk``: (last value, every Ni agrees with it), or None.
Rest: TypeAlias = tuple[Any, bool] | None
# A reverse-mode value ``(a, b)`` of ints: a tuple object in the compiled build too (a
# fixed-length tuple type would be unboxed there and boxed again at every dict access).
Pair: TypeAlias = tuple[int, ...]
_REJECT: Final[Expr] = (-1, None, None, None)


class Checked(NamedTuple):
    """What :func:`fast_check` found: the fields of a ``RewardResult`` but the score."""

    outcome: float
    process: float
    verified: bool
    first_error: int | None
    flags: frozenset[str]
    right: int
    total: int


class SolveTemplate(NamedTuple):
    """Reverse mode's canonical solving part, less its first letter, and its verdict."""

    suffix: str
    """The text after ``We know G``."""
    value: Lin
    """The value G must hold for the verdict to apply (the gold graph's last node)."""
    verdict: str | None
    """What ``_solve_ok`` says of that text when G holds ``value`` (None: right)."""


def solve_template(gold: Gold) -> SolveTemplate | None:
    """The canonical solving part of a reverse-mode gold graph, or None if it has none.

    It is the text ``edgegym.tasks.trace.solve_steps`` writes for the last node's value
    ``(a, b)``, the given value ``V`` and the answer ``x0``. Parsed by
    ``edgegym.rewards.parse._solve`` with G bound to ``(a, b)``, its equations are
    ``(a, b - V)`` five times (``G = V``, ``lhs = V`` twice, the moved form ``= 0``, the
    isolated term), then ``(1, -(V - b)/a)`` and ``(1, -x0)``, and its solution is ``x0``:
    every number is an int written by ``str``, far inside the parser's bounds, and
    ``a != 0``. The verdict is what ``process._solve_ok`` says of exactly that,
    spelled out below; tests check it against the general parser.
    """
    values = gold._fast[1]  # gold.fast_data()[1], without the call
    if gold.mode != "reverse" or gold.equation is None or not values:
        return None
    a, b = values[-1]
    _, c = gold.equation
    x0 = gold.answer
    if (
        type(a) is not int
        or type(b) is not int
        or type(c) is not int
        or type(x0) is not int
        or not a
        or not (-_BOUND < a < _BOUND and -_BOUND < b < _BOUND)
        or not (-_BOUND < c < _BOUND and -_BOUND < x0 < _BOUND)
    ):
        return None
    num = -c  # V - b
    suffix = _solve_suffix(a, b, c, x0)
    quotient: Any = num // a if not num % a else Fraction(num, a)
    # _solve_ok(Solve(((a, c), (1, -quotient), (1, -x0)), x0, None), gold), spelled out:
    # right iff x0 is the gold answer and every equation is ``equivalent`` to the gold one
    ga, gc = gold.equation
    verdict = (
        None
        if x0 == gold.answer and ga and a * gc == c * ga and gc == -quotient * ga and gc == -x0 * ga
        else "solve_wrong"
    )
    return _new(SolveTemplate, (suffix, (a, b), verdict))  # type: ignore[no-any-return]


def _solve_suffix(a: int, b: int, c: int, x0: int) -> str:
    """:func:`solve_template`'s text (typed: int arithmetic in the compiled build)."""
    g = str(b - c)  # V
    n = str(-c)  # V - b
    d = str(a)
    lhs = fmt_linear(a, b)
    return (
        f" = {g}, so we have {lhs} = {g} and we solve it through "
        f"the following steps: Simplifying the equation: {lhs} = {g}. "
        f"Move all terms to one side: {fmt_linear(a, c)} = 0. "
        f"Isolate the term with x: {fmt_linear(a, 0)} = {n}. "
        f"Divide both sides by {d}: x = {n} / {d}. Solution: x = {x0}."
    )


# --- arithmetic on reverse-mode pairs (``arith.apply_op`` for int coefficients) ----------


def _radd(left: Lin, right: Lin) -> Lin:
    a = left[0] + right[0]
    b = left[1] + right[1]
    if _NEG <= a <= MAX_ABS and _NEG <= b <= MAX_ABS:
        return (a, b)
    raise EvalError("too_large")


def _rsub(left: Lin, right: Lin) -> Lin:
    a = left[0] - right[0]
    b = left[1] - right[1]
    if _NEG <= a <= MAX_ABS and _NEG <= b <= MAX_ABS:
        return (a, b)
    raise EvalError("too_large")


def _rmul(left: Lin, right: Lin) -> Lin:
    if left[0]:
        if right[0]:
            raise EvalError("nonlinear")
        a = left[0] * right[1]
    else:
        a = left[1] * right[0]
    b = left[1] * right[1]
    if _NEG <= a <= MAX_ABS and _NEG <= b <= MAX_ABS:
        return (a, b)
    raise EvalError("too_large")


_FORWARD_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}
_REVERSE_OPS: Final[dict[str, Callable[[Any, Any], Any]]] = {"+": _radd, "-": _rsub, "*": _rmul}


def _int_pair(value: Any) -> bool:
    return value.__class__ is tuple and type(value[0]) is int and type(value[1]) is int


def _clean(text: str) -> bool:
    """No whitespace at either end, no ``=`` or ``;``: the general parser's piece as is."""
    return bool(text) and text == text.strip() and "=" not in text and ";" not in text


def _compile_expr(text: str, reverse: bool) -> Expr:
    """The narrow-grammar form of an expression piece (see the module docstring)."""
    if not _clean(text):
        return _REJECT
    seg = compiled(text)

    def constant(value: Any) -> Any:
        if not _int_pair(value) or (not reverse and value[0]):
            return None
        return value if reverse else value[1]

    if seg.kind == CONST:
        value = constant(seg.const)
        return _REJECT if value is None else (0, value, None, None)
    if seg.kind == LETTER:
        return (1, seg.left, None, None)
    if reverse and seg.kind != BINARY and seg.xconst is not None and _int_pair(seg.xconst):
        # a form in x alone (``2*x - 1``): evaluated over x, which only the unknown binds
        return (5, seg.xconst, None, None)
    if seg.kind != BINARY or seg.op not in _FORWARD_OPS:
        return _REJECT
    fn = (_REVERSE_OPS if reverse else _FORWARD_OPS)[seg.op]
    left, right = seg.left, seg.right
    if isinstance(left, str) and isinstance(right, str):
        return (2, left, right, fn)
    if isinstance(left, str):
        value = constant(right)
        return _REJECT if value is None else (3, left, value, fn)
    if isinstance(right, str):
        value = constant(left)
        return _REJECT if value is None else (4, value, right, fn)
    return _REJECT  # a constant BINARY is compiled as CONST


def _compile_rest(text: str, reverse: bool, modulus: int | None) -> Rest:
    """The narrow-grammar form of the number pieces after an expression, or None."""
    values: list[Any] = []
    for piece in text.split(" = "):
        if not _clean(piece):
            return None
        seg = compiled(piece)
        if seg.kind == CONST:
            value: Any = seg.const
        elif reverse and seg.xconst is not None:
            value = seg.xconst
        else:
            return None
        if not _int_pair(value) or (not reverse and value[0]):
            return None
        values.append(value)
    last = values[-1]
    # steps._clause: N is wrong iff N != value and (no modulus, or N has an x term, or
    # N - value is not a multiple of the modulus); with value == last, value[0] == 0.
    ok = all(
        v == last or (modulus is not None and not v[0] and not (v[1] - last[1]) % modulus)
        for v in values
    )
    return (last if reverse else last[1]), ok


def _expr(cache: dict[str, Expr], text: str, reverse: bool) -> Expr:
    """``_compile_expr``, remembered for short texts (long ones would only fill memory)."""
    expr = _compile_expr(text, reverse)
    if len(text) <= _KEY_MAX:
        cache[text] = expr
    return expr


def _rest(cache: dict[str, Rest], text: str, reverse: bool, modulus: int | None) -> Rest:
    """``_compile_rest``, remembered for short texts."""
    rest = _compile_rest(text, reverse, modulus)
    if len(text) <= _KEY_MAX:
        cache[text] = rest
    return rest


_KEY_MAX: Final = 96
_EXPRS: Final[tuple[dict[str, Expr], dict[str, Expr]]] = ({}, {})
_RESTS: Final[dict[tuple[bool, int | None], dict[str, Rest]]] = {}
_FORMS: Final[dict[Pair, tuple[str, str]]] = {}


def _forms(value: Pair) -> tuple[str, str]:
    """A reverse-mode value as the trace writes it, alone and as an operand (cached)."""
    forms = _FORMS.get(value)
    if forms is None:
        text = fmt_linear(value[0], value[1])
        forms = (text, f"({text})" if " " in text or text[:1] == "-" else text)
        if len(_FORMS) >= _CACHE_MAX:
            _FORMS.clear()
        _FORMS[value] = forms
    return forms


_GOOD_NAMES: Final[set[str]] = set()


def clear_caches() -> None:
    """Empty this module's caches (compiled pieces, written forms, checked names)."""
    for cache in _EXPRS:
        cache.clear()
    _RESTS.clear()
    _FORMS.clear()
    _GOOD_NAMES.clear()


def names_ok(names: Iterable[str]) -> bool:
    """True if no name can change how a canonical step splits: none has ``;`` or
    ``Define`` or is blank (see :func:`fast_check`). Good names are remembered."""
    if _GOOD_NAMES.issuperset(names):
        return True
    for name in names:
        if ";" in name or "Define" in name or not name.strip():
            return False
    if len(_GOOD_NAMES) >= _CACHE_MAX:
        _GOOD_NAMES.clear()
    _GOOD_NAMES.update(name for name in names if len(name) <= _KEY_MAX)
    return True


def problem_data(
    source: tuple[Any, ...], reverse: bool
) -> tuple[tuple[Any, ...], dict[str, int], bool]:
    """What ``gold.gold_from_problem`` needs of a problem's nodes, in one pass: their values
    (forward: ``value``; reverse: ``coef``, None where missing), each name's position (the
    last, if a name repeats) and :func:`names_ok` of the names."""
    values: list[Any] = []
    positions: dict[str, int] = {}
    unknown: list[str] = []  # names not known to be good
    for i in range(len(source)):
        node = source[i]
        name: str = node.name
        values.append(node.coef if reverse else node.value)
        positions[name] = i
        if name not in _GOOD_NAMES:
            unknown.append(name)
    return tuple(values), positions, not unknown or names_ok(unknown)


def _unlike(parents: tuple[str, ...], node: Any) -> bool:
    """``process._verdict``'s test of parents that differ from the gold node's as a tuple,
    for a GoldNode or a problem's own node (whose GoldNode would say the same)."""
    ordered = node.ordered if node.__class__ is GoldNode else node.op == "diff"
    return ordered or len(parents) != len(node.parents) or set(parents) != set(node.parents)


# --- rendering a gold node's canonical step ----------------------------------------------
#
# Each renderer gets the gold node, its name, the letter L read from the response, the
# values and letters established so far (by letter and by name), the letters a clause may
# target and the modulus; those that read temporaries also get ``body`` and the place of
# L in it. It returns the node's value and the text ``edgegym.tasks.trace.trace_step``
# writes for it (``Define ... . ``), or None when that text cannot be written: a parent
# without a letter, a temporary that is not a fresh target, a parent named twice, a
# value beyond the arithmetic bounds. The general code reads that text as consistent
# clauses whose value is the returned one, whose parents are the node's gold parents
# (distinct names behind letters bound to them) and whose temporaries end with the step:
# numbers are written by ``str`` (forms in x as ``format_lin`` writes them,
# parenthesised as operands where needed), so the parser reads back exactly the values
# written; with a modulus the stated value is the reduced residue and every other number
# is congruent to it. Forward-mode values are ints and reverse-mode ones pairs of ints
# (see the module docstring); the typed locals below say so to the compiled build.


def _render(
    node: Any,
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
    modulus: int | None,
    reverse: bool,
) -> tuple[Any, str] | None:
    """The rendering of the node's operation; None for an operation without one (a study
    record's node, forward mode's unknown)."""
    op: str = node.op
    if reverse:
        if op == "sum" or op == "total" or op == "diff":
            return _rev_pair(node, op == "diff", name, letter, ell, body, values, letter_of)
        if op == "times" or op == "plus":
            return _rev_times(node, op == "times", name, letter, ell, body, values, letter_of)
        if op == "const":
            return _rev_const(node, name, letter)
        if op == "copy":
            return _rev_copy(node, name, letter, values, letter_of)
        if op == "unknown":
            return _rev_unknown(node, name, letter)
        return None
    if op == "sum" or op == "total" or op == "diff":
        return _fwd_pair(node, op == "diff", name, letter, ell, body, values, letter_of, modulus)
    if op == "times" or op == "plus":
        return _fwd_times(node, op == "times", name, letter, ell, body, values, letter_of, modulus)
    if op == "const":
        return _fwd_const(node, name, letter, modulus)
    if op == "copy":
        return _fwd_copy(node, name, letter, values, letter_of, modulus)
    return None


def _fwd_const(node: Any, name: str, letter: str, modulus: int | None) -> tuple[Any, str] | None:
    kk = node.k
    if node.parents or type(kk) is not int or letter not in _LETTERS:
        return None
    k: int = kk
    if modulus is not None and k % modulus != k:
        return None
    return k, f"Define {name} as {letter}; so {letter} = {k}. "


def _fwd_copy(
    node: Any,
    name: str,
    letter: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
    modulus: int | None,
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    if len(parents) != 1 or letter not in _LETTERS:
        return None
    p = letter_of.get(parents[0])
    if p is None:
        return None
    v: int = values[p]
    if modulus is not None:
        v %= modulus
    return v, f"Define {name} as {letter}; so {letter} = {p} = {v}. "


def _fwd_times(
    node: Any,
    times: bool,
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
    modulus: int | None,
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    kk = node.k
    t = body[ell + 3 : ell + 4]
    if (
        len(parents) != 1
        or type(kk) is not int
        or letter not in _LETTERS
        or t not in _LETTERS
        or t in values
        or t == letter
    ):
        return None
    k: int = kk
    p = letter_of.get(parents[0])
    if p is None:
        return None
    tv: int = values[p]
    if modulus is not None:
        tv %= modulus
    u = k * tv if times else k + tv
    if not _in_bounds(u):
        return None
    v = u if modulus is None else u % modulus
    sign = " * " if times else " + "
    ks, tvs = str(k), str(tv)  # each written twice
    return v, (
        f"Define {name} as {letter}; {t} = {p} = {tvs}; so {letter} = {ks}{sign}{t} = "
        f"{ks}{sign}{tvs if tv >= 0 else f'({tvs})'} = {v}. "
    )


def _fwd_pair(
    node: Any,
    diff: bool,
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
    modulus: int | None,
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    if len(parents) != 2:
        if diff:
            return None
        return _sum_chain(parents, name, letter, ell, body, values, letter_of, modulus, False)
    if letter not in _LETTERS:
        return None
    p = letter_of.get(parents[0])
    q = letter_of.get(parents[1])
    if p is None or q is None or p == q:
        return None
    v1: int = values[p]
    v2: int = values[q]
    u = v1 - v2 if diff else v1 + v2
    if not _in_bounds(u):
        return None
    v = u if modulus is None else u % modulus
    sign = " - " if diff else " + "
    return v, (
        f"Define {name} as {letter}; so {letter} = {p}{sign}{q} = "
        f"{v1 if v1 >= 0 else f'({v1})'}{sign}{v2 if v2 >= 0 else f'({v2})'} = {v}. "
    )


def _rev_const(node: Any, name: str, letter: str) -> tuple[Any, str] | None:
    kk = node.k
    if node.parents or type(kk) is not int or letter not in _TARGETS_REVERSE:
        return None
    k: int = kk
    return (0, k), f"Define {name} as {letter}; so {letter} = {k}. "


def _rev_copy(
    node: Any, name: str, letter: str, values: dict[str, Any], letter_of: dict[str, str]
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    if len(parents) != 1 or letter not in _TARGETS_REVERSE:
        return None
    p = letter_of.get(parents[0])
    if p is None:
        return None
    v: Pair = values[p]
    shown = (_FORMS.get(v) or _forms(v))[0]
    return v, f"Define {name} as {letter}; so {letter} = {p} = {shown}. "


def _rev_times(
    node: Any,
    times: bool,
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    kk = node.k
    t = body[ell + 3 : ell + 4]
    if (
        len(parents) != 1
        or type(kk) is not int
        or letter not in _TARGETS_REVERSE
        or t not in _TARGETS_REVERSE
        or t in values
        or t == letter
    ):
        return None
    k: int = kk
    p = letter_of.get(parents[0])
    if p is None:
        return None
    tv: Pair = values[p]
    a = tv[0]
    b = tv[1]
    u: Pair
    if times:
        u = (k * a, k * b)
        sign = " * "
    else:
        u = (a, k + b)
        sign = " + "
    if not (_in_bounds(u[0]) and _in_bounds(u[1])):
        return None
    shown, operand = _FORMS.get(tv) or _forms(tv)
    ks = str(k)  # written twice
    return u, (
        f"Define {name} as {letter}; {t} = {p} = {shown}; so {letter} = {ks}{sign}{t} = "
        f"{ks}{sign}{operand} = {(_FORMS.get(u) or _forms(u))[0]}. "
    )


def _rev_pair(
    node: Any,
    diff: bool,
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
) -> tuple[Any, str] | None:
    parents: tuple[str, ...] = node.parents
    if len(parents) != 2:
        if diff:
            return None
        return _sum_chain(parents, name, letter, ell, body, values, letter_of, None, True)
    if letter not in _TARGETS_REVERSE:
        return None
    p = letter_of.get(parents[0])
    q = letter_of.get(parents[1])
    if p is None or q is None or p == q:
        return None
    v1: Pair = values[p]
    v2: Pair = values[q]
    u: Pair
    if diff:
        u = (v1[0] - v2[0], v1[1] - v2[1])
        sign = " - "
    else:
        u = (v1[0] + v2[0], v1[1] + v2[1])
        sign = " + "
    if not (_in_bounds(u[0]) and _in_bounds(u[1])):
        return None
    return u, (
        f"Define {name} as {letter}; so {letter} = {p}{sign}{q} = "
        f"{(_FORMS.get(v1) or _forms(v1))[1]}{sign}{(_FORMS.get(v2) or _forms(v2))[1]} = "
        f"{(_FORMS.get(u) or _forms(u))[0]}. "
    )


def _in_bounds(v: int) -> bool:
    """``-MAX_ABS <= v <= MAX_ABS``. Nearly every value is small, and compared natively in
    the compiled build before the comparison with MAX_ABS (a big int, compared slowly)."""
    return -_SMALL < v < _SMALL or _NEG <= v <= MAX_ABS


def _repeats(names: tuple[str, ...]) -> bool:
    """True if a name occurs twice (a loop: cheaper than a set for the few parents of a node)."""
    for i in range(1, len(names)):
        name = names[i]
        for j in range(i):
            if names[j] == name:
                return True
    return False


def _rev_unknown(node: Any, name: str, letter: str) -> tuple[Any, str] | None:
    if letter != "x" or node.parents:
        return None
    return X, f"Define {name} as x{_UNKNOWN_STEP} "


def _sum_chain(
    parents: tuple[str, ...],
    name: str,
    letter: str,
    ell: int,
    body: str,
    values: dict[str, Any],
    letter_of: dict[str, str],
    modulus: int | None,
    reverse: bool,
) -> tuple[Any, str] | None:
    """A sum of three or more parents, chained through temporaries read from ``body``."""
    targets = _TARGETS_REVERSE if reverse else _LETTERS
    if len(parents) < 3 or letter not in targets or _repeats(parents):
        return None  # (the general code would merge a repeated parent)
    acc_letter = letter_of.get(parents[0])
    if acc_letter is None:
        return None
    acc: Any = values[acc_letter]
    # the running sum as an operand: the first parent's value, then each partial sum's
    if reverse:
        acc_operand = (_FORMS.get(acc) or _forms(acc))[1]
    else:
        first: int = acc
        acc_operand = str(first) if first >= 0 else f"({first})"
    pieces = [f"Define {name} as {letter}; "]
    temps = [letter]  # letters a temporary may not be
    at = ell + 3
    last = len(parents) - 1
    for n in range(1, last + 1):
        p = letter_of.get(parents[n])
        if p is None:
            return None
        s: Any
        if reverse:
            pa: Pair = acc
            pv: Pair = values[p]
            sa = pa[0] + pv[0]
            sb = pa[1] + pv[1]
            if not (_in_bounds(sa) and _in_bounds(sb)):
                return None
            sp: Pair = (sa, sb)
            s = sp
            operand = (_FORMS.get(pv) or _forms(pv))[1]
            sum_text, sum_operand = _FORMS.get(sp) or _forms(sp)
        else:
            ia: int = acc
            iv: int = values[p]
            si = ia + iv
            if not _in_bounds(si):
                return None
            if modulus is not None:
                si %= modulus
            s = si
            operand = str(iv) if iv >= 0 else f"({iv})"
            sum_text = str(si)
            sum_operand = sum_text if si >= 0 else f"({sum_text})"
        if n == last:
            pieces.append(
                f"so {letter} = {acc_letter} + {p} = {acc_operand} + {operand} = {sum_text}. "
            )
            return s, "".join(pieces)
        t = body[at : at + 1]
        if t not in targets or t in values or t in temps:
            return None
        piece = f"{t} = {acc_letter} + {p} = {acc_operand} + {operand} = {sum_text}; "
        pieces.append(piece)
        at += len(piece)
        temps.append(t)
        acc_letter = t
        acc = s
        acc_operand = sum_operand
    return None  # not reached: the last parent returns


def fast_check(response: object, gold: Gold) -> Checked | None:
    """The full check of a response if it is within the narrow grammar, else None.

    Steps are read as the module docstring describes: the guessed gold node rendered
    in place (which needs a fresh letter and a node not defined before), else the node
    the header names rendered (letter reuse, duplicates and a differing stated value
    included), else clause by clause. After a rendered step the next ``Define `` must
    follow; anything before it is the step's trailing text (junk, or the tail), as in
    ``parse._body``.

    Args:
        response: the text after ``<solution>``.
        gold: the gold graph.
    """
    if type(response) is not str:
        return None
    reverse: bool = gold.mode == "reverse"
    modulus: int | None = gold.modulus
    if reverse and modulus is not None:
        return None
    flags: set[str] = set()
    answer: Rat | None
    shape = _common_shape(response)
    if shape is None or (answer := parse_number(response[shape[1] + 8 : shape[2]])) is None:
        end, _, answer = scan_answer(response, flags)
    else:
        end = shape[0]  # scan_answer's common case, inline
    body = response[:end]
    pos = body.find("Define ")
    pre = (body if pos < 0 else body[:pos]).strip()
    if reverse:
        if pre.startswith(PREAMBLE):
            pre = pre[len(PREAMBLE) :].strip()
        else:
            flags.add("missing_preamble")
    junk = 1 if pos >= 0 and pre else 0
    tail = pre
    values: dict[str, Any] = {}  # letter -> value
    deps: dict[str, tuple[str, ...]] = {}  # letter -> the names behind it
    letter_of: dict[str, str] = {}  # name -> the node letter bound to it (deps[letter] == (name,))
    fast = gold._fast  # gold.fast_data(), without the call
    nodes: tuple[Any, ...] = fast[0]
    gvalues: tuple[Any, ...] = fast[1]
    index: dict[str, int] = fast[2]
    n_nodes = len(nodes) if fast[3] else 0  # nothing is rendered unless names are plain
    # What process.check_process keeps by name: for each gold node (by index) 0 if no step
    # defined it, 1 if it is right, 2 if not; and the other names defined.
    status = [0] * len(nodes)
    extras: set[str] = set()
    n_right = 0  # gold nodes right
    n_gold = 0  # gold nodes defined
    pflags: set[str] = set()
    penalties = 0
    first_error: int | None = None
    targets = _TARGETS_REVERSE if reverse else _LETTERS
    exprs = _EXPRS[reverse]
    rests = _RESTS.get((reverse, modulus))
    if rests is None or len(rests) >= _CACHE_MAX or len(exprs) >= _CACHE_MAX:
        rests = _RESTS[(reverse, modulus)] = {}
        exprs.clear()
    error: str | None
    parents: tuple[str, ...]
    node_value: Any
    r: Any
    gi: int | None
    name: str
    found: tuple[Any, str] | None
    i = -1  # index of the step at hand
    j = 0  # the gold node guessed next
    rendered = False  # the previous step was a rendered one (its ". " consumed)
    # the guess's rendering when it failed: (node index, its place, its result)
    guessed: tuple[int, int, tuple[Any, str] | None] | None = None
    while pos >= 0:
        if j < n_nodes:
            # --- the guess: gold node j's rendered text, here
            node = nodes[j]
            name = node.name
            ell = pos + 11 + len(name)  # where the step's letter stands
            letter = body[ell : ell + 1]
            found = _render(node, name, letter, ell, body, values, letter_of, modulus, reverse)
            if found is not None:
                v, piece = found
                # (a slice compared: one allocation, but cheaper than a startswith call
                # with a start in the compiled build)
                if body[pos : pos + len(piece)] == piece and letter not in values and not status[j]:
                    values[letter] = v
                    deps[letter] = (name,)
                    letter_of[name] = letter
                    i += 1
                    n_gold += 1
                    if gvalues[j] == v:
                        status[j] = 1
                        n_right += 1
                    else:
                        status[j] = 2
                        pflags.add("wrong_value")
                        if first_error is None:
                            first_error = i
                    j += 1
                    pos += len(piece)
                    rendered = True
                    continue
            guessed = (j, pos, found)
        if rendered:
            rendered = False
            if body[pos : pos + 7] != "Define ":
                # after a rendered step: text up to the next "Define " is its "after"
                nxt = body.find("Define ", pos)
                if nxt < 0:
                    tail = body[pos:].strip()
                    break
                if body[pos:nxt].strip():
                    junk += 1
                pos = nxt
                continue
        i += 1
        # --- the header ``NAME as L;`` and the text up to the first "." (parse._body)
        nxt = body.find("Define ", pos + 7)
        head, _, rest = (body[pos + 7 :] if nxt < 0 else body[pos + 7 : nxt]).partition(";")
        text, dot, after = rest.partition(".")
        name = head[:-5]
        letter = head[-1:]
        if (
            not dot
            or len(head) < 6
            or head[-5:-1] != " as "
            or letter not in _LETTERS
            or not name.strip()
        ):
            # --- a malformed step (parse._body): no name, no value, the tail is lost
            flags.add("malformed_step")
            flags.add("malformed")
            pflags.add("malformed")
            penalties += 1
            if first_error is None:
                first_error = i
            tail = ""
            pos = nxt
            continue
        gi = index.get(name)
        size = 0  # of the step's text, if it is the node's rendered one
        if gi is not None and gi < n_nodes:
            # --- the node the header names, rendered; the letter may be bound already
            node = nodes[gi]
            ell = pos + 6 + len(head)
            if guessed is not None and guessed[0] == gi and guessed[1] == pos:
                found = guessed[2]  # the guess rendered this very node here
            else:
                found = _render(node, name, letter, ell, body, values, letter_of, modulus, reverse)
            if found is not None:
                v, piece = found
                op = node.op
                if body.startswith(piece, pos):
                    size = len(piece)
                    error = None
                elif op != "const" and op != "unknown":
                    # the rendered text but for the stated value, the last piece
                    cut = piece.rfind(" = ") + 3
                    if body.startswith(piece[:cut], pos):
                        at = pos + cut
                        stop = body.find(".", at)
                        if body.startswith(". ", stop):
                            last = body[at:stop]
                            r = rests.get(last, False)
                            if r is False:
                                r = _rest(rests, last, reverse, modulus)
                            if r is not None:
                                size = stop + 2 - pos
                                error = None if r[1] and r[0] == v else "inconsistent"
        guessed = None
        if size:
            # the general code reads this text as described in the docstring
            if letter in values:  # bound again: flagged, its old name loses it
                flags.add("letter_reused")
                for old in deps[letter]:
                    if letter_of.get(old) == letter:
                        del letter_of[old]
            values[letter] = v
            deps[letter] = (name,)
            letter_of[name] = letter
            if error is not None:
                flags.add(error)
            parents = node.parents
            node_value = v
            pos += size
            rendered = True
        else:
            pos = nxt
            if nxt >= 0:
                if after != " " and after.strip():
                    junk += 1
            else:
                tail = after.strip()
            if text[:1] != " ":
                return None
            if UNKNOWN_CLAUSE in text and text.strip() == UNKNOWN_CLAUSE:
                # --- reverse mode's unknown, not in its canonical place or form
                if not reverse or letter != "x":
                    return None  # bad_unknown
                if "x" in values:
                    flags.add("letter_reused")
                    for old in deps["x"]:
                        if letter_of.get(old) == "x":
                            del letter_of[old]
                values["x"] = X
                deps["x"] = (name,)
                letter_of[name] = "x"
                error = None
                parents = ()
                node_value = X
            else:
                # --- the clauses one by one (steps.run_step and steps._clause)
                reused = letter in values
                error = None
                node_value = None
                node_stated: Any = None
                node_parents: tuple[str, ...] | None = None
                shadow: dict[str, tuple[Any, tuple[str, ...]] | None] | None = None
                for clause in text[1:].split("; "):
                    if clause[:3] == "so ":
                        clause = clause[3:]
                    parts = clause.split(" = ", 2)
                    target = parts[0]
                    if target not in targets or len(parts) < 2:
                        return None
                    expr = parts[1]
                    e = exprs.get(expr)
                    if e is None:
                        e = _expr(exprs, expr, reverse)
                    code = e[0]
                    cerror: str | None = None
                    # None while a letter it reads is unbound (no binding holds None)
                    value: Any = None
                    try:
                        if code == 1:
                            cparents: tuple[str, ...] = deps.get(e[1], ())
                            value = values.get(e[1])
                        elif code == 2:
                            p1 = deps.get(e[1], ())
                            p2 = deps.get(e[2], ())
                            if not p2 or p1 == p2:
                                cparents = p1
                            elif not p1:
                                cparents = p2
                            else:
                                out = list(p1)
                                for pname in p2:
                                    if pname not in out:
                                        out.append(pname)
                                cparents = tuple(out)
                            left = values.get(e[1])
                            right = values.get(e[2])
                            if left is not None and right is not None:
                                value = e[3](left, right)
                        elif code == 4:
                            cparents = deps.get(e[2], ())
                            right = values.get(e[2])
                            if right is not None:
                                value = e[3](e[1], right)
                        elif code == 0:
                            cparents = ()
                            value = e[1]
                        elif code == 3:
                            cparents = deps.get(e[1], ())
                            left = values.get(e[1])
                            if left is not None:
                                value = e[3](left, e[2])
                        elif code == 5:
                            cparents = deps.get("x", ())
                            if "x" in values:
                                value = e[1]
                        else:
                            return None
                    except EvalError:
                        return None
                    if value is None:
                        cerror = "undefined_letter"
                    elif 2 <= code <= 4 and not reverse and not _NEG <= value <= MAX_ABS:
                        return None  # too_large
                    stated: Any = value
                    if modulus is not None and value is not None:
                        value %= modulus
                    if len(parts) == 3:
                        numbers = parts[2]
                        r = rests.get(numbers, False)
                        if r is False:
                            r = _rest(rests, numbers, reverse, modulus)
                        if r is None:
                            return None
                        stated = r[0]
                        if cerror is None and (not r[1] or stated != value):
                            cerror = "inconsistent"
                    elif cerror is None and stated != value:
                        cerror = "inconsistent"  # with a modulus: not the reduced residue
                    if error is None:
                        error = cerror
                    if target == letter:
                        if node_parents is not None or (shadow is not None and letter in shadow):
                            reused = True
                        node_parents = cparents
                        node_value = value
                        node_stated = stated
                    else:
                        if shadow is None:
                            shadow = {}
                        if target in values:
                            reused = True
                            if target not in shadow:
                                shadow[target] = (values[target], deps[target])
                        else:
                            shadow[target] = None
                        bound = value if value is not None else stated
                        if bound is None:
                            return None  # bound to no value
                        values[target] = bound
                        deps[target] = cparents
                if shadow is not None:  # temporaries end with their step
                    for target, old_binding in shadow.items():
                        if old_binding is None:
                            del values[target], deps[target]
                        else:
                            values[target], deps[target] = old_binding
                if node_parents is None:
                    return None  # no_value
                bound = node_value if node_value is not None else node_stated
                if bound is None:
                    return None
                if letter in values:  # bound before this step: its old name loses it
                    for old in deps[letter]:
                        if letter_of.get(old) == letter:
                            del letter_of[old]
                if reused:
                    flags.add("letter_reused")
                values[letter] = bound
                deps[letter] = (name,)
                letter_of[name] = letter
                parents = node_parents
                if error is not None:
                    flags.add(error)
        if gi is not None:
            j = gi + 1
        # --- the verdict (process.check_process)
        if gi is None:
            if name in extras:
                verdict = "duplicate"
            else:
                extras.add(name)
                verdict = "extra"
            penalties += 1
        elif status[gi]:
            verdict = "duplicate"
            penalties += 1
            if status[gi] == 1:
                n_right -= 1
            status[gi] = 2
        else:
            n_gold += 1
            status[gi] = 2
            if error is not None:
                verdict = error
            elif parents != nodes[gi].parents and _unlike(parents, nodes[gi]):
                verdict = "wrong_parents"
            elif gvalues[gi] != node_value:
                verdict = "wrong_value"
            else:
                status[gi] = 1
                n_right += 1
                continue
        if error == "undefined_letter":
            penalties += 1
        pflags.add("step_" + verdict if verdict in ("extra", "duplicate") else verdict)
        if first_error is None:
            first_error = i
    return _finish(
        gold,
        flags,
        pflags,
        answer,
        tail,
        junk,
        penalties,
        n_right,
        n_gold,
        len(gvalues),
        i + 1,
        first_error,
        values,
    )


def _finish(
    gold: Gold,
    flags: set[str],
    pflags: set[str],
    answer: Any,
    tail: str,
    junk: int,
    penalties: int,
    n_right: int,
    n_seen: int,
    total: int,
    n_steps: int,
    first_error: int | None,
    values: dict[str, Any],
) -> Checked:
    """The solving part, junk and the totals (``parse._body``, ``process.check_process``).

    ``n_seen`` counts the gold nodes some step defines, of ``total``; ``values`` are the
    letters' values.
    """
    reverse = gold.mode == "reverse"
    solve_flag: str | None = "solve_missing"
    if tail:
        if reverse and tail.startswith(_SOLVE_HEAD):
            template = gold.solve_template
            g = tail[8:9]
            if (
                template is not None
                and tail[9:] == template.suffix
                and g in _TARGETS_REVERSE
                and values.get(g) == template.value
            ):
                solve_flag = template.verdict
            else:
                env = Env(True, gold.modulus)
                env.values = values
                solve_flag = _solve_ok(_solve(tail, env), gold)
        else:
            junk += 1
    if junk:
        flags.add("junk_text")
        penalties += junk
    if n_seen < total:
        pflags.add("missing_step")
    if reverse and solve_flag is not None:
        penalties += 1
        pflags.add(solve_flag)
    if "undefined_letter" in pflags:
        pflags.add("use_before_definition")
    process = n_right / (total + penalties)
    if first_error is None and process < 1.0:
        first_error = n_steps
    o = 1.0 if answer is not None and answer == gold.answer else 0.0
    if o == 0.0 and answer is not None:
        flags.add("wrong_answer")
    flags |= pflags
    verified = o == 1.0 and process == 1.0
    return _new(  # type: ignore[no-any-return]
        Checked, (o, process, verified, first_error, frozenset(flags), n_right, total)
    )
