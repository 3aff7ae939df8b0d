"""Expression segments of a trace, tokenized once and cached, and their values in an environment.

A segment is the text between two ``=`` of a clause. What does not depend on the
letters' values (its tokens, its letters, its value when it has no letter, or only
the unknown ``x``; a syntax error) is computed once per distinct text and cached: a
pure function of the text, bounded in size. The common shapes of gold traces
(``18``, ``m``, ``g + m``, ``9 * o``, ``9 * 18``) are recognised without the tokenizer.
"""

from __future__ import annotations

from edgegym.rewards.arith import (
    MAX_CHARS,
    MAX_DIGITS,
    EvalError,
    Lin,
    apply_op,
    evaluate_tokens,
    is_letter,
    tokenize,
)

__all__ = [
    "Env",
    "Seg",
    "X",
    "clear_cache",
    "compiled",
    "eval_segment",
    "number_value",
]

X: Lin = (1, 0)
"""The unknown x as a linear form."""

# Segment kinds: what evaluating it needs from the environment.
CONST, LETTER, BINARY, GENERAL, ERROR = range(5)


class Seg:
    """A compiled segment (see the module docstring); shared through the cache, never changed."""

    __slots__ = ("const", "error", "kind", "left", "letters", "op", "right", "tokens", "xconst")

    def __init__(
        self,
        kind: int,
        letters: tuple[str, ...],
        const: Lin | None,
        xconst: Lin | None,
        error: str | None,
        op: str,
        left: str | Lin,
        right: str | Lin,
        tokens: list[str],
    ) -> None:
        self.kind = kind
        self.letters = letters  # letter tokens in order (with repeats)
        self.const = const  # value when no letter is used
        self.xconst = xconst  # value in a numbers segment of reverse mode whose only letter is x
        self.error = error
        self.op = op  # BINARY: the operator
        self.left = left  # BINARY: a letter or a constant; LETTER: the letter
        self.right = right
        self.tokens = tokens


_CACHE: dict[str, Seg] = {}
_CACHE_MAX = 1 << 15
"""Segments kept (about 200 bytes each, ~6.5 MB at the cap): eight vector workers stay under
100 MB of cache in all (``benchmarks/cache_memory.py``)."""
_STRUCTURAL = frozenset({"syntax", "too_long", "too_deep"})


def _only_x(letter: str) -> Lin:
    if letter == "x":
        return X
    raise EvalError("undefined_letter")


def _one(letter: str) -> Lin:
    return (0, 1)


def _quick(segment: str) -> Seg | None:
    """The shapes gold traces use, without the tokenizer: ``18``, ``m``, ``A op B``."""
    parts = segment.split(" ")
    if len(parts) == 1:
        if segment.isdigit() and segment.isascii() and len(segment) <= MAX_DIGITS:
            return Seg(CONST, (), (0, int(segment)), None, None, "", "", "", [segment])
        if is_letter(segment):
            xconst = X if segment == "x" else None
            return Seg(LETTER, (segment,), None, xconst, None, "", segment, "", [segment])
        return None
    if len(parts) != 3 or parts[1] not in ("+", "-", "*") or not parts[0] or not parts[2]:
        return None
    atoms: list[str | Lin] = []
    for atom in (parts[0], parts[2]):
        if is_letter(atom):
            atoms.append(atom)
        elif atom.isdigit() and atom.isascii() and len(atom) <= MAX_DIGITS:
            atoms.append((0, int(atom)))
        else:
            return None
    left, right = atoms
    letters = tuple(a for a in atoms if isinstance(a, str))
    if not letters:
        try:
            const = apply_op(parts[1], left, right)  # type: ignore[arg-type]
        except EvalError as err:
            return Seg(ERROR, (), None, None, str(err.args[0]), "", "", "", parts)
        return Seg(CONST, (), const, None, None, "", "", "", parts)
    return Seg(BINARY, letters, None, None, None, parts[1], left, right, parts)


def _operand(token: str) -> bool:
    """A letter or a bounded run of digits: ``BINARY``'s operands (anything else, such as
    ``(``, ``=`` or a too long literal, goes to the parser, which reports it as an error)."""
    return is_letter(token) or ("0" <= token[0] <= "9" and len(token) <= MAX_DIGITS)


def _compile(segment: str) -> Seg:
    """Tokenize a segment and evaluate what needs no environment (cached)."""
    quick = _quick(segment)
    if quick is not None and (quick.kind != BINARY or "x" not in quick.letters):
        return quick
    try:
        tokens = tokenize(segment)
    except EvalError as err:
        return Seg(ERROR, (), None, None, str(err.args[0]), "", "", "", [])
    letters = tuple(t for t in tokens if is_letter(t))
    const = xconst = None
    try:
        if not letters:
            const = evaluate_tokens(tokens, _one)
        elif all(t == "x" for t in letters):
            xconst = evaluate_tokens(tokens, _only_x)
    except EvalError as err:
        if not letters or err.args[0] in _STRUCTURAL:
            return Seg(ERROR, letters, None, None, str(err.args[0]), "", "", "", tokens)
    if const is not None:
        return Seg(CONST, (), const, None, None, "", "", "", tokens)
    if len(tokens) == 1:
        return Seg(LETTER, letters, None, xconst, None, "", tokens[0], "", tokens)
    if (
        len(tokens) == 3
        and tokens[1] in ("+", "-", "*", "/")
        and _operand(tokens[0])
        and _operand(tokens[2])
    ):
        left: str | Lin = tokens[0] if is_letter(tokens[0]) else evaluate_tokens(tokens[:1], _one)
        right: str | Lin = tokens[2] if is_letter(tokens[2]) else evaluate_tokens(tokens[2:], _one)
        return Seg(BINARY, letters, None, xconst, None, tokens[1], left, right, tokens)
    return Seg(GENERAL, letters, None, xconst, None, "", "", "", tokens)


def clear_cache() -> None:
    """Forget every compiled segment (for benchmarks of a cold start)."""
    _CACHE.clear()


def compiled(segment: str) -> Seg:
    """The cached :class:`Seg` of a segment text."""
    seg = _CACHE.get(segment)
    if seg is None:
        seg = _compile(segment)
        if len(segment) <= MAX_CHARS:  # longer ones are errors at once: not worth the memory
            if len(_CACHE) >= _CACHE_MAX:
                _CACHE.clear()
            _CACHE[segment] = seg
    return seg


class Env:
    """Letters bound so far: letter -> value (None: bound, but to no valid value) and parents."""

    __slots__ = ("deps", "modulus", "reverse", "values")

    def __init__(self, reverse: bool, modulus: int | None) -> None:
        self.values: dict[str, Lin | None] = {}
        self.deps: dict[str, tuple[str, ...]] = {}
        self.reverse = reverse
        self.modulus = modulus

    def value(self, letter: str) -> Lin:
        """Resolve a letter of an expression (a clause's first segment)."""
        try:
            value = self.values[letter]
        except KeyError:
            raise EvalError("undefined_letter") from None
        if value is None:
            raise EvalError("invalid_operand")
        return value

    def number(self, letter: str) -> Lin:
        """Resolve a letter of a numbers segment: in reverse mode ``x`` is the unknown."""
        if letter == "x" and self.reverse:
            return X
        return self.value(letter)


def number_value(segment: str, env: Env) -> Lin:
    """Value of a numbers segment (``x`` is the unknown in reverse mode)."""
    return eval_segment(segment, env, False)


def eval_segment(segment: str, env: Env, first: bool) -> Lin:
    """Value of one segment; ``first`` marks an expression (there ``x`` must be bound)."""
    seg = compiled(segment)
    kind = seg.kind
    if kind == CONST:
        return seg.const  # type: ignore[return-value]
    if kind == ERROR:
        raise EvalError(seg.error)
    if not first and seg.xconst is not None and env.reverse:
        return seg.xconst
    lookup = env.value if first else env.number
    if kind == LETTER:
        return lookup(seg.left)  # type: ignore[arg-type]
    if kind == BINARY:
        left, right = seg.left, seg.right
        return apply_op(
            seg.op,
            lookup(left) if isinstance(left, str) else left,
            lookup(right) if isinstance(right, str) else right,
        )
    return evaluate_tokens(seg.tokens, lookup)
