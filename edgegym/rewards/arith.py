"""Exact, bounded arithmetic over linear forms ``a*x + b``, for checking model text.

Model text is data: nothing here calls ``eval``. One expression segment (the text
between two ``=`` of a trace) is split into tokens by a regular expression whose
alternatives are single characters or one run of digits, so it never backtracks,
and is evaluated by a small recursive-descent parser over the grammar::

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := "-" factor | atom
    atom   := INT | LETTER | "(" expr ")"

A value is a linear form ``(a, b)`` meaning ``a*x + b``, with ``int`` or
``Fraction`` coefficients; forward-mode values have ``a == 0``. A product of two
forms that both depend on x, a division by a form that depends on x or by zero,
and anything outside the grammar are errors. Every input is bounded: a segment
longer than :data:`MAX_CHARS` characters is rejected before it is tokenized, a
literal longer than :data:`MAX_DIGITS` digits or a coefficient larger than
:data:`MAX_ABS` in absolute value is rejected, and parentheses and unary minus
nest at most :data:`MAX_DEPTH` deep, so the work per segment is
``O(len(segment))`` and bounded by a constant.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from fractions import Fraction
from typing import TypeAlias

__all__ = [
    "MAX_ABS",
    "MAX_CHARS",
    "MAX_DEPTH",
    "MAX_DIGITS",
    "ZERO",
    "EvalError",
    "Lin",
    "Rat",
    "apply_op",
    "evaluate",
    "evaluate_tokens",
    "is_letter",
    "sub",
    "tokenize",
]

Rat: TypeAlias = int | Fraction
"""An exact rational: ``int`` where possible, ``Fraction`` after a division."""
Lin: TypeAlias = tuple[Rat, Rat]
"""A linear form ``(a, b)`` meaning ``a*x + b``."""
Lookup: TypeAlias = Callable[[str], Lin]
"""Resolves a letter to its value; raises :class:`EvalError` if it has none."""

MAX_CHARS = 512
"""Longest segment evaluated; gold segments at op 40 are under 100 characters."""
MAX_DIGITS = 30
"""Longest integer literal; Python's own limit (4300 digits) would raise instead."""
MAX_ABS = 10**40
"""Largest coefficient magnitude (numerator or denominator) kept."""
MAX_DEPTH = 32
"""Deepest nesting of parentheses and unary minus."""
ZERO: Lin = (0, 0)

# One token per match: a run of ASCII digits, one ASCII letter, an operator or
# parenthesis, or any other non-space character (an error token). No alternative
# can match the empty string and none overlaps another, so matching is linear.
_TOKEN = re.compile(r"[0-9]+|[A-Za-z]|[-+*/()]|\S")
_OPS = frozenset("+-*/")


class EvalError(Exception):
    """A segment that is not a bounded linear expression; ``args[0]`` names why."""


def _check(v: Rat) -> Rat:
    if v.__class__ is Fraction:  # an exact class test: isinstance goes through ABCMeta
        if v.denominator == 1:
            v = v.numerator
        elif abs(v.numerator) > MAX_ABS or v.denominator > MAX_ABS:
            raise EvalError("too_large")
        else:
            return v
    if v > MAX_ABS or v < -MAX_ABS:
        raise EvalError("too_large")
    return v


def apply_op(op: str, left: Lin, right: Lin) -> Lin:
    """``left op right`` for op in ``+ - * /``; raises :class:`EvalError` outside the bounds."""
    a1, b1 = left
    a2, b2 = right
    if (
        not a1
        and not a2
        and type(b1) is int
        and type(b2) is int
        and (op != "/" or (b2 != 0 and b1 % b2 == 0))  # a division without remainder
    ):
        v = b1 + b2 if op == "+" else b1 - b2 if op == "-" else b1 * b2 if op == "*" else b1 // b2
        if -MAX_ABS <= v <= MAX_ABS:
            return (0, v)
        raise EvalError("too_large")
    if op == "+":
        return (_check(a1 + a2) if a1 or a2 else 0, _check(b1 + b2))
    if op == "-":
        return (_check(a1 - a2) if a1 or a2 else 0, _check(b1 - b2))
    if op == "*":
        if a1 and a2:
            raise EvalError("nonlinear")
        if a1:
            return (_check(a1 * b2), _check(b1 * b2))
        return (_check(b1 * a2), _check(b1 * b2))
    # division: only by a nonzero constant
    if a2 or not b2:
        raise EvalError("bad_division")
    return (_check(Fraction(a1, 1) / b2) if a1 else 0, _check(Fraction(b1, 1) / b2))


class _Parser:
    """Recursive descent over one token list; a fresh instance per segment."""

    __slots__ = ("lookup", "pos", "tokens")

    def __init__(self, tokens: list[str], lookup: Lookup) -> None:
        self.tokens = tokens
        self.pos = 0
        self.lookup = lookup

    def expr(self, depth: int) -> Lin:
        value = self.term(depth)
        tokens = self.tokens
        while self.pos < len(tokens) and tokens[self.pos] in ("+", "-"):
            op = tokens[self.pos]
            self.pos += 1
            value = apply_op(op, value, self.term(depth))
        return value

    def term(self, depth: int) -> Lin:
        value = self.factor(depth)
        tokens = self.tokens
        while self.pos < len(tokens) and tokens[self.pos] in ("*", "/"):
            op = tokens[self.pos]
            self.pos += 1
            value = apply_op(op, value, self.factor(depth))
        return value

    def factor(self, depth: int) -> Lin:
        if depth > MAX_DEPTH:
            raise EvalError("too_deep")
        if self.pos >= len(self.tokens):
            raise EvalError("syntax")
        tok = self.tokens[self.pos]
        self.pos += 1
        if tok == "-":
            a, b = self.factor(depth + 1)
            return (-a if a else 0, -b)
        if tok == "(":
            value = self.expr(depth + 1)
            if self.pos >= len(self.tokens) or self.tokens[self.pos] != ")":
                raise EvalError("syntax")
            self.pos += 1
            return value
        return _atom(tok, self.lookup)


def _atom(tok: str, lookup: Lookup) -> Lin:
    first = tok[0]
    if "0" <= first <= "9":
        if len(tok) > MAX_DIGITS:
            raise EvalError("too_large")
        return (0, int(tok))
    if len(tok) == 1 and ("a" <= first <= "z" or "A" <= first <= "Z"):
        return lookup(tok)
    raise EvalError("syntax")


def tokenize(segment: str) -> list[str]:
    """Split a segment into tokens (linear; whitespace dropped).

    Raises:
        EvalError: the segment is longer than :data:`MAX_CHARS`.
    """
    if len(segment) > MAX_CHARS:
        raise EvalError("too_long")
    return _TOKEN.findall(segment)


def is_letter(token: str) -> bool:
    """True for a one-character ASCII letter token."""
    return len(token) == 1 and ("a" <= token <= "z" or "A" <= token <= "Z")


def evaluate_tokens(tokens: list[str], lookup: Lookup) -> Lin:
    """Evaluate a token list from :func:`tokenize`.

    Raises:
        EvalError: empty or outside the grammar, nonlinear, divides by zero or by a
            form in x, or exceeds a bound; or whatever ``lookup`` raises.
    """
    n = len(tokens)
    # Fast paths for the shapes gold traces use most: "18", "m", "9 * 18", "g + m".
    if n == 1:
        return _atom(tokens[0], lookup)
    if n == 3 and tokens[1] in _OPS and tokens[0] not in "()-+*/" and tokens[2] not in "()-+*/":
        return apply_op(tokens[1], _atom(tokens[0], lookup), _atom(tokens[2], lookup))
    if n == 0:
        raise EvalError("syntax")
    parser = _Parser(tokens, lookup)
    value = parser.expr(0)
    if parser.pos != n:
        raise EvalError("syntax")
    return value


def evaluate(segment: str, lookup: Lookup) -> Lin:
    """Evaluate one expression segment such as ``"9 * 18"`` or ``"(2*x + 24) - (x + 3)"``.

    Args:
        segment: the text.
        lookup: resolves each letter; it may raise :class:`EvalError`.

    Raises:
        EvalError: see :func:`tokenize` and :func:`evaluate_tokens`.
    """
    return evaluate_tokens(tokenize(segment), lookup)


def sub(left: Lin, right: Lin) -> Lin:
    """``left - right`` (for comparing two forms and for equations ``lhs = rhs``)."""
    return (left[0] - right[0], left[1] - right[1])
